/**
 * The stored functions the emulator keeps in the upstream MySQL/MariaDB, in a
 * database of its own (`aurora_ml`). Like the PostgreSQL stubs they compute
 * nothing: they answer from the session's cache table, and on a miss count
 * it, record their arguments in the session's miss table (read before the
 * loop rolls the run back) and return a placeholder. Both tables are InnoDB:
 * a change to a non-transactional table inside the client's transaction
 * would make its later ROLLBACK warn (1196). A statement that fails takes its
 * miss rows with it, so the loop runs it again with the misses spilled into a
 * user variable instead, which no rollback touches (the failed run's last
 * miss, kept in a variable, is what the loop learns from it), and there a
 * SageMaker or Bedrock miss answers with the statement's real answer for its
 * target rather than the placeholder the run failed on. Stored functions have no
 * default arguments, so the form with max_batch_size has its own stub
 * (suffix _b).
 */
import { createHash } from 'node:crypto';
import { MYSQL_BUILTINS, type MysqlBuiltin } from '../../functions/registry.ts';
import type { MlFunction } from '../../ml/calls.ts';
import { acceptsArgCount } from '../../sql/mysql/ml-call-counts.ts';
import {
  CACHE_TABLE,
  HIT_COUNTER,
  LAST_MISS_VARIABLE,
  MISS_COUNTER,
  MISS_TABLE,
  MODE_VARIABLE,
  SPILL_VARIABLE,
  UTF8_TEXT,
} from './session-objects.ts';
export const STUB_SCHEMA = 'aurora_ml';
const utf8Varchar = (n: number) => `VARCHAR(${n}) CHARACTER SET utf8mb4`;
/** Keys, hashed as the stubs key their calls, the cache rows holding a target's learned placeholder. */
const LEARNED_PREFIX = 'learned:';

/**
 * The cache key (MD5 of 'learned:fn:target', as the stubs compute it) of the
 * answer a miss of `fn` for `target` returns in place of its placeholder, or
 * null for a function whose misses keep their fixed placeholder.
 */
export function learnedPlaceholderKey(fn: string, target: unknown): string | null {
  if (typeof target !== 'string' || !LEARNED_FUNCTIONS.has(fn)) return null;
  return createHash('md5').update(`${LEARNED_PREFIX}${fn}:${target}`, 'utf8').digest('hex');
}

/** The functions whose stubs name a target (their first argument): SageMaker endpoints, Bedrock models. */
const LEARNED_FUNCTIONS: ReadonlySet<string> = new Set(['aws_sagemaker.invoke_endpoint', 'aws_bedrock.invoke_model']);

/** The built-ins the stubs stand for (src/functions/registry.ts), by name. */
const BUILTINS: ReadonlyMap<string, MysqlBuiltin & { readonly fn: MlFunction }> = new Map(MYSQL_BUILTINS.map((b) => [b.name, b]));

/** The seed's direct SageMaker call, variadic: its inputs arrive as one JSON_ARRAY. */
export const SEED_DIRECT_SAGEMAKER = 'aws_sagemaker_invoke_endpoint';
/** Seed extensions: accepted with a warning, refused in strict mode. */
export const SEED_FUNCTIONS: ReadonlySet<string> = new Set(MYSQL_BUILTINS.filter((b) => b.seed).map((b) => b.name));

/** `_u` = utf8mb4 result (before the batch suffix `_b`), e.g. aws_comprehend_detect_sentiment_u_b. */
function stubName(base: string, withBatch: boolean): string {
  return withBatch ? `${base}_b` : base;
}

/**
 * The stub a built-in call becomes, or undefined when Aurora would reject the
 * call. `unicodeConnection`: the connection's character set is a Unicode one.
 */
export function stubFor(fn: string, argCount: number, unicodeConnection: boolean): string | undefined {
  const builtin = BUILTINS.get(fn);
  if (builtin === undefined || !acceptsArgCount(builtin, argCount)) return undefined;
  if (builtin.atLeast !== undefined) return fn;
  const base = builtin.stub?.label && !unicodeConnection ? `${fn}_u` : fn;
  return stubName(base, argCount === 3);
}

