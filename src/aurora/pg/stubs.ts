/**
 * The objects `CREATE EXTENSION aws_ml` puts in the upstream database: the
 * Aurora schemas, the `aws_ml` role, and one stub per Aurora function with the
 * documented signature. A stub never computes anything: it answers from the
 * session's cache table, which the proxy fills, and on a miss it reports its
 * arguments with a NOTICE (which survives ROLLBACK TO SAVEPOINT) and returns a
 * placeholder. See ../../../docs/how-it-works.md for the loop around it, and
 * miss-channel.ts for why the stubs run as the installing superuser.
 */

import { FUNCTIONS, ML_FUNCTIONS, type MlFunction, type PostgresStub } from '../../functions/registry.ts';
import { answerFunctionsSql, argsFunctionName, cachedFieldFunctionName } from './answer-functions.ts';
import {
  CACHE_IS_OURS,
  CACHE_TABLE,
  dropPrivateObjectsSql,
  MISS_MARKER,
  PRIVATE_SCHEMA,
  privateObjectsSql,
  STATEMENT_KEY_ROW,
} from './miss-channel.ts';

/** The custom setting that tells stubs they run under the emulator. */
export const MODE_SETTING = 'aurora_ml.mode';

/** A stub as the install script needs it: the registry's PostgreSQL entry, with its name. */
export interface StubSpec extends PostgresStub {
  /** Canonical name, also the first element of the miss DETAIL. */
  readonly fn: MlFunction;
}

/** The cache row holding the latest real answer for a call's target, in SQL and for the loop. */
const LEARNED_PREFIX = 'learned:';

export function learnedPlaceholderKey(fn: string, target: unknown): string | null {
  return typeof target === 'string' && LEARNED_FUNCTIONS.has(fn) ? `${LEARNED_PREFIX}${fn}:${target}` : null;
}

const stubs: readonly StubSpec[] = ML_FUNCTIONS.map((fn) => ({ fn, ...FUNCTIONS[fn].postgres }));

/** The functions whose misses answer with a learned placeholder (their specs name a target). */
const LEARNED_FUNCTIONS: ReadonlySet<string> = new Set(stubs.filter((s) => s.target !== undefined).map((s) => s.fn));

function stubSql(spec: StubSpec): string {
  return `CREATE FUNCTION ${spec.signature}
LANGUAGE plpgsql VOLATILE PARALLEL RESTRICTED SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $aurora_ml$
DECLARE
  _m text := current_setting('${MODE_SETTING}', true);
  _a text;
  _k text;
  v text;
BEGIN
  IF _m IS NULL OR _m = '' OR NOT ${CACHE_IS_OURS} THEN
    RAISE EXCEPTION '${spec.fn} can only run through aurora-ml-emulator'
      USING ERRCODE = '0A000', HINT = 'Connect to the emulator''s port instead of the database behind it.';
  END IF;
  _a := ${spec.argsJson}::text;
  _k := md5('${spec.fn}' || _a);
  SELECT c.v INTO v FROM ${CACHE_TABLE} c WHERE c.k = _k;
  IF NOT FOUND THEN
    RAISE NOTICE '${MISS_MARKER}' USING DETAIL = json_build_array('${spec.fn}', _k, _a::json,
      (SELECT c.s FROM ${CACHE_TABLE} c WHERE c.k = '${STATEMENT_KEY_ROW}'))::text;
    ${learnedAnswer(spec)}${spec.placeholder}
    RETURN;
  END IF;
  IF v IS NULL THEN
    RETURN;
  END IF;
  ${spec.decode}
END
$aurora_ml$;`;
}

/** On a miss: the statement's latest real answer for the call's target, when the loop has one. */
function learnedAnswer(spec: StubSpec): string {
  if (spec.target === undefined) return '';
  return `SELECT c.v INTO v FROM ${CACHE_TABLE} c WHERE c.k = '${LEARNED_PREFIX}${spec.fn}:' || ${spec.target};
    IF FOUND AND v IS NOT NULL THEN
      ${spec.decode}
      RETURN;
    END IF;
    `;
}

