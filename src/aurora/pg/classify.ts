/**
 * Decides what the emulator must do with one PostgreSQL statement, and
 * rewrites it where Aurora's SQL cannot run as written on the stubs. Pure:
 * no I/O, so every rule here is testable on text alone.
 */
import { EmulatorError } from '../../errors.ts';
import { FUNCTIONS } from '../../functions/registry.ts';
import { limits } from '../../ml/limits.ts';
import { rewriteExtensionTable } from '../../sql/pg/catalog-rewrite.ts';
import { type DeclareCommand, parseDeclare } from '../../sql/pg/cursor-commands.ts';
import { type ExtensionCommand, parseExtensionCommand } from '../../sql/pg/extension-commands.ts';
import { findMlCalls, referencesAny } from '../../sql/pg/ml-calls.ts';
import { rewriteInvokeEndpoint } from '../../sql/pg/rewrite.ts';
import { parseSetCommand, parseShowCommand } from '../../sql/pg/settings-commands.ts';
import { classifyStatement } from '../../sql/pg/statement-kind.ts';
import { CATALOG_SCHEMA } from './extension.ts';

/** Cheap test run on every statement of pass-through traffic. */
const QUICK = /aws_(?:comprehend|sagemaker|bedrock|ml|commons)|pg_extension|aurora_ml/i;

export type Classified =
  /** Relay as is (possibly rewritten); `ddl` means ML dependencies may have changed. */
  | { readonly kind: 'plain'; readonly sql: string; readonly ddl: boolean }
  /** Run through the evaluation loop, after the NOTICEs for seed extensions. */
  | { readonly kind: 'ml'; readonly sql: string; readonly seedNotices: readonly string[] }
  | { readonly kind: 'extension'; readonly command: ExtensionCommand }
  /** DECLARE ... CURSOR over ML calls: the query is materialised, the cursor reads the result. */
  | { readonly kind: 'cursor'; readonly sql: string; readonly declare: DeclareCommand; readonly seedNotices: readonly string[] }
  /** SET/RESET aurora_ml.strict: the session's strict mode (also relayed, so SHOW works). */
  | { readonly kind: 'strict'; readonly sql: string; readonly strict: boolean | null };

export interface ClassifyContext {
  /** Views and functions that call ML functions, in the session's database. */
  readonly dependents: ReadonlySet<string> | undefined;
  /** SQL-level prepared statements (PREPARE name AS ...) whose statement calls ML functions. */
  readonly preparedMl?: ReadonlySet<string>;
  /** An emulated extension exists in the database (so the pg_extension view does). */
  readonly catalogInstalled: boolean;
  readonly strict: boolean;
  /** Why the control plane last refused a call on this connection (read only when asked). */
  readonly lastDenial?: () => string | null;
}

function dependsOnMl(sql: string, dependents: ReadonlySet<string> | undefined, preparedMl?: ReadonlySet<string>): boolean {
  return (
    (dependents !== undefined && dependents.size > 0 && referencesAny(sql, dependents)) ||
    // EXECUTE of an ML prepared statement (also inside EXPLAIN ANALYZE or CREATE TABLE AS).
    (preparedMl !== undefined && preparedMl.size > 0 && referencesAny(sql, preparedMl))
  );
}

/** Whether a statement can need the emulator at all (the pass-through fast path). */
export function mightNeedEmulator(
  sql: string,
  dependents: ReadonlySet<string> | undefined,
  preparedMl?: ReadonlySet<string>,
): boolean {
  return QUICK.test(sql) || dependsOnMl(sql, dependents, preparedMl);
}

/** Throws EmulatorError for statements that must fail before running. */
export function classify(sql: string, ctx: ClassifyContext): Classified {
  const setting = sessionSetting(sql, ctx);
  if (setting !== null) return setting;
  const command = parseExtensionCommand(sql);
  if (command !== null) return { kind: 'extension', command };
  const calls = findMlCalls(sql, { scanBodies: true });
  const rewritten = rewriteCatalog(rewriteCalls(sql, calls), ctx.catalogInstalled);
  const kind = classifyStatement(sql);
  if (kind === 'ddl' || kind === 'transaction' || kind === 'set' || kind === 'show') {
    return { kind: 'plain', sql: rewritten.sql, ddl: kind === 'ddl' };
  }
  // Calls inside DO bodies and dollar-quoted strings count too: running them is harmless.
  if (calls.length === 0 && !dependsOnMl(sql, ctx.dependents, ctx.preparedMl)) {
    return { kind: 'plain', sql: rewritten.sql, ddl: false };
  }
  const direct = calls.filter((c) => c.quoting === 'none');
  const seedNotices: string[] = [];
  for (const call of direct) if (FUNCTIONS[call.fn].seed) seedNotices.push(seedUse(`${call.fn}() is`, ctx.strict));
  for (let i = 0; i < rewritten.seedTwoArgCalls; i++) {
    seedNotices.push(seedUse('the two-argument form aws_sagemaker.invoke_endpoint(endpoint, payload) is', ctx.strict));
  }
  if (kind === 'declare') {
    const declare = parseDeclare(rewritten.sql);
    if (declare !== null) return { kind: 'cursor', sql: rewritten.sql, declare, seedNotices };
  }
  return { kind: 'ml', sql: rewritten.sql, seedNotices };
}

