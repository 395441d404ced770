import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

export interface Series {
  label: string;
  values: number[];
}

const PALETTE = ['#4c6ef5', '#12b886', '#fab005', '#fa5252', '#7950f2', '#15aabf', '#e64980'];

/**
 * A small uPlot bar chart (canvas, ~50 kB, fast with live data). Canvas is invisible to screen readers, so the
 * same numbers are always rendered as a table too (`HourlyTable`); the chart is marked decorative.
 */
export function HourlyChart({ hours, series, height = 180 }: { hours: number[]; series: Series[]; height?: number }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const bars = uPlot.paths.bars!({ size: [0.8, 40] });
    const plot = new uPlot(
      {
        width: el.clientWidth || 600,
        height,
        series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], fill: `${PALETTE[i % PALETTE.length]}99`, paths: bars }))],
        axes: [{}, { size: 40 }],
        scales: { x: { time: true } },
        legend: { show: series.length > 1 },
      },
      [hours, ...series.map((s) => s.values)],
      el,
    );
    const resize = new ResizeObserver(() => plot.setSize({ width: el.clientWidth, height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [hours, series, height]);
  return <div ref={box} aria-hidden="true" />;
}
