/**
 * Feedback: the true label for an earlier prediction. Labels arrive as 0/1 or as a verdict word
 * of the serving signature; storing is idempotent and a different label for the same prediction
 * is refused as a conflict (the first label stands).
 */
import { AquaopsError, type FeedbackRequest, type FeedbackResponse } from '@aquaops/contracts';
import type { ModelManager } from '../../model/manager.js';
import type { FeedbackStore } from '../../model/types.js';
import type { ServerMetrics } from '../metrics/metrics.js';

export class FeedbackService {
  constructor(
    private readonly store: FeedbackStore,
    private readonly manager: ModelManager,
    private readonly metrics: ServerMetrics,
  ) {}

  private toLabel(label: FeedbackRequest['label']): 0 | 1 {
    if (label === 0 || label === 1) return label;
    const v = this.manager.serving?.model.signature.verdicts ?? { positive: 'potable', negative: 'not_potable' };
    if (label === v.positive) return 1;
    if (label === v.negative) return 0;
    throw new AquaopsError('AQUAOPS_E_VALIDATION', `unknown label "${label.slice(0, 64)}"`, {
      hint: `Use 1 or "${v.positive}", 0 or "${v.negative}".`,
      details: [
        {
          path: '/label',
          expected: `1, 0, "${v.positive}" or "${v.negative}"`,
          found: JSON.stringify(label.slice(0, 64)),
        },
      ],
    });
  }

  async record(req: FeedbackRequest): Promise<FeedbackResponse> {
    const label = this.toLabel(req.label);
    const r = await this.store.record(req.predictionId, label);
    this.metrics.feedback.inc({ label: String(label), result: r.status });
    if (r.status === 'conflict') {
      throw new AquaopsError(
        'AQUAOPS_E_FEEDBACK_CONFLICT',
        `prediction ${req.predictionId} already has label ${r.label}`,
        {
          hint: 'The first label stands; contact an operator to correct it.',
          details: [{ path: '/label', expected: String(r.label), found: String(label) }],
        },
      );
    }
    return {
      predictionId: req.predictionId,
      label: r.label,
      recordedAt: r.recordedAt,
      created: r.status === 'created',
    };
  }
}
