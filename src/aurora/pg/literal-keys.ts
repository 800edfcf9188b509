/**
 * The calls of a sealed statement (see sealed-statement.ts) as the prefetch
 * query would list them, computed from their literals without asking the
 * database: each call's key text is what its stub's
 * `json_build_array(...)::text` gives for the same arguments, and its cache
 * key the md5 of the function name and that text.
 *
 * Deliberately narrow, because a key the database would compute otherwise
 * must never answer a call: only string literals for text and varchar
 * parameters, integer literals within int4 for int parameters, NULL for
 * either, omitted parameters whose default is NULL, and statement parameters
 * whose bound value is read with the same certainty (bound-params.ts). Anything else (a
 * cast, a float, a string for an int, a json parameter) gives null, and the
 * statement takes the prefetch query. Even a wrong key cannot answer wrongly:
 * the answer functions look the key up with the text the database computes,
 * and a lookup that finds nothing goes to the stub.
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '../../ml/calls.ts';
import type { ArgLiteral } from '../../sql/pg/ml-call-args.ts';
import type { PrefetchSite } from '../../sql/pg/prefetch-plan.ts';
import { parseSignature } from './answer-functions.ts';
import type { PrefetchedCall } from './prefetch.ts';
import type { StubSpec } from './stubs.ts';

export type Slot = 'text' | 'int';

/**
 * The value a statement parameter (`$n`, 1-based) gives a parameter of
 * `slot`, or undefined when the database might read it otherwise (see
 * bound-params.ts). Absent where a statement has no parameters (a simple
 * Query).
 */
export type ParamReader = (index: number, slot: Slot) => JsonValue | undefined;

/** The parameter types a literal can be read for, by the type names stub signatures use. */
const SLOTS: Readonly<Record<string, Slot>> = {
  varchar: 'text',
  text: 'text',
  'character varying': 'text',
  int: 'int',
  integer: 'int',
};

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/** A literal as the parameter of `slot` receives it, or undefined when the database might read it otherwise. */
function valueFor(slot: Slot, literal: ArgLiteral | undefined, params: ParamReader | undefined): JsonValue | undefined {
  if (literal === undefined) return undefined;
  if (literal.kind === 'null') return null;
  if (literal.kind === 'param') return params?.(literal.index, slot);
  if (slot === 'text') return literal.kind === 'string' ? literal.value : undefined;
  if (literal.kind !== 'number' || !/^[+-]?\d+$/.test(literal.text)) return undefined;
  const n = Number(literal.text);
  return n >= INT4_MIN && n <= INT4_MAX ? n : undefined;
}

/**
 * A string as PostgreSQL's JSON output writes it (escape_json): quotes,
 * backslashes and the control characters escaped, everything else as it is.
 */
export function pgJsonString(text: string): string {
  let out = '"';
  for (const ch of text) {
    const code = ch.charCodeAt(0);
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (code < 0x20) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** `json_build_array(values...)::text` as PostgreSQL writes it. */
export function pgJsonArray(values: readonly JsonValue[]): string {
  return `[${values.map((v) => (v === null ? 'null' : typeof v === 'string' ? pgJsonString(v) : String(v))).join(', ')}]`;
}

/** What the keys need of a stub, read from its declaration once (every statement on literals asks). */
interface KeyShape {
  readonly inputs: ReturnType<typeof parseSignature>['inputs'];
  /** The argument names its key is built from, in order, when it is a plain json_build_array of them. */
  readonly keyParameters: readonly string[] | null;
}

const SHAPES = new WeakMap<StubSpec, KeyShape>();

function keyShape(spec: StubSpec): KeyShape {
  let shape = SHAPES.get(spec);
  if (shape === undefined) {
    const m = /^json_build_array\(([a-z_, ]+)\)$/.exec(spec.argsJson);
    shape = {
      inputs: parseSignature(spec.signature).inputs,
      keyParameters: m === null ? null : (m[1] ?? '').split(',').map((p) => p.trim()),
    };
    SHAPES.set(spec, shape);
  }
  return shape;
}

/** One site's call, or null when its literals cannot be read here with certainty. */
function literalCall(site: PrefetchSite, spec: StubSpec, params: ParamReader | undefined): PrefetchedCall | null {
  const { inputs, keyParameters: names } = keyShape(spec);
  const args = site.call.args;
  if (args.length > inputs.length) return null;
  const byName = new Map<string, JsonValue>();
  for (const [i, param] of inputs.entries()) {
    const slot = SLOTS[param.type.toLowerCase()];
    if (slot === undefined) return null;
    const arg = args[i];
    if (arg === undefined) {
      // Omitted: only a NULL default is known here.
      if (param.default.trim().toUpperCase() !== 'DEFAULT NULL') return null;
      byName.set(param.name, null);
      continue;
    }
    if (arg.name !== undefined || arg.variadic) return null;
    const value = valueFor(slot, arg.literal, params);
    if (value === undefined) return null;
    byName.set(param.name, value);
  }
  if (names === null || names.some((n) => !byName.has(n))) return null;
  const values = names.map((n) => byName.get(n) ?? null);
  const keyText = pgJsonArray(values);
  const key = createHash('md5').update(`${site.call.fn}${keyText}`, 'utf8').digest('hex');
  return { fn: site.call.fn, key, keyText, call: { fn: site.call.fn, key, args: values } };
}

/**
 * Every site's call by cache key, or null when one of them cannot be read
 * from its literals (and its parameters' values, when `params` reads them).
 */
export function literalCalls(
  sites: readonly PrefetchSite[],
  specs: ReadonlyMap<string, StubSpec>,
  params?: ParamReader,
): Map<string, PrefetchedCall> | null {
  const calls = new Map<string, PrefetchedCall>();
  for (const site of sites) {
    const spec = specs.get(site.call.fn);
    const found = spec === undefined ? null : literalCall(site, spec, params);
    if (found === null) return null;
    calls.set(found.key, found);
  }
  return calls;
}
