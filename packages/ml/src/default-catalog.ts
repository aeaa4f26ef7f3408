/**
 * The default model catalogue: every model family the engine ships, plus the composite kinds
 * (pipeline, calibrated, ensembles). Saved models are restored through it, and training picks
 * its candidate families from it.
 */
import { gaussianNbSpec } from './bayes/gaussian-nb.js';
import { qdaSpec } from './bayes/qda.js';
import { type AnyModelSpec, type ModelCatalog, createCatalog } from './catalog.js';
import { extraTreesSpec, randomForestSpec } from './forest/forest.js';
import { createStackingSpec, createVotingSpec } from './ensemble/ensemble.js';
import { gbmSpec } from './gbm/gbm.js';
import { knnSpec } from './knn/knn.js';
import { logisticRegressionSpec } from './linear/logistic.js';
import { svmSpec } from './svm/svm.js';

export const defaultModelSpecs: readonly AnyModelSpec[] = [
  gbmSpec,
  randomForestSpec,
  extraTreesSpec,
  logisticRegressionSpec,
  knnSpec,
  svmSpec,
  gaussianNbSpec,
  qdaSpec,
] as readonly AnyModelSpec[];

let cached: ModelCatalog | undefined;

/** The catalogue of all shipped model kinds, ensembles included (built once). */
export function defaultCatalog(): ModelCatalog {
  if (cached === undefined) {
    // Ensembles build their members by kind through the catalogue itself; the factory is only
    // called at create time, after `catalog` is assigned.
    const create = (kind: string, params?: Readonly<Record<string, unknown>>) => catalog.create(kind, params ?? {});
    const catalog: ModelCatalog = createCatalog([
      ...defaultModelSpecs,
      createVotingSpec(create) as AnyModelSpec,
      createStackingSpec(create) as AnyModelSpec,
    ]);
    cached = catalog;
  }
  return cached;
}
