/**
 * Answers an ML statement's calls before it runs, where the statement's
 * shape allows (see ../../sql/pg/prefetch-plan.ts): a prefetch query lists
 * the distinct calls, the emulator evaluates them, and the statement runs
 * once with the answers written into its text, its calls renamed to the
 * answer functions (./answer-functions.ts). Instead of a run of the whole
 * statement with a stub per row, rolled back, and a second run with another,
 * there is one cheap query and one run with an inlined lookup per row.
 *
 * Nothing here decides a result: an answer function without an answer calls
 * the stub, so a call the prefetch did not find goes through the usual loop.
 */
import type { MlCall, MlFunction, MlResults } from '../../ml/calls.ts';
import { type PrefetchPlan, type PrefetchSite, planPrefetch } from '../../sql/pg/prefetch-plan.ts';
import {
  answerable,
  answerFields,
  answerFunctionName,
  argsFunctionName,
  cachedFieldFunctionName,
  cachedFunctionName,
  fieldFunctionName,
} from './answer-functions.ts';
import { literalCalls, type ParamReader } from './literal-keys.ts';
import { runsOnlyItsCalls } from './sealed-statement.ts';
import { type StubSpec, stubsFor } from './stubs.ts';

/** Above this, the answers stay in the cache table only: the statement would be too large to parse quickly. */
const INLINE_LIMIT_BYTES = 8 * 1024 * 1024;
const TAG = '$aurora_ml_answers$';

export interface Prefetch {
  readonly plan: PrefetchPlan;
  /** Rows of (function, key text, cache key, calls), one per distinct call. */
  readonly query: string;
  /** A boolean SQL expression: the session may call the sites' functions, and their answer functions exist. */
  readonly allowed: string;
  readonly functions: ReadonlySet<string>;
  readonly statement: string;
  /** The statement runs nothing but its planned calls on literals (see sealed-statement.ts). */
  readonly sealed: boolean;
  /** A sealed statement's calls, read from its literals (see literal-keys.ts), or null. */
  readonly literalCalls: ReadonlyMap<string, PrefetchedCall> | null;
  /**
   * A sealed statement's calls, read from its literals and the values bound
   * to its parameters (extended protocol), or null when they cannot be.
   */
  callsWith(params: ParamReader): ReadonlyMap<string, PrefetchedCall> | null;
}

/** One call the prefetch found: its cache key's call, and the key text the answer functions look up. */
export interface PrefetchedCall {
  readonly fn: MlFunction;
  /** The cache key. */
  readonly key: string;
  /** The arguments as the stub's JSON array text. */
  readonly keyText: string;
  /** The call, with its arguments read from keyText. */
  readonly call: MlCall;
}

/**
 * A prefetch row's call, its arguments parsed only when asked for: most
 * calls of a large prefetch go to the spool as their key text and are
 * parsed once, when read back.
 */
class FoundCall implements PrefetchedCall {
  private parsed: MlCall | undefined;

  constructor(
    readonly fn: MlFunction,
    readonly key: string,
    readonly keyText: string,
  ) {}

  get call(): MlCall {
    this.parsed ??= { fn: this.fn, key: this.key, args: JSON.parse(this.keyText) };
    return this.parsed;
  }
}

export function preparePrefetch(sql: string, version: '1.0' | '2.0'): Prefetch | null {
  const specs = specsOf(version);
  const plan = planPrefetch(sql, (fn) => specs.has(fn));
  if (plan === null) return null;
  const keys = plan.sites.map((s) => `${argsFunctionName(s.call.fn)}(${argsText(sql, s)})`);
  const names = plan.sites.map((s) => `'${s.call.fn}'`);
  const inner =
    plan.sites.length === 1
      ? `SELECT ${names[0]}::pg_catalog.text AS f, ${keys[0]} AS a ${plan.source}`
      : `SELECT pg_catalog.unnest(ARRAY[${names.join(', ')}]::pg_catalog.text[]) AS f, pg_catalog.unnest(ARRAY[${keys.join(', ')}]) AS a ${plan.source}`;
  const functions = new Set(plan.sites.map((s) => s.call.fn));
  const sealed = runsOnlyItsCalls(sql, plan, (fn, name) => {
    const spec = specs.get(fn);
    return spec !== undefined && answerFields(spec).includes(name);
  });
  return {
    plan,
    statement: sql,
    functions,
    query: `SELECT p.f, p.a, pg_catalog.md5(p.f OPERATOR(pg_catalog.||) p.a), pg_catalog.count(*) FROM (${inner}) p GROUP BY p.f, p.a`,
    allowed: allowedSql(plan, specs),
    sealed,
    literalCalls: sealed ? literalCalls(plan.sites, specs) : null,
    callsWith: (params) => (sealed ? literalCalls(plan.sites, specs, params) : null),
  };
}

