/**
 * The human-readable artifacts of a model version: the evaluation report (ROC, PR and
 * calibration curves and the confusion matrix, as JSON for the web app and as small
 * self-contained SVG files for anyone opening the registry's files), and the model card, which
 * states what the model is for and — as plainly — what it is not.
 */
import type { BinaryReport, BootstrapInterval, CalibrationBin, ConfusionMatrix, PrCurve, RocCurve } from '@aquaops/ml';
import type { TrainResult } from './train.js';

export interface EvaluationReport {
  readonly threshold: number;
  readonly test: BinaryReport;
  readonly ci: Readonly<Record<string, BootstrapInterval>>;
  readonly roc: { readonly fpr: number[]; readonly tpr: number[] };
  readonly pr: { readonly recall: number[]; readonly precision: number[] };
  readonly calibration: readonly CalibrationBin[];
  readonly confusion: ConfusionMatrix;
}

/** Keep at most `max` points of a curve (evenly spaced, ends kept) so reports stay small. */
function thin(xs: ArrayLike<number>, ys: ArrayLike<number>, max = 200): { x: number[]; y: number[] } {
  const n = xs.length;
  if (n <= max) return { x: Array.from(xs), y: Array.from(ys) };
  const x: number[] = [];
  const y: number[] = [];
  for (let k = 0; k < max; k++) {
    const i = Math.round((k * (n - 1)) / (max - 1));
    x.push(xs[i] as number);
    y.push(ys[i] as number);
  }
  return { x, y };
}

export function evaluationReport(r: TrainResult): EvaluationReport {
  const roc: RocCurve = r.test.curves.roc;
  const pr: PrCurve = r.test.curves.pr;
  const rocT = thin(roc.fpr, roc.tpr);
  const prT = thin(pr.recall, pr.precision);
  return {
    threshold: r.threshold.threshold,
    test: r.test.report,
    ci: r.test.ci,
    roc: { fpr: rocT.x, tpr: rocT.y },
    pr: { recall: prT.x, precision: prT.y },
    calibration: r.test.curves.calibration,
    confusion: r.test.report.confusion,
  };
}

const W = 360;
const H = 300;
const M = { l: 48, r: 12, t: 28, b: 40 };

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A line chart on the unit square (both axes 0–1), as a standalone SVG document. */
export function unitCurveSvg(
  title: string,
  xLabel: string,
  yLabel: string,
  x: readonly number[],
  y: readonly number[],
  diagonal: boolean,
): string {
  const pw = W - M.l - M.r;
  const ph = H - M.t - M.b;
  const px = (v: number): string => (M.l + v * pw).toFixed(1);
  const py = (v: number): string => (M.t + (1 - v) * ph).toFixed(1);
  const pts = x.map((v, i) => `${px(v)},${py(y[i] as number)}`).join(' ');
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map(
      (t) =>
        `<line x1="${px(t)}" y1="${py(0)}" x2="${px(t)}" y2="${py(1)}" stroke="#eee"/><line x1="${px(0)}" y1="${py(t)}" x2="${px(1)}" y2="${py(t)}" stroke="#eee"/>` +
        `<text x="${px(t)}" y="${H - M.b + 14}" font-size="10" text-anchor="middle">${t}</text><text x="${M.l - 6}" y="${py(t)}" font-size="10" text-anchor="end" dominant-baseline="middle">${t}</text>`,
    )
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" role="img" aria-label="${esc(title)}">`,
    `<title>${esc(title)}</title><rect width="${W}" height="${H}" fill="#fff"/>`,
    ticks,
    `<rect x="${M.l}" y="${M.t}" width="${pw}" height="${ph}" fill="none" stroke="#999"/>`,
    diagonal
      ? `<line x1="${px(0)}" y1="${py(0)}" x2="${px(1)}" y2="${py(1)}" stroke="#bbb" stroke-dasharray="4 3"/>`
      : '',
    `<polyline points="${pts}" fill="none" stroke="#1565c0" stroke-width="2"/>`,
    `<text x="${W / 2}" y="16" font-size="13" text-anchor="middle">${esc(title)}</text>`,
    `<text x="${M.l + pw / 2}" y="${H - 8}" font-size="11" text-anchor="middle">${esc(xLabel)}</text>`,
    `<text x="12" y="${M.t + ph / 2}" font-size="11" text-anchor="middle" transform="rotate(-90 12 ${M.t + ph / 2})">${esc(yLabel)}</text>`,
    '</svg>',
  ].join('');
}

