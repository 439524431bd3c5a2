import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { useNow } from '../hooks/use-now.ts';
import { useTopic } from '../hooks/use-store.ts';
import { formatNumber } from '../lib/format.ts';
import { LoadState, type SeriesEntry, topic } from '../state/live-store.ts';

export interface TimeChartProps {
  readonly entry: SeriesEntry;
  /** `sparkline`: no axes, no cursor, for cards; `full`: axes and a hover read-out. */
  readonly variant: 'sparkline' | 'full';
  readonly height: number;
  /** Spoken name of the chart, e.g. "temperature, last 10 minutes". */
  readonly label: string;
}

interface Palette {
  readonly line: string;
  readonly fill: string;
  readonly axis: string;
  readonly grid: string;
}

const readPalette = (el: Element): Palette => {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    line: v('--chart-line', '#2563eb'),
    fill: v('--chart-fill', 'rgba(37, 99, 235, 0.12)'),
    axis: v('--chart-axis', '#6b7280'),
    grid: v('--chart-grid', 'rgba(107, 114, 128, 0.15)'),
  };
};

/** A silence longer than this is drawn as a gap rather than a straight line across it. */
const gapMs = (resolutionMs: number): number => Math.max(60_000, 10 * resolutionMs);

function toPlotData(xs: readonly number[], ys: readonly number[], gap: number): uPlot.AlignedData {
  const px: number[] = [];
  const py: (number | null)[] = [];
  for (let i = 0; i < xs.length; i++) {
    const x = xs[i] as number;
    const prev = xs[i - 1];
    if (prev !== undefined && x - prev > gap) {
      px.push((prev + x) / 2000);
      py.push(null);
    }
    px.push(x / 1000);
    py.push(ys[i] as number);
  }
  return [px, py];
}

/** Tick steps in seconds; 2 min gives five labels across a 10-minute window. */
const X_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];
const tickFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * A uPlot line chart over the entry's sliding window. uPlot owns the canvas; this component only feeds it
 * data when the series revision or the clock moves.
 */
export function TimeChart({ entry, variant, height, label }: TimeChartProps) {
  useTopic(topic.series(entry.key));
  const now = useNow();
  const hostRef = useRef<HTMLDivElement>(null);
  const readoutRef = useRef<HTMLSpanElement>(null);
  const plotRef = useRef<uPlot | null>(null);
  // The x range follows the clock; uPlot asks for it through this ref on every redraw.
  const windowRef = useRef<[number, number]>([0, 1]);

  useEffect(() => {
    const host = hostRef.current;
    if (!host) return;
    const p = readPalette(host);
    const full = variant === 'full';
    const opts: uPlot.Options = {
      width: Math.max(host.clientWidth, 50),
      height,
      padding: full ? [10, 22, 0, 0] : [3, 0, 3, 0],
      legend: { show: false },
      select: { show: false, left: 0, top: 0, width: 0, height: 0 },
      cursor: full
        ? { drag: { x: false, y: false }, points: { size: 7, fill: p.line }, y: false }
        : { show: false },
      scales: {
        x: { time: true, range: () => windowRef.current },
        // Without data uPlot passes nulls here, whatever the types say.
        y: { range: (_u, min, max) => (min == null || max == null ? [0, 1] : uPlot.rangeNum(min, max, 0.15, true)) },
      },
      axes: full
        ? [
            {
              stroke: p.axis,
              grid: { stroke: p.grid, width: 1 },
              ticks: { show: false },
              font: '11px system-ui, sans-serif',
              space: 48,
              size: 30,
              incrs: X_INCRS,
              values: (_u, splits) => splits.map((s) => tickFormat.format(s * 1000)),
            },
            {
              stroke: p.axis,
              grid: { stroke: p.grid, width: 1 },
              ticks: { show: false },
              size: 52,
              font: '11px system-ui, sans-serif',
              values: (_u, splits) => splits.map(formatNumber),
            },
          ]
        : [{ show: false }, { show: false }],
      series: [{}, { stroke: p.line, fill: p.fill, width: full ? 2 : 1.5, points: { show: false }, spanGaps: false }],
      hooks: full
        ? {
            setCursor: [
              (u) => {
                const el = readoutRef.current;
                if (!el) return;
                const i = u.cursor.idx;
                const x = i == null ? undefined : u.data[0][i];
                const y = i == null ? undefined : u.data[1]?.[i];
                el.textContent = x == null || y == null ? '' : `${timeFormat.format(x * 1000)} · ${formatNumber(y)}`;
              },
            ],
          }
        : {},
    };
    const plot = new uPlot(opts, [[], []], host);
    plotRef.current = plot;
    const ro = new ResizeObserver(() => {
      const w = Math.max(host.clientWidth, 50);
      if (w !== plot.width) plot.setSize({ width: w, height });
    });
    ro.observe(host);
    return () => {
      ro.disconnect();
      plot.destroy();
      plotRef.current = null;
    };
  }, [variant, height]);

  const { buffer } = entry;
  useEffect(() => {
    const plot = plotRef.current;
    if (!plot) return;
    const end = Math.max(now, (buffer.lastTs ?? 0) + buffer.spec.resolutionMs);
    windowRef.current = [(end - buffer.spec.windowMs) / 1000, end / 1000];
    plot.setData(toPlotData(buffer.xs, buffer.ys, gapMs(buffer.spec.resolutionMs)));
  }, [entry, entry.revision, now, buffer]);

  const empty = buffer.length === 0;
  const note = !empty
    ? undefined
    : entry.state === LoadState.Error
      ? `History unavailable${entry.error ? `: ${entry.error.message}` : ''}`
      : entry.state === LoadState.Ready
        ? 'No data in this window yet'
        : variant === 'full' ? 'Loading history…' : undefined;

  return (
    <div class={`chart chart-${variant}`} data-points={buffer.length} data-last-ts={buffer.lastTs}>
      {variant === 'full' && <span class="chart-readout" ref={readoutRef} aria-hidden="true" />}
      <div class="chart-canvas" ref={hostRef} role="img" aria-label={label} style={{ height: `${height}px` }} />
      {note && <p class="chart-note">{note}</p>}
    </div>
  );
}