/** A function's identity for GRANT/REVOKE/COMMENT: name plus input argument types. */
function identity(spec: StubSpec): string {
  const open = spec.signature.indexOf('(');
  const close = spec.signature.indexOf(')');
  const name = spec.signature.slice(0, open);
  const args = spec.signature
    .slice(open + 1, close)
    .split(',')
    .map((a) => a.trim())
    .filter((a) => !a.startsWith('OUT '))
    .map((a) =>
      a
        .replace(/ DEFAULT .*$/, '')
        .split(' ')
        .slice(1)
        .join(' '),
    );
  return `${name}(${args.join(', ')})`;
}

export function stubsFor(version: '1.0' | '2.0'): readonly StubSpec[] {
  return stubs.filter((s) => version === '2.0' || s.since === undefined);
}

/** The whole install script for one extension version, run in one transaction. */
export function installSql(version: '1.0' | '2.0'): string {
  const specs = stubsFor(version);
  const schemas = version === '2.0' ? ['aws_comprehend', 'aws_sagemaker', 'aws_bedrock'] : ['aws_comprehend', 'aws_sagemaker'];
  return [
    `DO $r$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'aws_ml') THEN CREATE ROLE aws_ml NOLOGIN; END IF; END $r$;`,
    ...schemas.map((s) => `CREATE SCHEMA ${s}; GRANT USAGE ON SCHEMA ${s} TO PUBLIC;`),
    privateObjectsSql(),
    ...specs.map(stubSql),
    answerFunctionsSql(specs),
    // As on Aurora: nobody may call the functions until granted.
    ...specs.map((s) => `REVOKE ALL ON FUNCTION ${identity(s)} FROM PUBLIC; GRANT EXECUTE ON FUNCTION ${identity(s)} TO aws_ml;`),
  ].join('\n');
}

/**
 * Brings stubs installed by an earlier emulator version (without the
 * private miss channel, see ./miss-channel.ts, or without the answer
 * functions or the cache-reading ones, see ./answer-functions.ts) to this
 * version's, in place:
 * CREATE OR REPLACE keeps their owner, grants and the objects that use them.
 */
export function upgradeSql(version: '1.0' | '2.0'): string {
  return [
    privateObjectsSql(),
    ...stubsFor(version).map((s) => stubSql(s).replace(/^CREATE FUNCTION/, 'CREATE OR REPLACE FUNCTION')),
    answerFunctionsSql(stubsFor(version)),
  ].join('\n');
}

/** True when aws_ml's stubs predate the miss channel or the answer functions, and this session may upgrade them. */
export const NEEDS_UPGRADE_QUERY = `SELECT (pg_catalog.to_regprocedure('${PRIVATE_SCHEMA}.begin_statement(boolean)') IS NULL
    OR pg_catalog.to_regprocedure('${argsFunctionName('aws_comprehend.detect_sentiment')}(varchar,varchar,integer)') IS NULL
    OR pg_catalog.to_regprocedure('${cachedFieldFunctionName('sentiment')}(varchar,varchar,integer)') IS NULL)
  AND (SELECT r.rolsuper FROM pg_catalog.pg_roles r WHERE r.rolname OPERATOR(pg_catalog.=) current_user) AS needed`;

export function uninstallSql(version: '1.0' | '2.0', cascade: boolean): string {
  const behaviour = cascade ? 'CASCADE' : 'RESTRICT';
  const functions = stubsFor(version).map(identity).join(', ');
  const schemas = version === '2.0' ? 'aws_comprehend, aws_sagemaker, aws_bedrock' : 'aws_comprehend, aws_sagemaker';
  // Functions first: without CASCADE, objects that depend on them (views,
  // wrapper functions) make the drop fail, as DROP EXTENSION does.
  return `DROP FUNCTION ${functions} ${behaviour};\nDROP SCHEMA ${schemas} ${behaviour};\n${dropPrivateObjectsSql}`;
}
