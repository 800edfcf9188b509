/**
 * The request and response bodies of a model endpoint, as SageMaker's
 * built-in algorithms take them: text/csv rows of features in, one line per
 * row out (or {"predictions": [{"score": ...}]} for application/json).
 */
import { parseCsvRecords } from '../csv.ts';
import { type FeatureRow, ModelInputError } from './types.ts';

/**
 * The rows of a text/csv body. Without a feature count (a model whose input
 * shape leaves it open), every row must have as many features as the first.
 */
export function parseFeatureRows(body: string, featureCount: number | undefined): FeatureRow[] {
  const records = parseCsvRecords(body);
  const expected = featureCount ?? records[0]?.length ?? 0;
  return records.map((fields, r) => {
    if (fields.length !== expected) {
      const what = featureCount === undefined ? `row 1 has ${expected}` : `the model expects ${expected}`;
      throw new ModelInputError(`row ${r + 1} has ${fields.length} features; ${what}`);
    }
    return fields.map((field, f) => parseFeature(field, r, f));
  });
}

/** An empty field or NaN is a missing value, as XGBoost reads CSV. */
function parseFeature(field: string, row: number, feature: number): number | undefined {
  const text = field.trim();
  if (text === '' || /^nan$/i.test(text)) return undefined;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    throw new ModelInputError(`row ${row + 1}, feature ${feature + 1}: "${excerpt(text)}" is not a number`);
  }
  return value;
}

export type OutputFormat = 'csv' | 'json';

/** The response format for an Accept header, or undefined when the model cannot produce it. */
export function outputFormat(accept: string): OutputFormat | undefined {
  const type = (accept.split(';')[0] ?? '').trim().toLowerCase();
  if (type === '' || type === '*/*' || type === 'text/csv') return 'csv';
  if (type === 'application/json') return 'json';
  return undefined;
}

export function formatPredictions(predictions: readonly (readonly number[])[], format: OutputFormat): string {
  if (format === 'json') {
    return JSON.stringify({ predictions: predictions.map((p) => ({ score: p.length === 1 ? p[0] : p })) });
  }
  return predictions.map((p) => p.join(',')).join('\n');
}

function excerpt(text: string): string {
  return text.length > 40 ? `${text.slice(0, 40)}...` : text;
}
