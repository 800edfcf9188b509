/**
 * Private twins of the scalar aws_ml functions, for statements whose calls
 * were found before they ran (see ./prefetch.ts). The emulator writes the
 * answers into the statement as a JSON object from each call's key text (the
 * text a stub keys its cache with) to the cached text, and renames the calls:
 *
 * - `aurora_ml_private.<name>_args(...)`: the function's own parameters in,
 *   the key text out, so the prefetch query computes exactly the stub's key
 *   (the same parameter types coerce the arguments the same way).
 * - `aurora_ml_private.<name>(answers jsonb, ...)` with the function's OUT
 *   parameters and bare name, so a column named after the call keeps its
 *   name; `aurora_ml_private.sentiment(answers, ...)` and `.confidence(...)`
 *   stand for `(aws_comprehend.detect_sentiment(...)).sentiment` and
 *   `.confidence`, named as those columns are.
 *
 * All but the whole-record detect_sentiment are one-expression SQL
 * functions, which the planner inlines: `COALESCE(<answer>, <the stub>)`. A
 * call without an answer (and a null answer, which the emulator leaves out)
 * goes to the real stub, which answers from the cache table or reports the
 * miss: an incomplete answer set costs time, never a wrong value. The stub
 * in the expression also keeps PostgreSQL's EXECUTE check on it.
 *
 * All are SECURITY INVOKER and read nothing but their arguments: anyone may
 * call them and learns only what they passed in. Names are qualified, so a
 * caller's search_path cannot change what they compute.
 *
 * Answers too many to write into a statement (an UPDATE of 50,000 rows) are
 * in the session's cache table only. For those, `aurora_ml_cached.<name>`
 * and `aurora_ml_cached.<field>` take the function's own parameters and read
 * the cache table, falling back to the stub the same way. They run as the
 * session's role, which may read the answers but not the statement key (see
 * miss-channel.ts), so they need none of the stub's checks: a row through
 * one costs about 8 µs less than through the stub (SECURITY DEFINER, its
 * own search_path, the check that the cache table is the emulator's). Being
 * SQL functions with a subquery they are not inlined, but still cheaper than
 * PL/pgSQL. Their schema of their own keeps the bare names (and so the
 * column names) without overloading the JSON functions' names, whose calls
 * with untyped literals would then be ambiguous.
 */
import { CACHE_TABLE, CACHED_SCHEMA, PRIVATE_SCHEMA } from './miss-channel.ts';
import type { StubSpec } from './stubs.ts';

export interface Parameter {
  readonly name: string;
  readonly type: string;
  /** ` DEFAULT ...` as declared, or ''. */
  readonly default: string;
}

export interface Signature {
  /** schema.name */
  readonly qualified: string;
  readonly inputs: readonly Parameter[];
  readonly outs: readonly Parameter[];
}

/** A stub's declared signature: its qualified name, input parameters (with defaults) and OUT parameters. */
export function parseSignature(signature: string): Signature {
  const open = signature.indexOf('(');
  const params = signature
    .slice(open + 1, signature.lastIndexOf(')'))
    .split(',')
    .map((p) => p.trim());
  const parse = (p: string): Parameter => {
    const [decl = '', def] = p.split(/ (?=DEFAULT )/);
    const [name = '', ...type] = decl.replace(/^OUT /, '').split(' ');
    return { name, type: type.join(' '), default: def === undefined ? '' : ` ${def}` };
  };
  return {
    qualified: signature.slice(0, open),
    inputs: params.filter((p) => !p.startsWith('OUT ')).map(parse),
    outs: params.filter((p) => p.startsWith('OUT ')).map(parse),
  };
}

/** The functions with answer functions: the scalar ones (a set-returning call sits in FROM, usually LATERAL). */
export function answerable(specs: readonly StubSpec[]): readonly StubSpec[] {
  return specs.filter((s) => s.fields !== undefined);
}

const bare = (fn: string) => fn.slice(fn.indexOf('.') + 1);

/** `aurora_ml_private.<name>_args`, the prefetch's key function for `fn`. */
export function argsFunctionName(fn: string): string {
  return `${PRIVATE_SCHEMA}.${bare(fn)}_args`;
}

