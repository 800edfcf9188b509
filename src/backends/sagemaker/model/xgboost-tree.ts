/**
 * One regression tree of an XGBoost JSON model (`Booster.save_model('m.json')`),
 * stored as XGBoost stores it: parallel arrays indexed by node id, where a
 * node whose left child is -1 is a leaf whose value sits in split_conditions.
 */
import { type FeatureRow, ModelFileError } from './types.ts';

export interface Tree {
  readonly left: Int32Array;
  readonly right: Int32Array;
  readonly feature: Int32Array;
  /** Split thresholds and leaf values, as float32 like XGBoost keeps them. */
  readonly condition: Float32Array;
  readonly defaultLeft: Uint8Array;
}

/** Follows one row from the root to its leaf. */
export function leafValue(tree: Tree, row: FeatureRow): number {
  let node = 0;
  for (;;) {
    const left = tree.left[node] as number;
    if (left === -1) return tree.condition[node] as number;
    const x = row[tree.feature[node] as number];
    // XGBoost compares float32 values: go left when value < threshold, or when missing and the default is left.
    if (x === undefined || Number.isNaN(x)) node = tree.defaultLeft[node] === 1 ? left : (tree.right[node] as number);
    else node = Math.fround(x) < (tree.condition[node] as number) ? left : (tree.right[node] as number);
  }
}

/** Reads and checks one element of `trees`; `path` and `at` only name the place in messages. */
export function parseTree(json: unknown, featureCount: number, path: string, at: string): Tree {
  if (typeof json !== 'object' || json === null) throw new ModelFileError(path, `${at} is not an object`);
  const raw = json as Record<string, unknown>;
  const left = intArray(raw.left_children, path, `${at}.left_children`);
  const n = left.length;
  if (n === 0) throw new ModelFileError(path, `${at} has no nodes`);
  const right = intArray(raw.right_children, path, `${at}.right_children`, n);
  const feature = intArray(raw.split_indices, path, `${at}.split_indices`, n);
  const condition = Float32Array.from(numberArray(raw.split_conditions, path, `${at}.split_conditions`, n));
  const defaultLeft = Uint8Array.from(intArray(raw.default_left, path, `${at}.default_left`, n));
  if (raw.split_type !== undefined) {
    const types = intArray(raw.split_type, path, `${at}.split_type`, n);
    if (types.some((t) => t !== 0)) throw new ModelFileError(path, `${at} has categorical splits, which are not supported`);
  }
  const tree: Tree = { left, right, feature, condition, defaultLeft };
  checkShape(tree, featureCount, path, at);
  return tree;
}

/** Every reachable split names a known feature and two in-range children, and no node is reached twice (no cycles). */
function checkShape(tree: Tree, featureCount: number, path: string, at: string): void {
  const n = tree.left.length;
  const seen = new Uint8Array(n);
  const stack = [0];
  while (stack.length > 0) {
    const node = stack.pop() as number;
    if (seen[node] === 1) throw new ModelFileError(path, `${at}: node ${node} is reached twice`);
    seen[node] = 1;
    const left = tree.left[node] as number;
    if (left === -1) continue;
    const right = tree.right[node] as number;
    for (const child of [left, right]) {
      if (child < 0 || child >= n) throw new ModelFileError(path, `${at}: node ${node} has child ${child} outside 0..${n - 1}`);
      stack.push(child);
    }
    const f = tree.feature[node] as number;
    if (f < 0 || f >= featureCount) {
      throw new ModelFileError(path, `${at}: node ${node} splits on feature ${f}, but the model has ${featureCount} features`);
    }
  }
}

function numberArray(value: unknown, path: string, at: string, length?: number): number[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'number' && Number.isFinite(v))) {
    throw new ModelFileError(path, `${at} must be an array of numbers`);
  }
  if (length !== undefined && value.length !== length) {
    throw new ModelFileError(path, `${at} has ${value.length} entries; left_children has ${length}`);
  }
  return value as number[];
}

function intArray(value: unknown, path: string, at: string, length?: number): Int32Array {
  const numbers = numberArray(value, path, at, length);
  if (!numbers.every(Number.isInteger)) throw new ModelFileError(path, `${at} must hold integers`);
  return Int32Array.from(numbers);
}