export function confusionSvg(c: ConfusionMatrix, labels: { positive: string; negative: string }): string {
  const cells: [string, number, number, number][] = [
    [`true ${labels.negative}`, c.tn, 0, 0],
    [`false ${labels.positive}`, c.fp, 1, 0],
    [`false ${labels.negative}`, c.fn, 0, 1],
    [`true ${labels.positive}`, c.tp, 1, 1],
  ];
  const max = Math.max(c.tn, c.fp, c.fn, c.tp, 1);
  const size = 110;
  const x0 = 110;
  const y0 = 40;
  const rects = cells
    .map(([name, v, col, rowIdx]) => {
      const shade = Math.round(245 - (v / max) * 150);
      const x = x0 + col * size;
      const y = y0 + rowIdx * size;
      return `<rect x="${x}" y="${y}" width="${size}" height="${size}" fill="rgb(${shade},${shade},255)" stroke="#fff"/><text x="${x + size / 2}" y="${y + size / 2 - 6}" font-size="18" text-anchor="middle">${v}</text><text x="${x + size / 2}" y="${y + size / 2 + 14}" font-size="10" text-anchor="middle">${esc(name)}</text>`;
    })
    .join('');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 360 300" width="360" height="300" font-family="sans-serif" role="img" aria-label="Confusion matrix">`,
    '<title>Confusion matrix (held-out test rows)</title><rect width="360" height="300" fill="#fff"/>',
    '<text x="180" y="20" font-size="13" text-anchor="middle">Confusion matrix (held-out test rows)</text>',
    `<text x="${x0 + size}" y="${y0 + 2 * size + 20}" font-size="11" text-anchor="middle">predicted: ${esc(labels.negative)} | ${esc(labels.positive)}</text>`,
    `<text x="${x0 - 10}" y="${y0 + size / 2}" font-size="11" text-anchor="end">actual ${esc(labels.negative)}</text>`,
    `<text x="${x0 - 10}" y="${y0 + 1.5 * size}" font-size="11" text-anchor="end">actual ${esc(labels.positive)}</text>`,
    rects,
    '</svg>',
  ].join('');
}

export function reportSvgs(
  rep: EvaluationReport,
  labels: { positive: string; negative: string },
): Record<string, string> {
  const cal = rep.calibration.filter((b) => b.count > 0);
  return {
    'roc.svg': unitCurveSvg(
      `ROC (AUC ${(rep.test.rocAuc ?? Number.NaN).toFixed(3)})`,
      'false positive rate',
      'true positive rate',
      rep.roc.fpr,
      rep.roc.tpr,
      true,
    ),
    'pr.svg': unitCurveSvg(
      `Precision–recall (AP ${(rep.test.prAuc ?? Number.NaN).toFixed(3)})`,
      'recall',
      'precision',
      rep.pr.recall,
      rep.pr.precision,
      false,
    ),
    'calibration.svg': unitCurveSvg(
      'Calibration',
      'mean predicted probability',
      'observed frequency',
      cal.map((b) => b.meanPredicted),
      cal.map((b) => b.fractionPositive),
      true,
    ),
    'confusion.svg': confusionSvg(rep.confusion, labels),
  };
}

function fmtCi(ci: BootstrapInterval | undefined): string {
  if (ci === undefined) return 'n/a';
  return `${ci.estimate.toFixed(3)} (95% CI ${ci.lower.toFixed(3)}–${ci.upper.toFixed(3)})`;
}

