/**
 * A pipeline is itself a `Classifier`: preprocessing steps fitted on the training rows only,
 * then the final model fitted on their output. Prediction runs the same fitted steps. An
 * explanation is computed by the inner model on transformed data and its contributions are
 * folded back onto the pipeline's input features through each step's `outputSources`, so a
 * missing-indicator column's share is credited to the feature it indicates — `base + Σφ`
 * still equals the output and φ has one entry per input feature.
 */
import { MlError, invalidArgument } from '../errors.js';
import { checkPredictInput, type Matrix } from '../matrix.js';
import type { Classifier, ExplainOptions, Explanation, FitOptions, ModelSpec, ModelState } from '../model.js';
import { SimpleImputer, simpleImputerSpec } from './imputer.js';
import { standardScalerSpec } from './scaler.js';
import { notFitted, type Transformer, type TransformerSpec, type TransformerState } from './transformer.js';

/** Kind and params of a step or model, as pipeline params carry them (plain JSON). */
export interface ComponentConfig {
  readonly kind: string;
  readonly params?: Readonly<Record<string, unknown>>;
}

export interface PipelineParams extends Record<string, unknown> {
  readonly steps: readonly ComponentConfig[];
  readonly model: ComponentConfig;
}

/** Transformers that ship with the engine. */
export const builtinTransformers: readonly TransformerSpec[] = [simpleImputerSpec, standardScalerSpec];

function formatError(field: string, expected: string, found: string): MlError {
  return new MlError('AQUAOPS_E_MODEL_FORMAT', {
    argument: `pipeline state.${field}`,
    expected,
    found,
    fix: 'The saved model is corrupt or was written by an incompatible version; retrain and save it again.',
  });
}

export class Pipeline implements Classifier {
  readonly kind = 'pipeline';
  readonly steps: readonly Transformer[];
  readonly model: Classifier;
  /** Present exactly when the inner model has a margin. */
  readonly predictMargin?: (X: Matrix) => Float64Array;
  private nIn = 0;

  constructor(steps: readonly Transformer[], model: Classifier) {
    this.steps = steps;
    this.model = model;
    if (model.predictMargin !== undefined) {
      this.predictMargin = (X: Matrix): Float64Array => {
        const inner = this.model.predictMargin;
        if (inner === undefined) throw new Error('unreachable: inner model lost predictMargin');
        return inner.call(this.model, this.transform(X));
      };
    }
  }

  get params(): PipelineParams {
    return {
      steps: this.steps.map((s) => ({ kind: s.kind, params: s.params })),
      model: { kind: this.model.kind, params: this.model.params },
    };
  }

  get nFeatures(): number {
    return this.nIn;
  }

  get handlesMissing(): boolean {
    return this.model.handlesMissing || this.steps.some((s) => s.removesMissing);
  }

  fit(X: Matrix, y: ArrayLike<number>, options: FitOptions = {}): this {
    if (X.nRows === 0 || X.nCols === 0) {
      throw new MlError('AQUAOPS_E_ML_EMPTY_DATA', {
        argument: 'X',
        expected: 'at least one row and one feature',
        found: `${X.nRows} rows x ${X.nCols} features`,
        fix: 'Pass training data with rows and features.',
      });
    }
    let Xt = X;
    for (const step of this.steps) Xt = step.fit(Xt).transform(Xt);
    this.nIn = X.nCols;
    const validation = options.validation;
    const inner: FitOptions =
      validation === undefined
        ? options
        : { ...options, validation: { X: this.transform(validation.X), y: validation.y } };
    this.model.fit(Xt, y, inner);
    return this;
  }

  /** Runs the fitted steps (what the inner model sees). */
  transform(X: Matrix): Matrix {
    if (this.nIn === 0) throw notFitted('pipeline');
    checkPredictInput(X, this.nIn, { allowMissing: true, model: 'pipeline' });
    let Xt = X;
    for (const step of this.steps) Xt = step.transform(Xt);
    return Xt;
  }

  predictProba(X: Matrix): Float64Array {
    return this.model.predictProba(this.transform(X));
  }

  /** For each column the inner model sees, the pipeline input feature it derives from. */
  outputSources(): Int32Array {
    if (this.nIn === 0) throw notFitted('pipeline');
    let sources = new Int32Array(this.nIn);
    for (let j = 0; j < this.nIn; j++) sources[j] = j;
    for (const step of this.steps) {
      const local = step.outputSources();
      sources = local.map((c) => sources[c] as number);
    }
    return sources;
  }

