/**
 * One React wrapper around ECharts, built from `echarts/core` with only the pieces this app uses
 * (bar charts here; line charts are registered by the lazily loaded views that need them) so the
 * lab view's bundle stays small. The chart resizes with its box and exposes a text label for
 * screen readers, since a canvas says nothing by itself.
 */
import { BarChart } from 'echarts/charts';
import { AriaComponent, GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components';
import * as echarts from 'echarts/core';
import { CanvasRenderer } from 'echarts/renderers';
import { useEffect, useRef } from 'react';

echarts.use([
  BarChart,
  GridComponent,
  TooltipComponent,
  LegendComponent,
  MarkLineComponent,
  AriaComponent,
  CanvasRenderer,
]);

export { echarts };

export type ChartOption = Parameters<echarts.ECharts['setOption']>[0];

export interface ChartProps {
  readonly option: ChartOption;
  /** What the chart shows, in words (read by screen readers). */
  readonly label: string;
  readonly height?: number;
  readonly testId?: string;
}

export function Chart({ option, label, height = 300, testId }: ChartProps) {
  const ref = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);

  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const c = echarts.init(el, undefined, { renderer: 'canvas' });
    chart.current = c;
    const ro = new ResizeObserver(() => c.resize());
    ro.observe(el);
    return () => {
      ro.disconnect();
      c.dispose();
      chart.current = null;
    };
  }, []);

  useEffect(() => {
    chart.current?.setOption(option, { notMerge: true });
  }, [option]);

  return <div ref={ref} className="chart" role="img" aria-label={label} data-testid={testId} style={{ height }} />;
}
