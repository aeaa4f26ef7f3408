/**
 * The model families a training run compares, and how each is wrapped for honest evaluation:
 * tree ensembles take missing values natively; every other family sits behind a median imputer
 * (and a scaler where distances or margins depend on feature scale) inside one Pipeline, so
 * preprocessing is fitted on each fold's training rows only.
 */
import type { ComponentConfig, ModelCatalog, ParamRange } from '@aquaops/ml';
import { AquaopsError } from '@aquaops/contracts';

export interface Family {
  /** Family id = the model kind of the final estimator. */
  readonly id: string;
  readonly label: string;
  readonly preprocess: readonly ComponentConfig[];
  /**
   * Rank for the one-standard-error rule: lower = simpler, i.e. cheaper to serve and explained
   * exactly (linear SHAP, TreeSHAP) rather than by sampling (KernelSHAP for kNN, SVM, QDA, NB).
   */
  readonly simplicity: number;
}

const impute: ComponentConfig = { kind: 'simple-imputer', params: { strategy: 'median' } };
const scale: ComponentConfig = { kind: 'standard-scaler' };

/** Every family the engine ships, simplest first (see `simplicity`). */
export const ALL_FAMILIES: readonly Family[] = [
  { id: 'logistic-regression', label: 'Logistic regression', preprocess: [impute, scale], simplicity: 1 },
  { id: 'gbm', label: 'Histogram gradient boosting', preprocess: [], simplicity: 2 },
  { id: 'random-forest', label: 'Random forest', preprocess: [], simplicity: 3 },
  { id: 'extra-trees', label: 'Extra-trees', preprocess: [], simplicity: 4 },
  { id: 'gaussian-nb', label: 'Gaussian naive Bayes', preprocess: [impute], simplicity: 5 },
  { id: 'qda', label: 'Quadratic discriminant analysis', preprocess: [impute, scale], simplicity: 6 },
  { id: 'knn', label: 'k-nearest neighbours', preprocess: [impute, scale], simplicity: 7 },
  { id: 'svm', label: 'Support vector machine (RBF)', preprocess: [impute, scale], simplicity: 8 },
];

/** The families named (all when none), in catalogue-checked form. */
export function resolveFamilies(catalog: ModelCatalog, names?: readonly string[]): Family[] {
  const available = ALL_FAMILIES.filter((f) => catalog.has(f.id));
  if (names === undefined || names.length === 0) return available;
  return names.map((n) => {
    const f = available.find((x) => x.id === n);
    if (f === undefined) {
      throw new AquaopsError('AQUAOPS_E_USAGE', `Unknown model family "${n}".`, {
        hint: `Use one or more of: ${available.map((x) => x.id).join(', ')}.`,
      });
    }
    return f;
  });
}

/** The model config (pipeline-wrapped where needed) for a family and its estimator params. */
export function familyConfig(family: Family, params: Readonly<Record<string, unknown>>): ComponentConfig {
  const model: ComponentConfig = { kind: family.id, params };
  if (family.preprocess.length === 0) return model;
  return { kind: 'pipeline', params: { steps: family.preprocess, model } };
}

export function familySearchSpace(catalog: ModelCatalog, family: Family): Readonly<Record<string, ParamRange>> {
  return catalog.get(family.id).searchSpace ?? {};
}