/** `aurora_ml_private.<name>`, what a planned call is renamed to. */
export function answerFunctionName(fn: string): string {
  return `${PRIVATE_SCHEMA}.${bare(fn)}`;
}

/** `aurora_ml_private.<field>`, what `(call).field` of a function with several OUT parameters becomes. */
export function fieldFunctionName(field: string): string {
  return `${PRIVATE_SCHEMA}.${field}`;
}

/** `aurora_ml_cached.<name>`, what a planned call of a one-OUT function becomes when its answers are in the cache table only. */
export function cachedFunctionName(fn: string): string {
  return `${CACHED_SCHEMA}.${bare(fn)}`;
}

/** `aurora_ml_cached.<field>`, what `(call).field` becomes when the answers are in the cache table only. */
export function cachedFieldFunctionName(field: string): string {
  return `${CACHED_SCHEMA}.${field}`;
}

/** The OUT fields of `spec` that have field functions (functions with several OUT parameters). */
export function answerFields(spec: StubSpec): readonly string[] {
  const fields = Object.keys(spec.fields ?? {});
  return fields.length > 1 ? fields : [];
}

/** The stub's key text, from parameters named as the stub's. */
function keySql(spec: StubSpec): string {
  return `(${spec.argsJson.replace(/^json_build_array\(/, 'pg_catalog.json_build_array(')})::pg_catalog.text`;
}

/** A field's expression, reading its cached text from `answers`. */
function fieldSql(spec: StubSpec, field: string): string {
  const expression = spec.fields?.[field] ?? 'v';
  return qualified(expression).replace(/\bv\b/g, `(answers OPERATOR(pg_catalog.->>) ${keySql(spec)})`);
}

const qualified = (sql: string) =>
  sql.replaceAll('split_part(', 'pg_catalog.split_part(').replaceAll('::float8[]', '::pg_catalog.float8[]');

const declared = (params: readonly Parameter[], out = false) =>
  params.map((p) => `${out ? 'OUT ' : ''}${p.name} ${p.type}${p.default}`).join(', ');

/** A field's expression, reading its cached text from the session's cache table (null when not there). */
function cachedFieldSql(spec: StubSpec, field: string): string {
  const expression = qualified(spec.fields?.[field] ?? 'v').replace(/\bv\b/g, 'c.v');
  const key = `pg_catalog.md5('${spec.fn}' OPERATOR(pg_catalog.||) ${keySql(spec)})`;
  return `(SELECT ${expression} FROM ${CACHE_TABLE} c WHERE c.k OPERATOR(pg_catalog.=) ${key})`;
}

function argsFunctionSql(spec: StubSpec, sig: Signature): string {
  return `CREATE OR REPLACE FUNCTION ${argsFunctionName(spec.fn)}(${declared(sig.inputs)}) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $aurora_ml$ SELECT ${keySql(spec)} $aurora_ml$;`;
}

const stubCall = (sig: Signature) => `${sig.qualified}(${sig.inputs.map((p) => p.name).join(', ')})`;

/** One OUT parameter: inlinable COALESCE(answer, stub). */
function scalarFunctionSql(spec: StubSpec, sig: Signature): string {
  const out = sig.outs[0];
  if (out === undefined) throw new Error(`${spec.fn} has no OUT parameter`);
  return `CREATE OR REPLACE FUNCTION ${answerFunctionName(spec.fn)}(answers jsonb, ${declared(sig.inputs)}, ${declared(sig.outs, true)})
LANGUAGE sql VOLATILE PARALLEL RESTRICTED AS $aurora_ml$ SELECT COALESCE(${fieldSql(spec, out.name)}, ${stubCall(sig)}) $aurora_ml$;`;
}

/** One field of several: inlinable COALESCE(answer, (stub).field), named after the field. */
function fieldFunctionSql(spec: StubSpec, sig: Signature, field: Parameter): string {
  return `CREATE OR REPLACE FUNCTION ${fieldFunctionName(field.name)}(answers jsonb, ${declared(sig.inputs)}) RETURNS ${field.type}
LANGUAGE sql VOLATILE PARALLEL RESTRICTED AS $aurora_ml$ SELECT COALESCE(${fieldSql(spec, field.name)}, (${stubCall(sig)}).${field.name}) $aurora_ml$;`;
}

