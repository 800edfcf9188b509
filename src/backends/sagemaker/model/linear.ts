/**
 * Linear and logistic regression from a small JSON file:
 * {"type": "linear" | "logistic", "weights": [w1, ...], "intercept": b}.
 * Teams export these from any toolkit with a few lines (coef_, intercept_).
 */
import { type FeatureRow, type LoadedModel, ModelFileError, ModelInputError } from './types.ts';

export function isLinearModel(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'weights' in json;
}

export function loadLinearModel(json: unknown, path: string): LoadedModel {
  const obj = json as { type?: unknown; weights?: unknown; intercept?: unknown };
  const type = obj.type ?? 'linear';
  if (type !== 'linear' && type !== 'logistic') {
    throw new ModelFileError(path, `"type" must be "linear" or "logistic", not ${JSON.stringify(type)}`);
  }
  const weights = obj.weights;
  if (!Array.isArray(weights) || weights.length === 0 || !weights.every(isFiniteNumber)) {
    throw new ModelFileError(path, '"weights" must be a non-empty array of finite numbers, one per feature');
  }
  const intercept = obj.intercept ?? 0;
  if (!isFiniteNumber(intercept)) throw new ModelFileError(path, '"intercept" must be a finite number');
  const logistic = type === 'logistic';
  return {
    description: `${type} regression`,
    featureCount: weights.length,
    predict(row: FeatureRow): readonly number[] {
      let sum = intercept;
      for (let i = 0; i < weights.length; i++) {
        const x = row[i];
        // Unlike trees, a linear model has no branch for a missing value; guessing 0 would hide bad input.
        if (x === undefined) throw new ModelInputError(`feature ${i + 1} is missing; a ${type} model needs every feature`);
        sum += (weights[i] as number) * x;
      }
      return [logistic ? 1 / (1 + Math.exp(-sum)) : sum];
    },
  };
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}