interface StubBody {
  readonly name: string;
  readonly params: string;
  /** SQL building the JSON array of arguments that keys the cache (and reaches the evaluator). */
  readonly argsJson: string;
  /** The canonical function name the evaluator knows. */
  readonly fn: string;
  readonly returns: string;
  readonly result: string;
  readonly placeholder: string;
  /**
   * The parameter naming the call's target (endpoint, model): once a run
   * failed, a miss answers with the statement's real answer for that target
   * when the loop has one (see learnedPlaceholderKey), so an expression that
   * fails on a made-up value (1 / '0' in a strict UPDATE) does not stop
   * discovery at every row.
   */
  readonly target?: string;
}

/**
 * Replaced by the stubs' version in their COMMENT, so an emulator finds the
 * stubs it would install already there and leaves them alone: re-creating
 * them (DROP, then CREATE) would fail the statements of another emulator on
 * the same server in between (1305 FUNCTION does not exist).
 */
const VERSION_MARK = '@@aurora_ml_stub_version@@';

/**
 * NOT DETERMINISTIC, as an external service's answer is (and as declaring it
 * DETERMINISTIC would let MariaDB evaluate a call in ORDER BY twice per row,
 * doubling Aurora_ml_logical_request_cnt). One visible effect: MariaDB sorts
 * `ORDER BY stub(...)` through a temporary table, so the result's columns
 * carry no key flags (docs/how-it-works.md).
 *
 * The cache is read with a scalar subquery, not SELECT ... INTO: MariaDB's
 * COM_STMT_BULK_EXECUTE counts a function's SELECT ... INTO rows as affected
 * rows of the statement. `v` is NULL for a miss, '' for a cached NULL, and
 * the cached text after '=' otherwise.
 */
function stubSql(b: StubBody): string {
  return `CREATE FUNCTION ${STUB_SCHEMA}.${b.name}(${b.params}) RETURNS ${b.returns}
NOT DETERMINISTIC MODIFIES SQL DATA SQL SECURITY INVOKER COMMENT '${VERSION_MARK}'
BEGIN
  DECLARE a ${UTF8_TEXT} DEFAULT ${b.argsJson};
  DECLARE k CHAR(32) CHARACTER SET ascii DEFAULT MD5(CONCAT('${b.fn}', a));
  DECLARE v ${UTF8_TEXT};
  IF ${MODE_VARIABLE} IS NULL THEN
    SIGNAL SQLSTATE 'HY000' SET MYSQL_ERRNO = 1815,
      MESSAGE_TEXT = 'Internal error: ${b.name} can only run through aurora-ml-emulator';
  END IF;
  SET v = (SELECT IF(c.v IS NULL, '', CONCAT('=', c.v)) FROM ${CACHE_TABLE} c WHERE c.k = k);
  IF v IS NULL THEN
    IF ${SPILL_VARIABLE} IS NULL THEN
      SET ${MISS_COUNTER} = ${MISS_COUNTER} + 1, ${LAST_MISS_VARIABLE} = JSON_ARRAY(k, '${b.fn}', a);
      INSERT INTO ${MISS_TABLE} (k, f, a) VALUES (k, '${b.fn}', a);
    ELSE
      SET ${MISS_COUNTER} = ${MISS_COUNTER} + 1, ${SPILL_VARIABLE} = CONCAT(${SPILL_VARIABLE}, JSON_ARRAY(k, '${b.fn}', a), ',');${learnedAnswer(b)}
    END IF;
    RETURN ${b.placeholder};
  END IF;
  SET ${HIT_COUNTER} = ${HIT_COUNTER} + 1;
  IF v = '' THEN
    RETURN NULL;
  END IF;
  SET v = SUBSTRING(v, 2);
  RETURN ${b.result};
END`;
}

/**
 * On a miss while spilling: the statement's real answer for the call's
 * target, when the loop has put one in the cache. Only there: a run spills
 * after one failed, the case the learned answer is for, and a statement
 * that reads a table costs a few microseconds per call even when an IF
 * around it skips it, which a first run, missing every call, would pay.
 */
function learnedAnswer(b: StubBody): string {
  if (b.target === undefined) return '';
  return `
      SET v = (SELECT c.v FROM ${CACHE_TABLE} c WHERE c.k = MD5(CONCAT('${LEARNED_PREFIX}${b.fn}:', ${b.target})));
      IF v IS NOT NULL THEN
        RETURN ${b.result};
      END IF;`;
}

/**
 * The stubs written from a registry entry (the Comprehend functions): one
 * per argument form (a third argument, max_batch_size, has its own stub:
 * suffix _b) and, for a label, per result character set (suffix _u).
 */
