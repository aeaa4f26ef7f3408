/**
 * A model bundle: everything a model version consists of — the model file, its signature,
 * reference profile, importance, evaluation report with SVG curves, model card — plus
 * `bundle.json` with the facts the registry indexes (kind, family, metrics, threshold, tags,
 * data version, held-out set hash, run id). A training run produces one in memory; the
 * pipeline's train stage writes it to a directory (atomically: a temporary sibling directory
 * renamed into place) and the register stage registers it from there.
 */
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { AquaopsError, type ModelSignature } from '@aquaops/contracts';
import { saveModel } from '@aquaops/ml';
import {
  type ArtifactStore,
  type JsonObject,
  ModelRegistry,
  type ModelVersion,
  type PromotionDecision,
  type PromotionPolicy,
  type RegistryStore,
} from '@aquaops/registry';
import { evaluationReport, modelCard, reportSvgs } from './report.js';
import type { TrainResult } from './train.js';

export interface BundleMeta {
  readonly format: 'aquaops-bundle';
  readonly version: 1;
  readonly model: string;
  readonly description: string;
  readonly runId: string | null;
  readonly kind: string;
  readonly family: string;
  readonly metrics: Readonly<Record<string, number>>;
  readonly threshold: number;
  readonly tags: Readonly<Record<string, string>>;
  readonly dataVersion: string | null;
  readonly testSetHash: string | null;
  readonly signature: ModelSignature;
}

export interface ModelBundle {
  readonly meta: BundleMeta;
  readonly files: Readonly<Record<string, { readonly data: Uint8Array; readonly contentType: string }>>;
}

export interface BundleContext {
  readonly modelName: string;
  readonly runId: string | null;
  readonly dataFile: string;
  readonly dataVersion: string;
  readonly testSetHash: string;
  readonly signature: ModelSignature;
  readonly synthetic: boolean;
  readonly featureNames: readonly string[];
}

const CONTENT_TYPES: Record<string, string> = {
  json: 'application/json',
  md: 'text/markdown',
  svg: 'image/svg+xml',
};

export function buildBundle(result: TrainResult, ctx: BundleContext): ModelBundle {
  const report = evaluationReport(result);
  const { signature } = ctx;
  const card = modelCard(result, {
    modelName: ctx.modelName,
    dataFile: basename(ctx.dataFile),
    dataVersion: ctx.dataVersion,
    schema: signature.schema,
    verdicts: signature.verdicts,
    ...(ctx.runId === null ? {} : { runId: ctx.runId }),
    synthetic: ctx.synthetic,
  });
  const modelText = saveModel(result.model, {
    name: ctx.modelName,
    runId: ctx.runId,
    dataVersion: ctx.dataVersion,
    threshold: result.threshold.threshold,
    featureNames: [...ctx.featureNames],
  });
  const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
  const json = (v: unknown): Uint8Array => enc(`${JSON.stringify(v, null, 2)}\n`);
  const files: Record<string, { data: Uint8Array; contentType: string }> = {
    'model.json': { data: enc(modelText), contentType: CONTENT_TYPES.json as string },
    'signature.json': { data: json(signature), contentType: CONTENT_TYPES.json as string },
    'profile.json': { data: json(result.profile), contentType: CONTENT_TYPES.json as string },
    'importance.json': {
      data: json({ space: result.importanceSpace, features: result.importance }),
      contentType: CONTENT_TYPES.json as string,
    },
    'evaluation.json': { data: json(report), contentType: CONTENT_TYPES.json as string },
    'model-card.md': { data: enc(card), contentType: CONTENT_TYPES.md as string },
  };
  for (const [name, svg] of Object.entries(reportSvgs(report, signature.verdicts))) {
    files[name] = { data: enc(svg), contentType: CONTENT_TYPES.svg as string };
  }
  const t = result.test.report;
  const metrics: Record<string, number> = {
    cv_mean: result.chosen.mean,
    cv_std: result.chosen.std,
    [`cv_${result.metric}`]: result.chosen.mean,
    test_accuracy: t.accuracy,
    test_balanced_accuracy: t.balancedAccuracy,
    test_f1: t.f1,
    test_precision: t.precision,
    test_recall: t.recall,
    test_log_loss: t.logLoss,
    test_brier: t.brier,
    test_ece: t.ece,
    test_rows: t.n,
  };
  if (t.rocAuc !== null) metrics.test_roc_auc = t.rocAuc;
  if (t.prAuc !== null) metrics.test_pr_auc = t.prAuc;
  for (const [k, ci] of Object.entries(result.test.ci)) {
    metrics[`test_${snake(k)}_ci_lower`] = ci.lower;
    metrics[`test_${snake(k)}_ci_upper`] = ci.upper;
  }
  return {
    meta: {
      format: 'aquaops-bundle',
      version: 1,
      model: ctx.modelName,
      description: `Potability classifier for schema ${signature.schema.name}`,
      runId: ctx.runId,
      kind: result.modelConfig.kind,
      family: result.chosen.family,
      metrics,
      threshold: result.threshold.threshold,
      tags: {
        schema: `${signature.schema.name}@${signature.schema.version}`,
        ...(ctx.synthetic ? { synthetic: 'true' } : {}),
      },
      dataVersion: ctx.dataVersion,
      testSetHash: ctx.testSetHash,
      signature,
    },
    files,
  };
}

