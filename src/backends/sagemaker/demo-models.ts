/**
 * The built-in demo models: pure, deterministic functions of one row's fields,
 * so `aws_sagemaker.invoke_endpoint('demo-...', ...)` works with no setup and
 * always returns the same value for the same input.
 */
import { unitHash } from '../support/fnv.ts';

export type BuiltinModel = 'echo' | 'score' | 'fraud';

export const BUILTIN_MODELS: readonly BuiltinModel[] = ['echo', 'score', 'fraud'];

/** Raised for a row the model cannot read; answered like a container's HTTP 400. */
export class DemoInputError extends Error {
  override name = 'DemoInputError';
}

export type DemoModelFn = (fields: readonly string[]) => string | number;

export const demoModels: Record<BuiltinModel, DemoModelFn> = {
  echo: echoModel,
  score: scoreModel,
  fraud: fraudModel,
};

/** echo: the row's fields joined with one space, so every argument stays visible in one output field. */
export function echoModel(fields: readonly string[]): string {
  return fields.join(' ');
}

/**
 * score: logistic(z) with z = 4·(u − 0.5) + 0.1·Σx, where x are the fields
 * that parse as finite numbers and u in [0, 1) is the FNV-1a hash of the
 * other fields. In [0, 1], rounded to 6 decimals, rising with every number.
 */
export function scoreModel(fields: readonly string[]): number {
  let sum = 0;
  const text: string[] = [];
  for (const field of fields) {
    const x = toNumber(field);
    if (x === undefined) text.push(field);
    else sum += x;
  }
  return round6(logistic(4 * (unitHash(text.join('\u001f')) - 0.5) + 0.1 * sum));
}

const RISKY = /casino|crypto|offshore|unknown|gift ?card|wire transfer/i;

/**
 * fraud: a fraud probability from amount, merchant and location, read from
 * the seed's JSON payload {"amount":..,"merchant":..,"location":..} (one
 * field) or from CSV fields in that order. logistic(z) rounded to 6 decimals:
 * z = −5 + 0.9·ln(1 + max(amount, 0)/50) + 2·(u_merchant − 0.5)
 *       + 2·(u_location − 0.5) + (2 if merchant or location looks risky)
 * where u_* in [0, 1) are FNV-1a hashes of the lower-cased, trimmed text and
 * "risky" means it mentions casino, crypto, offshore, unknown, gift card or
 * wire transfer. Larger amounts always score higher.
 */
export function fraudModel(fields: readonly string[]): number {
  const { amount, merchant, location } = fraudInput(fields);
  const m = merchant.trim().toLowerCase();
  const l = location.trim().toLowerCase();
  const z =
    -5 +
    0.9 * Math.log1p(Math.max(amount, 0) / 50) +
    2 * (unitHash(m, 1) - 0.5) +
    2 * (unitHash(l, 2) - 0.5) +
    (RISKY.test(m) || RISKY.test(l) ? 2 : 0);
  return round6(logistic(z));
}

function fraudInput(fields: readonly string[]): { amount: number; merchant: string; location: string } {
  const first = fields[0] ?? '';
  if (fields.length === 1 && first.trimStart().startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(first);
    } catch {
      throw new DemoInputError(`fraud model: invalid JSON payload: ${first.slice(0, 100)}`);
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new DemoInputError('fraud model: the JSON payload must be an object with amount, merchant and location');
    }
    const record = parsed as Record<string, unknown>;
    return {
      amount: toNumber(String(record.amount ?? '')) ?? 0,
      merchant: String(record.merchant ?? ''),
      location: String(record.location ?? ''),
    };
  }
  return { amount: toNumber(first) ?? 0, merchant: fields[1] ?? '', location: fields[2] ?? '' };
}

function toNumber(field: string): number | undefined {
  if (field.trim() === '') return undefined;
  const x = Number(field);
  return Number.isFinite(x) ? x : undefined;
}

function logistic(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