/** The whole record (several OUT parameters): PL/pgSQL, decoding as the stub does. */
function recordFunctionSql(spec: StubSpec, sig: Signature): string {
  const outs = sig.outs.map((p) => p.name);
  return `CREATE OR REPLACE FUNCTION ${answerFunctionName(spec.fn)}(answers jsonb, ${declared(sig.inputs)}, ${declared(sig.outs, true)})
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED AS $aurora_ml$
DECLARE
  v text := answers OPERATOR(pg_catalog.->>) ${keySql(spec)};
BEGIN
  IF v IS NULL THEN
    SELECT ${outs.map((o) => `s.${o}`).join(', ')} INTO ${outs.join(', ')} FROM ${stubCall(sig)} s;
    RETURN;
  END IF;
  ${qualified(spec.decode)}
END
$aurora_ml$;`;
}

/** One OUT parameter, answered from the cache table: COALESCE(cached answer, stub). */
function cachedScalarFunctionSql(spec: StubSpec, sig: Signature): string {
  const out = sig.outs[0];
  if (out === undefined) throw new Error(`${spec.fn} has no OUT parameter`);
  return `CREATE OR REPLACE FUNCTION ${cachedFunctionName(spec.fn)}(${declared(sig.inputs)}, ${declared(sig.outs, true)})
LANGUAGE sql VOLATILE PARALLEL RESTRICTED AS $aurora_ml$ SELECT COALESCE(${cachedFieldSql(spec, out.name)}, ${stubCall(sig)}) $aurora_ml$;`;
}

/** One field of several, answered from the cache table: COALESCE(cached answer, (stub).field). */
function cachedFieldFunctionSql(spec: StubSpec, sig: Signature, field: Parameter): string {
  return `CREATE OR REPLACE FUNCTION ${cachedFieldFunctionName(field.name)}(${declared(sig.inputs)}) RETURNS ${field.type}
LANGUAGE sql VOLATILE PARALLEL RESTRICTED AS $aurora_ml$ SELECT COALESCE(${cachedFieldSql(spec, field.name)}, (${stubCall(sig)}).${field.name}) $aurora_ml$;`;
}

/**
 * Statements made while check_function_bodies is off, as it was afterwards:
 * the cache-reading functions name the session's temporary cache table,
 * which need not exist when they are made (pg_dump's restores turn it off
 * for the same reason).
 */
function withoutBodyCheck(statements: readonly string[]): string {
  const quoted = (sql: string) => `$aurora_ml_create$${sql}$aurora_ml_create$`;
  return `DO $aurora_ml_install$
DECLARE
  _check text := pg_catalog.current_setting('check_function_bodies');
BEGIN
  PERFORM pg_catalog.set_config('check_function_bodies', 'off', true);
  ${statements.map((sql) => `EXECUTE ${quoted(sql)};`).join('\n  ')}
  PERFORM pg_catalog.set_config('check_function_bodies', _check, true);
END $aurora_ml_install$;`;
}

/** Every answer function of these stubs (CREATE OR REPLACE: install and upgrade alike). */
export function answerFunctionsSql(specs: readonly StubSpec[]): string {
  const functions: string[] = [];
  const cached: string[] = [];
  for (const spec of answerable(specs)) {
    const sig = parseSignature(spec.signature);
    functions.push(argsFunctionSql(spec, sig));
    if (sig.outs.length === 1) {
      functions.push(scalarFunctionSql(spec, sig));
      cached.push(cachedScalarFunctionSql(spec, sig));
    } else {
      functions.push(recordFunctionSql(spec, sig), ...sig.outs.map((f) => fieldFunctionSql(spec, sig, f)));
      cached.push(...sig.outs.map((f) => cachedFieldFunctionSql(spec, sig, f)));
    }
  }
  return [...functions, withoutBodyCheck(cached)].join('\n');
}
