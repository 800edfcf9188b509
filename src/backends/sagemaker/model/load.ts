/** Reads a model file and picks its format from its content. */
import { readFileSync } from 'node:fs';
import { isLinearModel, loadLinearModel } from './linear.ts';
import { type LoadedModel, ModelFileError } from './types.ts';
import { isXgboostModel, loadXgboostModel } from './xgboost.ts';

export function loadModelFile(path: string): LoadedModel {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ModelFileError(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseModel(text, path);
}

export function parseModel(text: string, path: string): LoadedModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    const hint = path.endsWith('.onnx') ? ' (ONNX models are not supported yet)' : '';
    throw new ModelFileError(path, `is not valid JSON: ${(err as Error).message}${hint}`);
  }
  if (isXgboostModel(json)) return loadXgboostModel(json, path);
  if (isLinearModel(json)) return loadLinearModel(json, path);
  throw new ModelFileError(
    path,
    'is neither an XGBoost JSON model (a "learner" object) nor a linear model ({"type": "linear"|"logistic", "weights": [...], "intercept": n})',
  );
}
