import { useEffect, useRef } from 'react';
import { Group, Table, Text, VisuallyHidden } from '@mantine/core';
import uPlot from 'uplot';

export interface BarSeries {
  label: string;
  values: number[];
  /** A colour with at least 3:1 contrast on white (WCAG 1.4.11 for graphics). */
  color: string;
}

/** Colours for series without a meaning of their own; each has ≥ 3:1 contrast on white. */
export const PALETTE = ['#364fc7', '#087f5b', '#c2255c', '#5f3dc4', '#0b7285', '#d9480f', '#495057'];

/**
 * Stacked bars over time (uPlot: canvas, ~50 kB, cheap to redraw on every poll). `x` is epoch seconds (hours or
 * local midnights). uPlot has no stacking, so each series is drawn as the running total up to it, tallest first:
 * what shows of a bar is its own share. The canvas says nothing to a screen reader, so it is aria-hidden and the
 * same figures are always in `ChartTable` (visually hidden) next to it; the legend is plain text.
 */
export function BarChart({ x, series, height = 180, unit }: { x: number[]; series: BarSeries[]; height?: number; unit: 'hour' | 'day' }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el || x.length === 0) return;
    const running: number[][] = [];
    series.forEach((s, i) => running.push(s.values.map((v, j) => v + (i > 0 ? running[i - 1]![j]! : 0))));
    const order = series.map((_, i) => i).reverse();
    const bars = uPlot.paths.bars!({ size: [0.7, 48] });
    const pad = unit === 'day' ? 43_200 : 1_800;
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height,
        series: [{}, ...order.map((i) => ({ label: series[i]!.label, stroke: series[i]!.color, fill: series[i]!.color, width: 0, paths: bars, points: { show: false } }))],
        axes: [
          { stroke: '#343a40', grid: { show: false }, ...(unit === 'day' ? { values: (_u: uPlot, ticks: number[]) => ticks.map((t) => new Date(t * 1000).toLocaleDateString(undefined, { month: 'short', day: 'numeric' })) } : {}) },
          { stroke: '#343a40', size: 44, grid: { stroke: '#dee2e6' } },
        ],
        scales: { x: { time: true, range: [x[0]! - pad, x[x.length - 1]! + pad] }, y: { range: (_u, _min, max) => [0, Math.max(1, Math.ceil(max * 1.1))] } },
        legend: { show: false },
        cursor: { show: false },
      },
      [x, ...order.map((i) => running[i]!)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [x, series, height, unit]);
  return (
    <>
      <div ref={box} aria-hidden="true" />
      {series.length > 1 && (
        <Group gap="md" mt={4} aria-hidden="true">
          {series.map((s) => (
            <Group key={s.label} gap={6}>
              <span style={{ display: 'inline-block', width: 12, height: 12, background: s.color, borderRadius: 2 }} />
              <Text size="sm">{s.label}</Text>
            </Group>
          ))}
        </Group>
      )}
    </>
  );
}

/** The figures of a chart as a table for screen readers (visually hidden): one row per x, one column per series. */
export function ChartTable({ caption, x, series, unit, testId }: { caption: string; x: number[]; series: BarSeries[]; unit: 'hour' | 'day'; testId?: string }) {
  const fmt = (t: number) => (unit === 'day' ? new Date(t * 1000).toLocaleDateString(undefined, { dateStyle: 'medium' }) : new Date(t * 1000).toLocaleString(undefined, { dateStyle: 'short', timeStyle: 'short' }));
  return (
    <VisuallyHidden>
      <Table data-testid={testId}>
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{unit === 'day' ? 'Day' : 'Hour'}</th>
            {series.map((s) => <th scope="col" key={s.label}>{s.label}</th>)}
          </tr>
        </thead>
        <tbody>
          {x.map((t, i) => (
            <tr key={t}>
              <th scope="row">{fmt(t)}</th>
              {series.map((s) => <td key={s.label}>{s.values[i]}</td>)}
            </tr>
          ))}
        </tbody>
      </Table>
    </VisuallyHidden>
  );
}

/** Local midnights (epoch seconds) from `since` to today, and "YYYY-MM-DD" keys in the viewer's time zone. */
export function localDays(since: Date, now = new Date()): { x: number[]; keys: string[] } {
  const d = new Date(since);
  d.setHours(0, 0, 0, 0);
  const x: number[] = [];
  const keys: string[] = [];
  while (d.getTime() <= now.getTime()) {
    x.push(d.getTime() / 1000);
    keys.push(`${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`);
    d.setDate(d.getDate() + 1);
  }
  return { x, keys };
}

/**
 * The hour slots (epoch seconds of whole UTC hours, as the server's `date_trunc('hour')` buckets) of the last
 * `hours` hours, oldest first, so a chart shows its whole window even where nothing happened.
 */
export function hourSlots(hours: number, now = Date.now()): number[] {
  const last = Math.floor(now / 3_600_000);
  return Array.from({ length: hours + 1 }, (_, i) => (last - hours + i) * 3600);
}