export interface CardContext {
  readonly modelName: string;
  readonly version?: number;
  readonly dataFile: string;
  readonly dataVersion: string;
  readonly schema: { readonly name: string; readonly version: string };
  readonly verdicts: { readonly positive: string; readonly negative: string };
  readonly runId?: string;
  readonly synthetic: boolean;
}

export function modelCard(r: TrainResult, ctx: CardContext): string {
  const fam = r.chosen.family;
  const t = r.test.report;
  const lines = [
    `# Model card — ${ctx.modelName}${ctx.version === undefined ? '' : ` v${ctx.version}`}`,
    '',
    '## What it does',
    `Predicts whether a water sample is **${ctx.verdicts.positive}** (vs **${ctx.verdicts.negative}**) from laboratory measurements (schema \`${ctx.schema.name}\` ${ctx.schema.version}). Model family: **${fam}**, configuration \`${JSON.stringify(r.modelConfig)}\`.`,
    '',
    '## Data',
    `- Training data: \`${ctx.dataFile}\` (DVC md5 \`${ctx.dataVersion}\`)${ctx.synthetic ? ' — **synthetic** data generated from published per-class statistics, not real measurements' : ''}.`,
    `- ${r.split.trainRows.length} training rows, ${r.split.testRows.length} held-out test rows (stratified split, seed ${r.seed}).`,
    '',
    '## How it was chosen',
    `- ${r.trials.length} configurations over ${r.families.length} families, scored by ${r.folds}-fold cross-validation on the training rows only (metric: ${r.metric}).`,
    `- Rule: ${r.selection.rule}.`,
    `- Cross-validated ${r.metric}: ${r.chosen.mean.toFixed(3)} ± ${r.chosen.std.toFixed(3)} (std over folds).`,
    `- Calibration: ${r.calibration.reason}.`,
    `- Decision threshold ${r.threshold.threshold.toFixed(4)}, chosen on out-of-fold predictions (${r.threshold.criterion.kind}).`,
    '',
    '## Held-out performance (one evaluation, bootstrap 95% CIs)',
    `- ROC-AUC ${fmtCi(r.test.ci.rocAuc)}`,
    `- PR-AUC ${fmtCi(r.test.ci.prAuc)}`,
    `- Accuracy ${fmtCi(r.test.ci.accuracy)}; balanced accuracy ${fmtCi(r.test.ci.balancedAccuracy)}`,
    `- F1 ${fmtCi(r.test.ci.f1)}; precision ${t.precision.toFixed(3)}; recall ${t.recall.toFixed(3)}; specificity ${t.specificity.toFixed(3)}`,
    `- Log-loss ${fmtCi(r.test.ci.logLoss)}; Brier ${t.brier.toFixed(4)}; ECE ${t.ece.toFixed(4)}`,
    '',
    '## Most influential measurements (mean |SHAP|)',
    ...r.importance.slice(0, 10).map((i) => `- ${i.feature}: ${i.meanAbsPhi.toPrecision(3)}`),
    `(space: ${r.importanceSpace})`,
    '',
    '## Intended use',
    '- Screening support for laboratory staff: ranks samples by how likely they are to be potable and explains each verdict.',
    '- A second opinion next to the rule-based guideline flags (WHO / US EPA values), which are reported separately.',
    '',
    '## Limitations',
    '- The labels of the public water-potability dataset are not a regulatory determination of potability; the model learns those labels, not the law. Never use a verdict alone to declare water safe to drink.',
    '- On the public dataset, honest models reach only about 0.69–0.70 ROC-AUC: many verdicts are uncertain. Read the probability, not only the verdict.',
    '- Measurements outside the training distribution (see the reference profile) make predictions unreliable; monitoring flags such drift.',
    ctx.synthetic
      ? '- This version was trained on synthetic data: it demonstrates the pipeline and must not be used on real samples.'
      : '',
    '',
    `Run: ${ctx.runId ?? 'n/a'}.`,
  ];
  return `${lines.filter((l, i, a) => !(l === '' && a[i - 1] === '')).join('\n')}\n`;
}
