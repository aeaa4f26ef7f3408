import { describe, expect, it } from 'vitest';
import { histogramQuantile, parseProm, sumBy } from './prom.js';

const TEXT = `# HELP aquaops_predictions_total n
# TYPE aquaops_predictions_total counter
aquaops_predictions_total{model_version="1",verdict="potable",route="default"} 3
aquaops_predictions_total{model_version="1",verdict="not_potable",route="default"} 5
aquaops_predictions_total{model_version="2",verdict="potable",route="ab:2"} 2
aquaops_prediction_duration_seconds_bucket{le="0.001",route="default"} 4
aquaops_prediction_duration_seconds_bucket{le="0.01",route="default"} 8
aquaops_prediction_duration_seconds_bucket{le="+Inf",route="default"} 8
aquaops_prediction_duration_seconds_bucket{le="0.001",route="batch"} 0
aquaops_prediction_duration_seconds_bucket{le="0.01",route="batch"} 0
aquaops_prediction_duration_seconds_bucket{le="+Inf",route="batch"} 0
`;

describe('prometheus text', () => {
  it('sums counters by labels', () => {
    const s = parseProm(TEXT);
    expect(sumBy(s, 'aquaops_predictions_total', ['model_version'])).toEqual(
      new Map([
        ['1', 8],
        ['2', 2],
      ]),
    );
  });
  it('interpolates histogram quantiles inside the bucket (tolerance 1e-12)', () => {
    const s = parseProm(TEXT);
    // 8 observations: 4 ≤ 1 ms, 4 in (1, 10] ms. Median = 1 ms; p75 = 1 + 9 * (6 - 4) / 4 = 5.5 ms.
    expect(histogramQuantile(s, 'aquaops_prediction_duration_seconds', 0.5, { route: 'default' })).toBeCloseTo(
      0.001,
      12,
    );
    expect(histogramQuantile(s, 'aquaops_prediction_duration_seconds', 0.75, { route: 'default' })).toBeCloseTo(
      0.0055,
      12,
    );
    expect(histogramQuantile(s, 'aquaops_prediction_duration_seconds', 0.5, { route: 'batch' })).toBeNull();
  });
});
