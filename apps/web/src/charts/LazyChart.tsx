/**
 * The chart component loaded on demand: ECharts is most of the app's JavaScript, and the lab
 * form must render before any chart is needed, so the chart code arrives with the first result.
 */
import { lazy, Suspense } from 'react';
import type { ChartProps } from './Chart.js';

const Inner = lazy(() => import('./Chart.js').then((m) => ({ default: m.Chart })));

export function LazyChart(props: ChartProps) {
  return (
    <Suspense fallback={<div className="chart" aria-busy="true" style={{ height: props.height ?? 300 }} />}>
      <Inner {...props} />
    </Suspense>
  );
}
