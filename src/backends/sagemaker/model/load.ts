/** Reads a model file and picks its format: ONNX by its .onnx name, JSON formats by their content. */
import { readFileSync } from 'node:fs';
import { isLinearModel, loadLinearModel } from './linear.ts';
import { OnnxModel } from './onnx.ts';
import { parseFeatureRows } from './rows.ts';
import { type LoadedModel, ModelFileError, type ModelScorer } from './types.ts';
import { isXgboostModel, loadXgboostModel } from './xgboost.ts';

/** The model a backend serves; an ONNX file is only read here, its session opens on first use. */
export function openModelFile(path: string): ModelScorer {
  if (path.toLowerCase().endsWith('.onnx')) return new OnnxModel(path, readModelFile(path));
  return rowScorer(loadModelFile(path));
}

export function loadModelFile(path: string): LoadedModel {
  return parseModel(readModelFile(path).toString('utf8'), path);
}

export function parseModel(text: string, path: string): LoadedModel {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new ModelFileError(path, `is not valid JSON: ${(err as Error).message}`);
  }
  if (isXgboostModel(json)) return loadXgboostModel(json, path);
  if (isLinearModel(json)) return loadLinearModel(json, path);
  throw new ModelFileError(
    path,
    'is neither an XGBoost JSON model (a "learner" object) nor a linear model ({"type": "linear"|"logistic", "weights": [...], "intercept": n})',
  );
}

/** A row-by-row model as a scorer: every row checked for its length, then predicted. */
export function rowScorer(model: LoadedModel): ModelScorer {
  return {
    description: model.description,
    score: async (csv) => parseFeatureRows(csv, model.featureCount).map((row) => model.predict(row)),
  };
}

function readModelFile(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ModelFileError(path, `cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
}