function builtinStubs(builtin: MysqlBuiltin & { readonly fn: string }): string[] {
  const result = builtin.stub;
  if (!result) return [];
  const types = result.label
    ? [
        { suffix: '', returns: `${result.returns} CHARACTER SET ascii` },
        { suffix: '_u', returns: `${result.returns} CHARACTER SET utf8mb4` },
      ]
    : [{ suffix: '', returns: result.returns }];
  const forms = argumentForms(builtin);
  return types.flatMap((type) =>
    forms.map((form) =>
      stubSql({
        name: stubName(`${builtin.name}${type.suffix}`, form.withBatch),
        params: form.params,
        argsJson: form.argsJson,
        fn: builtin.fn,
        returns: type.returns,
        result: result.result,
        placeholder: result.placeholder,
      }),
    ),
  );
}

/** A registry entry's argument forms: its stubs' parameters, and the JSON array of arguments keying a call. */
function argumentForms(builtin: MysqlBuiltin): { withBatch: boolean; params: string; argsJson: string }[] {
  return builtin.argCounts.map((count) => {
    const withBatch = count === 3;
    const text = count === 1;
    return {
      withBatch,
      params: text
        ? `input_text ${UTF8_TEXT}`
        : `input_text ${UTF8_TEXT}, language_code ${utf8Varchar(64)}${withBatch ? ', max_batch_size INT' : ''}`,
      argsJson: text
        ? 'JSON_ARRAY(input_text, NULL)'
        : `JSON_ARRAY(input_text, language_code, ${withBatch ? 'max_batch_size' : 'NULL'})`,
    };
  });
}

/**
 * A built-in call's arguments function, `aurora_ml.<name>_args[_b]`, or
 * undefined when the call has no stub of its own. It takes the stub's
 * parameters and returns the JSON array the stub keys the call by: a query
 * calling it converts each argument exactly as the stub's call would, so the
 * answers cached under the keys it gives are found by the statement's run
 * (./prefetch.ts).
 */
export function argsFunctionFor(fn: string, argCount: number): string | undefined {
  const builtin = BUILTINS.get(fn);
  if (builtin?.stub === undefined || builtin.atLeast !== undefined || !acceptsArgCount(builtin, argCount)) return undefined;
  return `${STUB_SCHEMA}.${stubName(`${fn}${ARGS_SUFFIX}`, argCount === 3)}`;
}

const ARGS_SUFFIX = '_args';

/**
 * The function the evaluator knows (as the stubs key its calls) for a
 * built-in with a stub and an arguments function of its own, or undefined.
 */
export function stubbedFunction(name: string): MlFunction | undefined {
  const builtin = BUILTINS.get(name);
  return builtin?.stub === undefined || builtin.atLeast !== undefined ? undefined : builtin.fn;
}

/** Pure and reading no table: DETERMINISTIC NO SQL, so a query may call it once per row at little cost. */
function argsFunctions(builtin: MysqlBuiltin): string[] {
  if (builtin.stub === undefined) return [];
  return argumentForms(builtin).map(
    (form) => `CREATE FUNCTION ${STUB_SCHEMA}.${stubName(`${builtin.name}${ARGS_SUFFIX}`, form.withBatch)}(${form.params})
RETURNS ${UTF8_TEXT} DETERMINISTIC NO SQL SQL SECURITY INVOKER COMMENT '${VERSION_MARK}'
RETURN ${form.argsJson}`,
  );
}

/**
 * The seed's direct aws_sagemaker_invoke_endpoint('ep', args...): the proxy
 * passes the arguments as JSON_ARRAY(args...), since a stored function cannot
 * be variadic. As Aurora MySQL does, the result is the first field of the line.
 */
const SAGEMAKER_DIRECT = stubSql({
  name: 'aws_sagemaker_invoke_endpoint',
  params: `endpoint_name ${utf8Varchar(256)}, model_input ${UTF8_TEXT}`,
  argsJson: `CONCAT('[', JSON_QUOTE(endpoint_name), ', null, ', model_input, ']')`,
  fn: 'aws_sagemaker.invoke_endpoint',
  returns: 'VARCHAR(4096) CHARACTER SET utf8mb4',
  result: `SUBSTRING_INDEX(v, ',', 1)`,
  placeholder: `'0'`,
  target: 'endpoint_name',
});

/** Called by the body of every CREATE FUNCTION ... ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT function. */
export const SAGEMAKER_ALIAS_STUB = 'aws_sagemaker_alias';
/** Called by the body of every CREATE FUNCTION ... ALIAS AWS_BEDROCK_INVOKE_MODEL function. */
export const BEDROCK_ALIAS_STUB = 'aws_bedrock_alias';