/** The answerable stubs by name, per extension version: built once, read by every ML statement. */
const SPECS = new Map<'1.0' | '2.0', ReadonlyMap<string, StubSpec>>();

function specsOf(version: '1.0' | '2.0'): ReadonlyMap<string, StubSpec> {
  let specs = SPECS.get(version);
  if (specs === undefined) {
    specs = new Map(answerable(stubsFor(version)).map((s) => [s.fn, s]));
    SPECS.set(version, specs);
  }
  return specs;
}

function argsText(sql: string, site: PrefetchSite): string {
  return sql.slice(site.call.open + 1, site.call.close);
}

const literal = (s: string) => `'${s.replaceAll("'", "''")}'`;

const split = (qualified: string) =>
  [qualified.slice(0, qualified.indexOf('.')), qualified.slice(qualified.indexOf('.') + 1)] as const;

/** `schema.name` as to_regproc finds it: the function when exactly one has that name, else NULL. */
function regproc(qualified: string): string {
  const [schema, name] = split(qualified);
  return `pg_catalog.to_regproc(${literal(`"${schema}"."${name}"`)})`;
}

/**
 * Each function once (no overload anyone added), callable by this session, and every answer function there.
 * to_regproc finds a qualified name only when exactly one function has it: no catalog scan to plan, which
 * matters as this is planned for every ML statement.
 */
function allowedSql(plan: PrefetchPlan, specs: ReadonlyMap<string, StubSpec>): string {
  const fns = [...new Set(plan.sites.map((s) => s.call.fn))];
  // The same few sets of functions come back statement after statement: each is built once.
  let built = ALLOWED.get(specs);
  if (built === undefined) {
    built = new Map();
    ALLOWED.set(specs, built);
  }
  const key = fns.join(',');
  let sql = built.get(key);
  if (sql === undefined) {
    sql = buildAllowedSql(fns, specs);
    if (built.size < ALLOWED_KEPT) built.set(key, sql);
  }
  return sql;
}

/** allowedSql's expressions by function list, per version's specs (bounded: a user could name many sets). */
const ALLOWED = new WeakMap<ReadonlyMap<string, StubSpec>, Map<string, string>>();
const ALLOWED_KEPT = 256;

function buildAllowedSql(fns: readonly MlFunction[], specs: ReadonlyMap<string, StubSpec>): string {
  const own = new Set<string>();
  for (const fn of fns) {
    own.add(argsFunctionName(fn));
    own.add(answerFunctionName(fn));
    for (const field of answerFields(specs.get(fn) as StubSpec)) own.add(fieldFunctionName(field));
  }
  const callable = fns.map((fn) => {
    const [schema] = split(fn);
    return `pg_catalog.has_schema_privilege(pg_catalog.to_regnamespace(${literal(`"${schema}"`)}), 'USAGE')
    AND pg_catalog.has_function_privilege(${regproc(fn)}, 'EXECUTE')`;
  });
  return `(${[...callable, ...[...own].map((q) => `${regproc(q)} IS NOT NULL`)].join('\n    AND ')})`;
}

/**
 * A boolean SQL expression: every cache-reading function the sites would be
 * renamed to exists (an install older than them may lack them). Only the
 * loop reads it: a call on literals always has its answers written in.
 */
export function cachedAllowedSql(prefetch: Prefetch): string {
  const names = new Set<string>();
  for (const site of prefetch.plan.sites) {
    const name = cachedName(site, ALL_SPECS.get(site.call.fn));
    if (name !== null) names.add(name);
  }
  if (names.size === 0) return 'false';
  return `(${[...names].map((q) => `${regproc(q)} IS NOT NULL`).join(' AND ')})`;
}

/** A row of the prefetch query as a call, or null when it names a function the plan has no site of. */
export function prefetchedCall(prefetch: Prefetch, values: readonly (string | null)[]): PrefetchedCall | null {
  const [fn, keyText, key] = values;
  if (fn == null || keyText == null || key == null || !prefetch.functions.has(fn)) return null;
  return new FoundCall(fn as MlFunction, key, keyText);
}

/**
 * The statement with its planned calls renamed to the answer functions and
 * the answers written in, or null when they cannot be written in (too many,
 * or characters the statement's encoding or the server could not take): then
 * the statement runs as written, its stubs answering from the cache table.
 * The JSON is built a slice of answers at a time, so that a large answer set
 * does not hold up the other connections.
 */
