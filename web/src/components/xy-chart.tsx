import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { formatNumber } from '../lib/format.ts';

export interface XySeries {
  readonly label: string;
  readonly ys: readonly (number | null)[];
  readonly color: string;
}

/** A small uPlot line chart over a numeric x (simulation time in seconds), one or more series. */
export function XyChart({ xs, series, height, label, xLabel, time = false }: { readonly xs: readonly number[]; readonly series: readonly XySeries[]; readonly height: number; readonly label: string; readonly xLabel: string; /** x in epoch seconds */ readonly time?: boolean }) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const shape = series.map((s) => s.label).join('\u0000');

  useEffect(() => {
    const el = host.current;
    if (!el) return;
    const css = getComputedStyle(el);
    const axis = css.getPropertyValue('--chart-axis').trim() || '#6b7280';
    const grid = css.getPropertyValue('--chart-grid').trim() || 'rgba(107,114,128,.15)';
    // Canvas strokes do not understand CSS variables: resolve `var(--x)` here.
    const color = (c: string): string => {
      const m = /^var\((--[\w-]+)\)$/.exec(c);
      return m ? css.getPropertyValue(m[1] as string).trim() || '#0f766e' : c;
    };
    const ax = { stroke: axis, grid: { stroke: grid, width: 1 }, ticks: { show: false }, font: '11px system-ui, sans-serif' };
    const p = new uPlot(
      {
        width: Math.max(el.clientWidth, 50),
        height,
        padding: [10, 16, 0, 0],
        legend: { show: series.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time }, y: { range: (_u, min, max) => (min == null || max == null ? [0, 1] : uPlot.rangeNum(min, max, 0.1, true)) } },
        axes: [
          time ? { ...ax, space: 60 } : { ...ax, size: 34, label: xLabel, labelSize: 12, labelGap: 0, labelFont: '11px system-ui, sans-serif', values: (_u, s) => s.map(formatNumber) },
          { ...ax, size: 52, values: (_u, s) => s.map(formatNumber) },
        ],
        series: [{ label: xLabel }, ...series.map((s) => ({ label: s.label, stroke: color(s.color), width: 2, points: { show: false }, spanGaps: true }))],
      },
      [[], ...series.map(() => [])] as unknown as uPlot.AlignedData,
      el,
    );
    plot.current = p;
    const ro = new ResizeObserver(() => {
      const w = Math.max(el.clientWidth, 50);
      if (w !== p.width) p.setSize({ width: w, height });
    });
    ro.observe(el);
    return () => {
      ro.disconnect();
      p.destroy();
      plot.current = null;
    };
  }, [shape, height, time]);

  useEffect(() => {
    plot.current?.setData([xs as number[], ...series.map((s) => s.ys as (number | null)[])] as uPlot.AlignedData);
  });

  return (
    <div class="chart chart-full" data-points={xs.length}>
      <div class="chart-canvas" ref={host} role="img" aria-label={label} />
    </div>
  );
}
