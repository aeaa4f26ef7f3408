/**
 * ECharts option of the explanation waterfall (horizontal, so long measurement names fit on a
 * phone): an invisible offset bar plus a coloured bar per step, green when a measurement pushes
 * toward potable and red when it pushes away, with the decision threshold as a dashed line.
 */
import type { Prediction } from '../api/types.js';
import { isPositive, waterfall } from '../lib/verdict.js';
import type { ChartOption } from './Chart.js';

export function waterfallOption(p: Prediction, labels: Map<string, string>): ChartOption {
  const bars = waterfall(p);
  const names = bars.map((b) => (b.kind === 'base' || b.kind === 'total' ? b.label : (labels.get(b.label) ?? b.label)));
  const color = { base: '#5b6b7b', total: isPositive(p) ? '#1a7f37' : '#b42318', up: '#1a7f37', down: '#b42318' };
  const ends = [...bars.flatMap((b) => (b.kind === 'up' || b.kind === 'down' ? [b.from, b.to] : [b.to])), p.threshold];
  // Zoom to where the action is, in 5-point steps, so small pushes are visible.
  const lo = Math.max(0, Math.floor((Math.min(...ends) - 0.05) * 20) / 20);
  const hi = Math.min(1, Math.ceil((Math.max(...ends) + 0.05) * 20) / 20);
  return {
    animation: false,
    aria: { enabled: true },
    grid: { left: 8, right: 48, top: 24, bottom: 8, containLabel: true },
    tooltip: {
      trigger: 'axis',
      axisPointer: { type: 'shadow' },
      valueFormatter: (v: unknown) => (typeof v === 'number' ? `${(v * 100).toFixed(1)}%` : String(v)),
    },
    xAxis: {
      type: 'value',
      min: lo,
      max: hi,
      axisLabel: { formatter: (v: number) => `${Math.round(v * 100)}%` },
    },
    yAxis: { type: 'category', data: names, inverse: true, axisLabel: { width: 120, overflow: 'truncate' } },
    series: [
      {
        type: 'bar',
        stack: 'w',
        silent: true,
        itemStyle: { color: 'transparent' },
        tooltip: { show: false },
        data: bars.map((b) => Math.min(b.from, b.to)),
      },
      {
        type: 'bar',
        stack: 'w',
        name: 'push',
        data: bars.map((b) => ({ value: Math.abs(b.to - b.from), itemStyle: { color: color[b.kind] } })),
        label: {
          show: true,
          position: 'right',
          formatter: (x: { dataIndex: number }) => {
            const b = bars[x.dataIndex];
            if (b === undefined) return '';
            if (b.kind === 'base' || b.kind === 'total') return `${(b.to * 100).toFixed(0)}%`;
            const d = (b.to - b.from) * 100;
            return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(1)} pt`;
          },
        },
        markLine: {
          silent: true,
          symbol: 'none',
          lineStyle: { type: 'dashed', color: '#333' },
          // The category axis is inverted, so 'start' is the top of the plot.
          label: { formatter: 'threshold', position: 'start' },
          data: [{ xAxis: p.threshold }],
        },
      },
    ],
  } as ChartOption;
}
