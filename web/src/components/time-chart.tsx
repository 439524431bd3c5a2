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
  /** The model block's outputs for this field (DESIGN §5.4), drawn over it: estimate line, anomaly markers. */
  readonly estimate?: SeriesEntry;
  readonly anomaly?: SeriesEntry;
  /** Dragging across the chart selects a range (epoch ms); the caller loads finer data for it. */
  readonly onZoom?: (fromMs: number, toMs: number) => void;
}

interface Palette {
  readonly estimate: string;
  readonly anomaly: string;
  readonly line: string;
  readonly fill: string;
  readonly axis: string;
  readonly grid: string;
}

const readPalette = (el: Element): Palette => {
  const css = getComputedStyle(el);
  const v = (name: string, fallback: string): string => css.getPropertyValue(name).trim() || fallback;
  return {
    estimate: v('--chart-estimate', '#7c3aed'),
    anomaly: v('--chart-anomaly', '#dc2626'),
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

/**
 * Aligns the estimate and the anomaly flags on the raw series' x values (the buffers share bucket times).
 * An anomaly marker sits on the raw value of its bucket.
 */
function overlay(main: uPlot.AlignedData, estimate?: SeriesEntry, anomaly?: SeriesEntry): uPlot.AlignedData {
  const xs = main[0] as number[];
  const ys = main[1] as (number | null)[];
  const index = (e: SeriesEntry): Map<number, number> => {
    const m = new Map<number, number>();
    for (let i = 0; i < e.buffer.xs.length; i++) m.set((e.buffer.xs[i] as number) / 1000, e.buffer.ys[i] as number);
    return m;
  };
  const out: (number | null)[][] = [];
  if (estimate) {
    const m = index(estimate);
    out.push(xs.map((x) => m.get(x) ?? null));
  }
  if (anomaly) {
    const m = index(anomaly);
    out.push(xs.map((x, i) => ((m.get(x) ?? 0) > 0 ? ys[i] ?? null : null)));
  }
  return [xs, ys, ...out] as uPlot.AlignedData;
}

/** Tick steps in seconds; 2 min gives five labels across a 10-minute window. */
const X_INCRS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21_600, 43_200, 86_400];
const tickFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });
const timeFormat = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/**
 * A uPlot line chart over the entry's sliding window. uPlot owns the canvas; this component only feeds it
 * data when the series revision or the clock moves.
 */
export function TimeChart({ entry, variant, height, label, estimate, anomaly, onZoom }: TimeChartProps) {
  useTopic(topic.series(entry.key));
  useTopic(topic.series(estimate?.key ?? entry.key));
  useTopic(topic.series(anomaly?.key ?? entry.key));
  const zoomRef = useRef(onZoom);
  zoomRef.current = onZoom;
  const overlays = `${estimate ? 'e' : ''}${anomaly ? 'a' : ''}`;
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
      padding: full ? [10, 30, 0, 0] : [3, 0, 3, 0],
      legend: { show: false },
      select: { show: full, left: 0, top: 0, width: 0, height: 0 },
      cursor: full
        ? { drag: { x: true, y: false, setScale: false }, points: { size: 7, fill: p.line }, y: false }
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
      series: [
        {},
        { stroke: p.line, fill: p.fill, width: full ? 2 : 1.5, points: { show: false }, spanGaps: false },
        ...(estimate ? [{ stroke: p.estimate, width: 1.5, dash: [6, 4], points: { show: false }, spanGaps: true }] : []),
        ...(anomaly ? [{ stroke: p.anomaly, width: 0, paths: () => null, points: { show: true, size: 9, stroke: p.anomaly, fill: p.anomaly, width: 1 } }] : []),
      ],
      hooks: full
        ? {
            setSelect: [
              (u) => {
                if (u.select.width < 4) return;
                const from = u.posToVal(u.select.left, 'x') * 1000;
                const to = u.posToVal(u.select.left + u.select.width, 'x') * 1000;
                u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
                zoomRef.current?.(from, to);
              },
            ],
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
  }, [variant, height, overlays]);

  const { buffer } = entry;
  useEffect(() => {
    const plot = plotRef.current;
    if (!plot) return;
    const end = Math.max(now, (buffer.lastTs ?? 0) + buffer.spec.resolutionMs);
    windowRef.current = [(end - buffer.spec.windowMs) / 1000, end / 1000];
    const main = toPlotData(buffer.xs, buffer.ys, gapMs(buffer.spec.resolutionMs));
    if (!estimate && !anomaly) {
      plot.setData(main);
      return;
    }
    plot.setData(overlay(main, estimate, anomaly));
  }, [entry, entry.revision, now, buffer, estimate?.revision, anomaly?.revision]);

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
