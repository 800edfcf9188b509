/**
 * XGBoost's JSON model format (`Booster.save_model('model.json')`, XGBoost
 * 1.0 and later): gbtree and dart boosters, evaluated as XGBoost predicts:
 * the margin is the base score (in margin space) plus the leaf of every tree,
 * then the objective's transform (sigmoid, exp, softmax...) is applied.
 */

import { type FeatureRow, type LoadedModel, ModelFileError } from './types.ts';
import { leafValue, parseTree, type Tree } from './xgboost-tree.ts';

type Transform = 'identity' | 'sigmoid' | 'exp' | 'hinge' | 'softprob' | 'softmax';

/** How each objective turns base_score into a margin and a margin into a prediction. */
const OBJECTIVES: Readonly<Record<string, Transform>> = {
  'reg:squarederror': 'identity',
  'reg:linear': 'identity',
  'reg:squaredlogerror': 'identity',
  'reg:pseudohubererror': 'identity',
  'reg:absoluteerror': 'identity',
  'reg:quantileerror': 'identity',
  'binary:logitraw': 'identity',
  'binary:logistic': 'sigmoid',
  'reg:logistic': 'sigmoid',
  'count:poisson': 'exp',
  'reg:gamma': 'exp',
  'reg:tweedie': 'exp',
  'binary:hinge': 'hinge',
  'multi:softprob': 'softprob',
  'multi:softmax': 'softmax',
};

export function isXgboostModel(json: unknown): boolean {
  return typeof json === 'object' && json !== null && 'learner' in json;
}

export function loadXgboostModel(json: unknown, path: string): LoadedModel {
  const learner = field(json, 'learner', path, 'learner');
  const params = field(learner, 'learner_model_param', path, 'learner.learner_model_param');
  const featureCount = positiveInt(params.num_feature, path, 'learner.learner_model_param.num_feature');
  const classes = Math.max(1, optionalInt(params.num_class, path, 'learner.learner_model_param.num_class'));
  const objective = String(field(learner, 'objective', path, 'learner.objective').name ?? '');
  const transform = OBJECTIVES[objective];
  if (!transform) {
    throw new ModelFileError(
      path,
      `objective "${objective}" is not supported (supported: ${Object.keys(OBJECTIVES).join(', ')})`,
    );
  }
  if (classes > 1 !== (transform === 'softprob' || transform === 'softmax')) {
    throw new ModelFileError(path, `objective ${objective} does not match num_class ${classes}`);
  }
  const baseMargin = toMargin(baseScore(params.base_score, path), transform, path);
  const { trees, group, weights } = readBooster(
    field(learner, 'gradient_booster', path, 'learner.gradient_booster'),
    featureCount,
    classes,
    path,
  );

  return {
    description: `xgboost ${objective}`,
    featureCount,
    predict(row: FeatureRow): readonly number[] {
      const margins = new Array<number>(classes).fill(baseMargin);
      for (let t = 0; t < trees.length; t++) {
        const g = group[t] as number;
        margins[g] = (margins[g] as number) + (weights[t] as number) * leafValue(trees[t] as Tree, row);
      }
      return applyTransform(margins, transform);
    },
  };
}

interface Booster {
  readonly trees: readonly Tree[];
  /** The output (class) each tree adds to. */
  readonly group: readonly number[];
  /** 1 for gbtree; dart's weight_drop. */
  readonly weights: readonly number[];
}

function readBooster(booster: Record<string, unknown>, featureCount: number, classes: number, path: string): Booster {
  const name = booster.name;
  let model: Record<string, unknown>;
  let weights: readonly number[] | undefined;
  if (name === 'gbtree') {
    model = field(booster, 'model', path, 'learner.gradient_booster.model');
  } else if (name === 'dart') {
    model = field(
      field(booster, 'gbtree', path, 'learner.gradient_booster.gbtree'),
      'model',
      path,
      'learner.gradient_booster.gbtree.model',
    );
    const drop = booster.weight_drop;
    if (!Array.isArray(drop) || !drop.every((w) => typeof w === 'number')) {
      throw new ModelFileError(path, 'learner.gradient_booster.weight_drop must be an array of numbers');
    }
    weights = drop as number[];
  } else {
    throw new ModelFileError(path, `booster "${String(name)}" is not supported (gbtree and dart are)`);
  }
  const rawTrees = model.trees;
  if (!Array.isArray(rawTrees)) throw new ModelFileError(path, 'the booster has no "trees" array');
  const trees = rawTrees.map((t, i) => parseTree(t, featureCount, path, `trees[${i}]`));
  const info = model.tree_info ?? new Array<number>(trees.length).fill(0);
  if (!Array.isArray(info) || info.length !== trees.length || !info.every((g) => Number.isInteger(g) && g >= 0 && g < classes)) {
    throw new ModelFileError(
      path,
      `tree_info must give each of the ${trees.length} trees an output between 0 and ${classes - 1}`,
    );
  }
  weights ??= new Array<number>(trees.length).fill(1);
  if (weights.length !== trees.length) {
    throw new ModelFileError(path, `weight_drop has ${weights.length} entries for ${trees.length} trees`);
  }
  return { trees, group: info as number[], weights };
}

/** base_score is a string ("5E-1"); XGBoost 3 writes a vector ("[5E-1]"). */
function baseScore(value: unknown, path: string): number {
  const text =
    String(value ?? '0.5')
      .replace(/^\[|\]$/g, '')
      .split(',')[0] ?? '';
  const score = Number(text);
  if (text.trim() === '' || !Number.isFinite(score)) {
    throw new ModelFileError(path, `base_score "${String(value)}" is not a number`);
  }
  return score;
}

/** XGBoost keeps base_score as a prediction and converts it to a margin with the objective's inverse link. */
function toMargin(score: number, transform: Transform, path: string): number {
  switch (transform) {
    case 'sigmoid':
      if (score <= 0 || score >= 1) throw new ModelFileError(path, `base_score ${score} must lie strictly between 0 and 1`);
      return Math.log(score / (1 - score));
    case 'exp':
      if (score <= 0) throw new ModelFileError(path, `base_score ${score} must be positive`);
      return Math.log(score);
    default:
      return score;
  }
}

function applyTransform(margins: number[], transform: Transform): number[] {
  switch (transform) {
    case 'identity':
      return margins;
    case 'sigmoid':
      return margins.map((m) => 1 / (1 + Math.exp(-m)));
    case 'exp':
      return margins.map(Math.exp);
    case 'hinge':
      return margins.map((m) => (m > 0 ? 1 : 0));
    case 'softprob': {
      const max = Math.max(...margins);
      const exps = margins.map((m) => Math.exp(m - max));
      const total = exps.reduce((a, b) => a + b, 0);
      return exps.map((e) => e / total);
    }
    case 'softmax':
      return [margins.indexOf(Math.max(...margins))];
  }
}

function field(obj: unknown, key: string, path: string, at: string): Record<string, unknown> {
  const value = typeof obj === 'object' && obj !== null ? (obj as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ModelFileError(path, `${at} is missing; is this a file written by XGBoost's save_model with a .json name?`);
  }
  return value as Record<string, unknown>;
}

/** XGBoost writes its integer parameters as strings ("3"). */
function optionalInt(value: unknown, path: string, at: string): number {
  if (value === undefined) return 0;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new ModelFileError(path, `${at} "${String(value)}" is not a non-negative integer`);
  return n;
}

function positiveInt(value: unknown, path: string, at: string): number {
  const n = optionalInt(value ?? 'missing', path, at);
  if (n === 0) throw new ModelFileError(path, `${at} must be at least 1`);
  return n;
}