/**
 * ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT: the function's arguments arrive as one
 * JSON array; the result is the first field of the model's line, as utf8mb4
 * (the function's RETURNS clause converts it).
 */
const SAGEMAKER_ALIAS = stubSql({
  name: SAGEMAKER_ALIAS_STUB,
  params: `endpoint_name ${utf8Varchar(256)}, max_batch_size INT, model_input ${UTF8_TEXT}`,
  // [endpoint, max_batch_size, [inputs...]]: the evaluator's form of a SageMaker call.
  argsJson: `CONCAT('[', JSON_QUOTE(endpoint_name), ', ', IFNULL(max_batch_size, 'null'), ', ', model_input, ']')`,
  fn: 'aws_sagemaker.invoke_endpoint',
  returns: 'LONGTEXT CHARACTER SET utf8mb4',
  result: `SUBSTRING_INDEX(v, ',', 1)`,
  placeholder: `'0'`,
  target: 'endpoint_name',
});

/** ALIAS AWS_BEDROCK_INVOKE_MODEL: the argument is the request body, the result the raw response body. */
const BEDROCK_ALIAS = stubSql({
  name: BEDROCK_ALIAS_STUB,
  params: `model_id ${utf8Varchar(256)}, content_type ${utf8Varchar(256)}, accept_type ${utf8Varchar(256)}, timeout_ms INT, model_input ${UTF8_TEXT}`,
  argsJson: 'JSON_ARRAY(model_id, content_type, accept_type, model_input, timeout_ms)',
  fn: 'aws_bedrock.invoke_model',
  returns: 'LONGTEXT CHARACTER SET utf8mb4',
  result: 'v',
  placeholder: `'{}'`,
  target: 'model_id',
});

/**
 * A function that changes nothing, called (`DO`) after a statement that
 * reached the stubs, for a client that tracks session state: being of
 * another database, its call makes the server report in its own OK, to the
 * emulator, a change of database the stubs left pending
 * (./stub-schema-change.ts). NO SQL: it reads no table, so the client's SHOW
 * WARNINGS stays its statement's.
 */
export const SESSION_STATE_FLUSH = 'session_state_flush';
const FLUSH = `CREATE FUNCTION ${STUB_SCHEMA}.${SESSION_STATE_FLUSH}() RETURNS INT
DETERMINISTIC NO SQL SQL SECURITY INVOKER COMMENT '${VERSION_MARK}'
RETURN 0`;

/** The stubs' version: a digest of their definitions, in each one's COMMENT. */
export const STUB_VERSION = `aurora-ml-emulator stub ${createHash('sha256')
  .update(definitions().join('\n'))
  .digest('hex')
  .slice(0, 16)}`;

/** Lists the stubs installed in the stub database and the COMMENT each carries. */
export const INSTALLED_STUBS_QUERY = `SELECT ROUTINE_NAME, ROUTINE_COMMENT FROM information_schema.ROUTINES
  WHERE ROUTINE_SCHEMA = '${STUB_SCHEMA}' AND ROUTINE_TYPE = 'FUNCTION'`;

/**
 * Statements that bring the stub database to this version, each one a
 * separate COM_QUERY: only the stubs missing or of another version are
 * (re)created, given what INSTALLED_STUBS_QUERY found (name -> COMMENT).
 */
export function installStatements(installed: ReadonlyMap<string, string> = new Map()): string[] {
  const statements = [`CREATE DATABASE IF NOT EXISTS ${STUB_SCHEMA} CHARACTER SET utf8mb4`];
  for (const definition of definitions()) {
    const name = definition.slice(`CREATE FUNCTION ${STUB_SCHEMA}.`.length, definition.indexOf('('));
    if (installed.get(name) === STUB_VERSION) continue;
    statements.push(`DROP FUNCTION IF EXISTS ${STUB_SCHEMA}.${name}`, definition.replace(VERSION_MARK, STUB_VERSION));
  }
  return statements;
}

/** Every stub's CREATE FUNCTION, with VERSION_MARK where its version goes. */
function definitions(): string[] {
  return [
    ...MYSQL_BUILTINS.flatMap(builtinStubs),
    ...MYSQL_BUILTINS.flatMap(argsFunctions),
    SAGEMAKER_DIRECT,
    SAGEMAKER_ALIAS,
    BEDROCK_ALIAS,
    FLUSH,
  ];
}