export async function answeredStatement(
  prefetch: Prefetch,
  found: ReadonlyMap<string, PrefetchedCall>,
  results: MlResults,
  serverUtf8: boolean,
): Promise<string | null> {
  const byFunction = new Map<string, Array<[string, string]>>();
  let estimate = 0;
  for (const [key, { fn, keyText }] of found) {
    const value = results.get(key);
    // A null answer stays out: the stub answers it from the cache table.
    if (value === undefined || value === null) continue;
    const answers = byFunction.get(fn) ?? [];
    byFunction.set(fn, answers);
    answers.push([keyText, value]);
    estimate += keyText.length + value.length + 6;
  }
  if (estimate * prefetch.plan.sites.length > INLINE_LIMIT_BYTES) return null;
  const literals = new Map<string, string>();
  let bytes = 0;
  for (const fn of prefetch.functions) {
    const json = await jsonLiteral(byFunction.get(fn) ?? [], serverUtf8);
    if (json === null) return null;
    bytes += json.length * prefetch.plan.sites.filter((s) => s.call.fn === fn).length;
    literals.set(fn, `${TAG}${json}${TAG}::pg_catalog.jsonb`);
  }
  if (bytes > INLINE_LIMIT_BYTES) return null;
  return rename(prefetch, literals);
}

/** Answers written a slice at a time, with a turn of the event loop between slices. */
const SLICE = 2000;

/** A JSON object in ASCII (any client encoding reads it the same), or null when the server could not take it. */
async function jsonLiteral(answers: ReadonlyArray<readonly [string, string]>, serverUtf8: boolean): Promise<string | null> {
  const parts: string[] = [];
  for (let from = 0; from < answers.length; from += SLICE) {
    if (from > 0) await new Promise((resolve) => setImmediate(resolve));
    for (const [key, value] of answers.slice(from, from + SLICE)) {
      const part = asciiJson(`${JSON.stringify(key)}:${JSON.stringify(value)}`, serverUtf8);
      if (part === null) return null;
      parts.push(part);
    }
  }
  return `{${parts.join(',')}}`;
}

function asciiJson(json: string, serverUtf8: boolean): string | null {
  // jsonb refuses \u0000 and unpaired surrogates; dollar quoting ends at the tag.
  if (json.includes('\\u0000') || /\\ud[89a-f]/i.test(json) || json.includes(TAG)) return null;
  if (!/[^ -~]/.test(json)) return json;
  if (!serverUtf8) return null;
  return json.replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Every stub spec by name (the 2.0 set holds the 1.0 set). */
const ALL_SPECS: ReadonlyMap<string, StubSpec> = new Map(stubsFor('2.0').map((spec) => [spec.fn, spec]));

/** The site is `(call).field` of a function with field functions. */
function fieldSite(site: PrefetchSite, spec: StubSpec | undefined): site is PrefetchSite & Required<Pick<PrefetchSite, 'field'>> {
  return site.field !== undefined && spec !== undefined && answerFields(spec).includes(site.field.name);
}

/** What a site becomes when its answers are in the cache table only, or null when it stays the stub's call. */
function cachedName(site: PrefetchSite, spec: StubSpec | undefined): string | null {
  if (fieldSite(site, spec)) return cachedFieldFunctionName(site.field.name);
  // A whole record of several fields has no cache-reading function: the stub answers it.
  if (spec === undefined || answerFields(spec).length > 0) return null;
  return cachedFunctionName(site.call.fn);
}

/**
 * The statement with its planned sites renamed: `(call).field` to
 * `name(lead args)`, a call to `name(lead args...)`; a site `to` gives
 * null for keeps the stub's call.
 */
function renameSites(
  prefetch: Prefetch,
  to: (site: PrefetchSite, spec: StubSpec | undefined) => { readonly name: string; readonly lead: string } | null,
): string {
  const sql = prefetch.statement;
  const parts: string[] = [];
  let at = 0;
  for (const site of prefetch.plan.sites) {
    const spec = ALL_SPECS.get(site.call.fn);
    const target = to(site, spec);
    if (target === null) continue;
    if (fieldSite(site, spec)) {
      parts.push(sql.slice(at, site.field.start), `${target.name}(${target.lead}${argsText(sql, site)})`);
      at = site.field.end;
    } else {
      parts.push(sql.slice(at, site.call.start), `${target.name}(${target.lead}`);
      at = site.call.open + 1;
    }
  }
  parts.push(sql.slice(at));
  return parts.join('');
}

function rename(prefetch: Prefetch, literals: ReadonlyMap<string, string>): string {
  return renameSites(prefetch, (site, spec) => ({
    name: fieldSite(site, spec) ? fieldFunctionName(site.field.name) : answerFunctionName(site.call.fn),
    lead: `${literals.get(site.call.fn) ?? "'{}'::pg_catalog.jsonb"}, `,
  }));
}

/**
 * The statement with its planned calls renamed to the cache-reading answer
 * functions (see answer-functions.ts), for answers too many to write in: it
 * must run after every prefetched answer is in the cache table.
 */
export function cachedStatement(prefetch: Prefetch): string {
  return renameSites(prefetch, (site, spec) => {
    const name = cachedName(site, spec);
    return name === null ? null : { name, lead: '' };
  });
}
