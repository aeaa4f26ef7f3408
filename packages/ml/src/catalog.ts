/**
 * The model catalogue: the one place that knows every model kind, so that a saved model (or a
 * training config naming a kind) can be turned into a live `Classifier`. Composite models —
 * pipelines, calibrated wrappers, ensembles — restore their inner models through the
 * catalogue's own `fromState`, which is passed to each spec as `resolve`. The core composite
 * kinds (`pipeline`, `calibrated`) are always present; the application builds its default
 * catalogue by listing the model families it ships.
 */
import { calibratedSpecFor } from './calibration.js';
import { MlError, invalidArgument } from './errors.js';
import type { Classifier, ModelSpec, ModelState } from './model.js';
import { builtinTransformers, createPipelineSpec } from './preprocess/pipeline.js';
import type { TransformerSpec } from './preprocess/transformer.js';

/** A spec of any parameter type (params are plain JSON objects at this boundary). */
export type AnyModelSpec = ModelSpec<object>;

export interface ModelCatalog {
  /** Registered kinds, sorted. */
  kinds(): string[];
  has(kind: string): boolean;
  /** The spec of `kind`; unknown kinds raise MlError listing the known ones. */
  get(kind: string): AnyModelSpec;
  /** A new unfitted model of `kind`. */
  create(kind: string, params?: Readonly<Record<string, unknown>>): Classifier;
  /** Restores a fitted model (and, recursively, its inner models) from `toState()` output. */
  fromState(state: ModelState): Classifier;
  /** Transformer kinds pipelines can use. */
  readonly transformers: readonly TransformerSpec[];
}

export interface CatalogOptions {
  /** Extra transformer kinds for pipelines (built-ins: simple-imputer, standard-scaler). */
  readonly transformers?: readonly TransformerSpec[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function createCatalog(specs: readonly AnyModelSpec[], options: CatalogOptions = {}): ModelCatalog {
  const byKind = new Map<string, AnyModelSpec>();
  for (const s of specs) {
    if (byKind.has(s.kind)) {
      throw invalidArgument(
        'specs',
        'one spec per model kind',
        `kind "${s.kind}" listed twice`,
        'Remove the duplicate from the catalogue.',
      );
    }
    byKind.set(s.kind, s);
  }
  const transformers = [...builtinTransformers];
  for (const t of options.transformers ?? []) {
    if (!transformers.some((b) => b.kind === t.kind)) transformers.push(t);
  }
  const known = (): string => [...byKind.keys()].sort().join(', ');

  const catalog: ModelCatalog = {
    transformers,
    kinds: () => [...byKind.keys()].sort(),
    has: (kind) => byKind.has(kind),
    get(kind) {
      const s = byKind.get(kind);
      if (s === undefined) {
        throw invalidArgument(
          'kind',
          `a known model kind (${known()})`,
          JSON.stringify(kind),
          'Use one of the listed kinds.',
        );
      }
      return s;
    },
    create(kind, params = {}) {
      return catalog.get(kind).create(params);
    },
    fromState(state) {
      if (!isRecord(state) || typeof state.kind !== 'string' || !isRecord(state.params)) {
        throw new MlError('AQUAOPS_E_MODEL_FORMAT', {
          argument: 'model',
          expected: 'a model state {kind: string, params: object, state}',
          found: isRecord(state) ? `keys ${Object.keys(state).join(', ')}` : typeof state,
          fix: 'Load a file written by saveModel, or pass the output of a fitted model’s toState().',
        });
      }
      const spec = byKind.get(state.kind);
      if (spec === undefined) {
        throw new MlError('AQUAOPS_E_MODEL_FORMAT', {
          argument: 'model.kind',
          expected: `a model kind this build knows (${known()})`,
          found: JSON.stringify(state.kind),
          fix: 'Load the model with a version of aquaops that includes this model family, or retrain it.',
        });
      }
      try {
        return spec.fromState(state, (inner) => catalog.fromState(inner));
      } catch (e) {
        if (e instanceof MlError) throw e;
        throw new MlError('AQUAOPS_E_MODEL_FORMAT', {
          argument: `model (kind ${state.kind})`,
          expected: 'a well-formed saved state',
          found: `a state that failed to restore (${e instanceof Error ? e.message : String(e)})`,
          fix: 'The saved model is corrupt or from an incompatible version; retrain and save it again.',
        });
      }
    },
  };
  const builtins: AnyModelSpec[] = [
    createPipelineSpec((kind, params) => catalog.create(kind, params), transformers),
    calibratedSpecFor((kind, params) => catalog.create(kind, params)),
  ];
  for (const b of builtins) if (!byKind.has(b.kind)) byKind.set(b.kind, b);
  return catalog;
}