/** True for statements that run a query and so create ML-dependent objects' data. */
export function createsObjects(sql: string): boolean {
  const kind = classifyStatement(sql);
  return kind === 'create_table_as' || kind === 'create_matview';
}

/**
 * Aurora's session variable aurora_ml_inference_timeout has no dot, which
 * PostgreSQL refuses for custom settings: it lives as aurora_ml.inference_timeout
 * (also settable directly), so it follows SET LOCAL, RESET and transactions.
 */
function sessionSetting(sql: string, ctx: ClassifyContext): Classified | null {
  const show = parseShowCommand(sql);
  if (show === 'aurora_ml_last_denial' || show === 'aurora_ml.last_denial') {
    // Dollar quoting: the message needs no escaping whatever standard_conforming_strings says.
    const text = ctx.lastDenial?.() ?? '';
    return {
      kind: 'plain',
      sql: `SELECT $aurora_ml$${text.replaceAll('$aurora_ml$', '')}$aurora_ml$::text AS aurora_ml_last_denial`,
      ddl: false,
    };
  }
  if (show === 'aurora_ml_inference_timeout' || show === 'aurora_ml.inference_timeout') {
    return {
      kind: 'plain',
      sql: `SELECT coalesce(nullif(current_setting('aurora_ml.inference_timeout', true), ''), '${limits.defaultInferenceTimeoutMs}') AS aurora_ml_inference_timeout`,
      ddl: false,
    };
  }
  const set = parseSetCommand(sql);
  if (set === null) return null;
  if (set.name === 'aurora_ml.strict') {
    if (set.value === null) return { kind: 'strict', sql, strict: null };
    const on = /^(on|true|yes|1)$/i.test(set.value);
    if (!on && !/^(off|false|no|0)$/i.test(set.value)) {
      throw new EmulatorError('InvalidArgument', `parameter "aurora_ml.strict" requires a Boolean value`);
    }
    return { kind: 'strict', sql, strict: on };
  }
  if (set.name !== 'aurora_ml_inference_timeout') return null;
  if (set.value === null) return { kind: 'plain', sql: 'RESET aurora_ml.inference_timeout', ddl: false };
  if (!/^\d+$/.test(set.value) || Number(set.value) <= 0) {
    throw new EmulatorError('InvalidArgument', `invalid value for parameter "aurora_ml_inference_timeout": "${set.value}"`, {
      hint: 'Give the timeout in milliseconds, a positive integer.',
    });
  }
  return { kind: 'plain', sql: `SET ${set.local ? 'LOCAL ' : ''}aurora_ml.inference_timeout = ${set.value}`, ddl: false };
}

function seedUse(what: string, strict: boolean): string {
  if (strict) {
    throw new EmulatorError('NotSupportedByAurora', `${what} not supported by Aurora (aurora-ml-emulator strict mode)`, {
      hint: 'Use the documented signatures: aws_comprehend.detect_sentiment, aws_sagemaker.invoke_endpoint(endpoint, max_rows_per_batch, VARIADIC inputs).',
    });
  }
  return `${what} an aurora-ml-emulator extension: real Aurora PostgreSQL rejects it`;
}

interface Rewritten {
  readonly sql: string;
  readonly seedTwoArgCalls: number;
}

function rewriteCalls(sql: string, calls: ReturnType<typeof findMlCalls>): Rewritten {
  const endpoints = calls.filter((c) => c.fn === 'aws_sagemaker.invoke_endpoint');
  if (endpoints.length === 0) return { sql, seedTwoArgCalls: 0 };
  const result = rewriteInvokeEndpoint(sql, endpoints);
  if (result.tooManyArguments) {
    throw new EmulatorError('TooManyArguments', 'cannot pass more than 100 arguments to a function');
  }
  return { sql: result.sql, seedTwoArgCalls: result.seedTwoArgCalls };
}

/** pg_extension queries (e.g. psql's \dx) also see the emulated extensions. */
function rewriteCatalog(r: Rewritten, catalogInstalled: boolean): Rewritten {
  if (!catalogInstalled || !/pg_extension/i.test(r.sql)) return r;
  return { sql: rewriteExtensionTable(r.sql, `${CATALOG_SCHEMA}.pg_extension`), seedTwoArgCalls: r.seedTwoArgCalls };
}