  explain(X: Matrix, options: ExplainOptions = {}): Explanation {
    const Xt = this.transform(X);
    const bg = options.background;
    const innerOptions: ExplainOptions = bg === undefined ? options : { ...options, background: this.transform(bg) };
    const e = this.model.explain(Xt, innerOptions);
    const sources = this.outputSources();
    if (e.nFeatures !== sources.length) {
      throw invalidArgument(
        'explanation',
        `${sources.length} contributions per row (one per transformed column)`,
        `${e.nFeatures}`,
        `The inner model "${this.model.kind}" returned an explanation of the wrong width; report this as a bug.`,
      );
    }
    const nF = this.nIn;
    const phi = new Float64Array(e.nRows * nF);
    for (let i = 0; i < e.nRows; i++) {
      const src = i * e.nFeatures;
      const dst = i * nF;
      for (let c = 0; c < e.nFeatures; c++) {
        const j = sources[c] as number;
        phi[dst + j] = (phi[dst + j] as number) + (e.phi[src + c] as number);
      }
    }
    return { space: e.space, method: e.method, base: e.base, phi, nRows: e.nRows, nFeatures: nF, output: e.output };
  }

  toState(): ModelState {
    if (this.nIn === 0) throw notFitted('pipeline');
    return {
      kind: this.kind,
      params: this.params,
      state: { nFeatures: this.nIn, steps: this.steps.map((s) => s.toState()), model: this.model.toState() },
    };
  }

  /** Restores the fitted input width (used by `pipelineSpec.fromState`). */
  static restore(steps: readonly Transformer[], model: Classifier, nFeatures: number): Pipeline {
    const p = new Pipeline(steps, model);
    p.nIn = nFeatures;
    return p;
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function findTransformer(transformers: readonly TransformerSpec[], kind: unknown, where: string): TransformerSpec {
  const spec = transformers.find((t) => t.kind === kind);
  if (spec === undefined) {
    throw invalidArgument(
      where,
      `a known transformer kind (${transformers.map((t) => t.kind).join(', ')})`,
      JSON.stringify(kind),
      'Use one of the listed kinds.',
    );
  }
  return spec;
}

/**
 * The `pipeline` model spec. Creating a pipeline builds its inner model by kind, which only a
 * catalogue can do, so the catalogue passes `createModel` in.
 */
export function createPipelineSpec(
  createModel: (kind: string, params?: Readonly<Record<string, unknown>>) => Classifier,
  transformers: readonly TransformerSpec[] = builtinTransformers,
): ModelSpec<PipelineParams> {
  return {
    kind: 'pipeline',
    label: 'Pipeline (preprocessing + model)',
    defaults: {
      steps: [{ kind: 'simple-imputer', params: { strategy: 'median' } }],
      model: { kind: 'logistic-regression' },
    },
    create(params?: Partial<PipelineParams>): Classifier {
      for (const key of Object.keys(params ?? {})) {
        if (key !== 'steps' && key !== 'model') {
          throw invalidArgument(`params.${key}`, 'one of steps, model', `unknown parameter "${key}"`, 'Remove it.');
        }
      }
      const steps = params?.steps ?? [];
      const model = params?.model;
      if (!Array.isArray(steps)) {
        throw invalidArgument(
          'params.steps',
          'an array of {kind, params}',
          typeof steps,
          'List the preprocessing steps.',
        );
      }
      if (!isRecord(model) || typeof model.kind !== 'string') {
        throw invalidArgument(
          'params.model',
          'an object {kind, params}',
          JSON.stringify(model),
          'Name the final model, e.g. {"kind": "gbm"}.',
        );
      }
      const built = steps.map((s: ComponentConfig, i: number) =>
        findTransformer(transformers, s?.kind, `params.steps[${i}].kind`).create(s.params ?? {}),
      );
      return new Pipeline(built, createModel(model.kind, model.params ?? {}));
    },
    fromState(state: ModelState, resolve: (inner: ModelState) => Classifier): Classifier {
      const s = state.state;
      if (!isRecord(s)) throw formatError('state', 'an object', typeof s);
      const nFeatures = s.nFeatures;
      if (typeof nFeatures !== 'number' || !Number.isInteger(nFeatures) || nFeatures < 1) {
        throw formatError('nFeatures', 'a positive integer', JSON.stringify(nFeatures));
      }
      if (!Array.isArray(s.steps)) throw formatError('steps', 'an array of step states', typeof s.steps);
      const steps = s.steps.map((st: unknown, i: number) => {
        if (!isRecord(st)) throw formatError(`steps[${i}]`, 'an object {kind, params, state}', typeof st);
        const spec = transformers.find((t) => t.kind === st.kind);
        if (spec === undefined) {
          throw formatError(
            `steps[${i}].kind`,
            `a known transformer kind (${transformers.map((t) => t.kind).join(', ')})`,
            JSON.stringify(st.kind),
          );
        }
        return spec.fromState(st as unknown as TransformerState);
      });
      if (!isRecord(s.model) || typeof s.model.kind !== 'string') {
        throw formatError('model', 'an object {kind, params, state}', JSON.stringify(s.model));
      }
      return Pipeline.restore(steps, resolve(s.model as unknown as ModelState), nFeatures);
    },
  };
}

/** Convenience: a median imputer (optionally with indicators) in front of `model`. */
export function imputedPipeline(model: Classifier, addIndicator = false): Pipeline {
  return new Pipeline([new SimpleImputer({ strategy: 'median', addIndicator })], model);
}