function snake(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** Writes the bundle into `dir`, replacing a previous bundle only once the new one is complete. */
export async function writeBundle(bundle: ModelBundle, dir: string): Promise<void> {
  const tmp = join(dirname(dir), `.${basename(dir)}.tmp-${process.pid}-${Date.now()}`);
  await mkdir(tmp, { recursive: true });
  try {
    for (const [name, f] of Object.entries(bundle.files)) await writeFile(join(tmp, name), f.data);
    await writeFile(join(tmp, 'bundle.json'), `${JSON.stringify(bundle.meta, null, 2)}\n`);
    const old = `${tmp}.old`;
    let hadOld = false;
    try {
      await rename(dir, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    await rename(tmp, dir);
    if (hadOld) await rm(old, { recursive: true, force: true });
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    throw err;
  }
}

export async function readBundle(dir: string): Promise<ModelBundle> {
  let metaText: string;
  try {
    metaText = await readFile(join(dir, 'bundle.json'), 'utf8');
  } catch {
    throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `${dir} is not a model bundle (no bundle.json).`, {
      hint: 'Point at the directory written by `aquaops train --out DIR`.',
    });
  }
  const meta = JSON.parse(metaText) as BundleMeta;
  if (meta.format !== 'aquaops-bundle' || meta.version !== 1) {
    throw new AquaopsError('AQUAOPS_E_MODEL_FORMAT', `${dir}/bundle.json is not an aquaops bundle of version 1.`, {
      hint: 'Re-run `aquaops train --out DIR` with this version of aquaops.',
    });
  }
  const files: Record<string, { data: Uint8Array; contentType: string }> = {};
  for (const name of (await readdir(dir)).sort()) {
    if (name === 'bundle.json') continue;
    const ext = name.split('.').pop() ?? '';
    files[name] = {
      data: new Uint8Array(await readFile(join(dir, name))),
      contentType: CONTENT_TYPES[ext] ?? 'application/octet-stream',
    };
  }
  if (files['model.json'] === undefined) {
    throw new AquaopsError('AQUAOPS_E_NOT_FOUND', `${dir} has no model.json.`, {
      hint: 'The bundle is incomplete: re-run training.',
    });
  }
  return { meta, files };
}

export interface RegisterBundleResult {
  readonly version: ModelVersion;
  readonly promotion: PromotionDecision;
}

/** Registers a bundle as a new version and applies the promotion policy (champion only when better). */
export async function registerBundle(
  bundle: ModelBundle,
  store: RegistryStore,
  artifacts: ArtifactStore,
  policy: PromotionPolicy,
  actor: string,
  extraMetrics: Readonly<Record<string, number>> = {},
): Promise<RegisterBundleResult> {
  const registry = new ModelRegistry(store, artifacts);
  const m = bundle.meta;
  const version = await registry.register({
    model: m.model,
    description: m.description,
    runId: m.runId,
    kind: m.kind,
    family: m.family,
    metrics: { ...m.metrics, ...extraMetrics },
    threshold: m.threshold,
    tags: m.tags,
    dataVersion: m.dataVersion,
    testSetHash: m.testSetHash,
    signature: m.signature as unknown as JsonObject,
    artifacts: bundle.files,
    createdBy: actor,
  });
  const { decision } = await registry.autoPromote(m.model, version.version, policy, actor);
  return { version, promotion: decision };
}
