/**
 * The promotion policy: a new version becomes `champion` only when there is no champion yet,
 * or when it beats the current champion on the SAME held-out data (equal test-set hash, else
 * equal data version) by at least the configured margin. Anything else makes it `challenger`,
 * with a reason a person can read. Pure, so the rule is tested apart from any store.
 */
import { AquaopsError } from '@aquaops/contracts';
import type { MetricMap } from '../runs/store.js';
import type { ModelVersion } from './store.js';

export interface PromotionPolicy {
  /** Held-out test metric compared, e.g. `test_roc_auc`. */
  readonly metric: string;
  readonly higherIsBetter: boolean;
  /** Minimum improvement (in metric units, ≥ 0) needed to replace the champion. */
  readonly minImprovement: number;
}

export interface PromotionDecision {
  readonly alias: 'champion' | 'challenger';
  readonly reason: string;
  /** Metrics that justified the decision, for the audit entry. */
  readonly metrics: MetricMap;
}

type Candidate = Pick<ModelVersion, 'version' | 'metrics' | 'dataVersion' | 'testSetHash'>;

export function checkPolicy(p: PromotionPolicy): void {
  if (typeof p.metric !== 'string' || p.metric === '' || !Number.isFinite(p.minImprovement) || p.minImprovement < 0) {
    throw new AquaopsError('AQUAOPS_E_CONFIG', `invalid promotion policy ${JSON.stringify(p)}`, {
      hint: 'set a metric name and a finite minImprovement >= 0',
    });
  }
}

export function decidePromotion(
  candidate: Candidate,
  champion: Candidate | undefined,
  policy: PromotionPolicy,
): PromotionDecision {
  checkPolicy(policy);
  const m = policy.metric;
  const c = candidate.metrics[m];
  if (champion === undefined) {
    return {
      alias: 'champion',
      reason: `no champion yet: version ${candidate.version} becomes champion`,
      metrics: c === undefined ? {} : { [m]: c },
    };
  }
  const h = champion.metrics[m];
  if (c === undefined) {
    return { alias: 'challenger', reason: `version ${candidate.version} has no ${m}; cannot compare`, metrics: {} };
  }
  if (h === undefined) {
    return {
      alias: 'challenger',
      reason: `champion version ${champion.version} has no ${m}; cannot compare`,
      metrics: { [m]: c },
    };
  }
  const sameData =
    candidate.testSetHash !== null || champion.testSetHash !== null
      ? candidate.testSetHash === champion.testSetHash
      : candidate.dataVersion !== null && candidate.dataVersion === champion.dataVersion;
  const metrics = { [m]: c, [`champion_${m}`]: h };
  if (!sameData) {
    return {
      alias: 'challenger',
      reason: `version ${candidate.version} was tested on different held-out data than champion ${champion.version} (test set ${candidate.testSetHash ?? candidate.dataVersion ?? '?'} vs ${champion.testSetHash ?? champion.dataVersion ?? '?'})`,
      metrics,
    };
  }
  const gain = policy.higherIsBetter ? c - h : h - c;
  const verdict = `${m} ${c} vs champion ${h} (version ${champion.version}), gain ${round(gain)}, required ${policy.minImprovement}`;
  return gain >= policy.minImprovement && gain > 0
    ? { alias: 'champion', reason: `beats the champion: ${verdict}`, metrics }
    : { alias: 'challenger', reason: `does not beat the champion by the margin: ${verdict}`, metrics };
}

function round(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
