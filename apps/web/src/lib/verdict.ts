/**
 * Pure helpers that turn a prediction into the words and numbers the lab view shows: the verdict
 * label, how sure the model is relative to its threshold, and the bars of the explanation
 * waterfall (base rate → each measurement's push → the sample's probability).
 */
import type { Prediction } from '../api/types.js';

export type Certainty = 'uncertain' | 'moderate' | 'confident';

/** Distance to the threshold in probability: within 0.1 is uncertain, within 0.25 moderate. */
export function certainty(probability: number, threshold: number): Certainty {
  const d = Math.abs(probability - threshold);
  if (d < 0.1) return 'uncertain';
  if (d < 0.25) return 'moderate';
  return 'confident';
}

export function verdictWords(verdict: string): string {
  return verdict.replace(/_/g, ' ');
}

/**
 * A lab result (1 potable, 0 not) in words; a dash while none is recorded. One wording for the
 * lab view's session list and the operations view's recent predictions.
 */
export function labResultWords(label: number | null | undefined): string {
  if (label === null || label === undefined) return '—';
  return label === 1 ? 'potable' : 'not potable';
}

export function isPositive(p: Pick<Prediction, 'probability' | 'threshold'>): boolean {
  return p.probability >= p.threshold;
}

export function uncertaintyNote(p: Pick<Prediction, 'probability' | 'threshold' | 'missing'>): string {
  const pct = (x: number): string => `${Math.round(x * 100)}%`;
  const c = certainty(p.probability, p.threshold);
  const missing =
    p.missing.length > 0
      ? ` ${p.missing.length} measurement${p.missing.length === 1 ? ' was' : 's were'} missing, which adds uncertainty.`
      : '';
  if (c === 'uncertain') {
    return `Close to the threshold (${pct(p.probability)} vs ${pct(p.threshold)}): treat this result as uncertain and confirm it in the lab.${missing}`;
  }
  if (c === 'moderate') {
    return `Moderately clear (${pct(p.probability)} vs threshold ${pct(p.threshold)}); a lab confirmation is still advisable.${missing}`;
  }
  return `Well away from the threshold (${pct(p.probability)} vs ${pct(p.threshold)}); the model is fairly sure, but it is a screening aid, not a lab test.${missing}`;
}

export interface WaterfallBar {
  readonly label: string;
  /** Where the bar starts and ends, in probability. */
  readonly from: number;
  readonly to: number;
  readonly kind: 'base' | 'up' | 'down' | 'total';
}

/**
 * Bars of a SHAP waterfall in probability space: the base probability, then the `top` largest
 * contributions (the rest pooled as "other measurements"), ending at the sample's probability.
 */
export function waterfall(p: Pick<Prediction, 'explanation' | 'probability'>, top = 9): WaterfallBar[] {
  const e = p.explanation;
  const sorted = [...e.contributions].sort((a, b) => Math.abs(b.probability) - Math.abs(a.probability));
  const shown = sorted.slice(0, top);
  const rest = sorted.slice(top).reduce((s, c) => s + c.probability, 0);
  const bars: WaterfallBar[] = [{ label: 'Typical sample', from: 0, to: e.baseProbability, kind: 'base' }];
  let at = e.baseProbability;
  const items = shown.map((c) => ({ label: c.feature, delta: c.probability }));
  if (sorted.length > top) items.push({ label: 'Other measurements', delta: rest });
  for (const it of items) {
    bars.push({ label: it.label, from: at, to: at + it.delta, kind: it.delta >= 0 ? 'up' : 'down' });
    at += it.delta;
  }
  bars.push({ label: 'This sample', from: 0, to: p.probability, kind: 'total' });
  return bars;
}
