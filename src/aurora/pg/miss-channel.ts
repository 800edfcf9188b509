/**
 * The channel a stub reports its misses on, made so a user's SQL cannot
 * write to it. Any SQL may RAISE a NOTICE that looks like a stub's, so a
 * notice alone proves nothing; what a user cannot produce is the statement
 * key:
 *
 * - At the start of every ML statement the emulator calls
 *   `aurora_ml_private.begin_statement`, a SECURITY DEFINER function owned by
 *   the superuser who installed aws_ml. It empties the session's cache table,
 *   stores a fresh random key in a second temporary table only that
 *   superuser may read, and returns the key, which the emulator reads from
 *   its own setup statement, never from the client's.
 * - The stubs run as their caller (SECURITY INVOKER), so PostgreSQL checks
 *   EXECUTE for the role that calls them (42501 as before), and their cache
 *   lookups cost no privilege switch, no search_path switch and no ownership
 *   check per call: the cache holds the session's own answers, which the
 *   session's role may read.
 * - On a miss a stub calls `aurora_ml_private.report_miss`, SECURITY DEFINER,
 *   which only answers a stub: it reads its caller from the PL/pgSQL call
 *   stack (a user's own function or a direct call is refused), then puts the
 *   statement key in the miss NOTICE and marks the call as reported, so the
 *   run's later calls with the same arguments report nothing more.
 * - A notice with the miss marker but without the statement's key fails the
 *   statement: nothing it names is evaluated.
 *
 * begin_statement and report_miss run as a superuser, so they read only
 * relations they have checked are the superuser's own tables (a user's
 * temporary view of the same name would otherwise run the user's code as the
 * superuser), and they run with search_path = pg_catalog, pg_temp.
 */
import { EmulatorError } from '../../errors.ts';
import type { JsonValue, MlCall, MlFunction } from '../../ml/calls.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseNoticeFields } from '../../wire/pg/messages.ts';

export const PRIVATE_SCHEMA = 'aurora_ml_private';
/** The NOTICE text a stub raises on a cache miss; DETAIL is [function, key, args, statement key]. */
export const MISS_MARKER = 'aurora_ml:miss';
/** The NOTICE the emulator's setup raises with the statement key in DETAIL. */
const KEY_MARKER = 'aurora_ml:statement-key';
/** The session's answers: (k, v, pending); its role may read it and COPY answers in. */
export const CACHE_TABLE = 'pg_temp.aurora_ml_cache';
/** The statement key: only the installing superuser reads it. */
const KEY_TABLE = 'pg_temp.aurora_ml_statement';
/** Counts the stubs' calls of a statement (sequences are not rolled back with the runs). */
export const CALL_COUNTER = 'pg_temp.aurora_ml_calls';

/** True when `table` is the installing superuser's own plain table. */
function isOurs(table: string): string {
  return `EXISTS (SELECT 1 FROM pg_catalog.pg_class r
    WHERE r.oid = pg_catalog.to_regclass('${table}') AND r.relkind = 'r'
      AND pg_catalog.pg_get_userbyid(r.relowner) = current_user)`;
}

/**
 * The private schema, begin_statement and report_miss, part of the aws_ml
 * install script (and of the upgrade, hence OR REPLACE). EXECUTE stays with
 * PUBLIC (the default): the emulator calls begin_statement as the session's
 * role and the stubs call report_miss as their caller; a user calling
 * begin_statement only replaces the key with one the emulator will not
 * accept, and report_miss refuses whoever is not a stub. `functions` are the
 * stubs that may report misses.
 */
export function privateObjectsSql(functions: readonly string[]): string {
  // The names come from the stubs' own list, never from SQL: quoting them is enough.
  const names = functions.map((fn) => `'${fn}'`).join(', ');
  return `CREATE SCHEMA IF NOT EXISTS ${PRIVATE_SCHEMA};
GRANT USAGE ON SCHEMA ${PRIVATE_SCHEMA} TO PUBLIC;
CREATE OR REPLACE FUNCTION ${PRIVATE_SCHEMA}.begin_statement(empty_by_truncate boolean) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $aurora_ml$
DECLARE
  _key text := pg_catalog.gen_random_uuid()::text;
BEGIN
  IF pg_catalog.to_regclass('${CACHE_TABLE}') IS NOT NULL AND ${isOurs(CACHE_TABLE)}
     AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
       WHERE a.attrelid = pg_catalog.to_regclass('${CACHE_TABLE}') AND a.attname = 'pending' AND NOT a.attisdropped) THEN
    -- Made by an earlier emulator version earlier in this session.
    DROP TABLE ${CACHE_TABLE};
  END IF;
  IF pg_catalog.to_regclass('${CACHE_TABLE}') IS NULL THEN
    CREATE TEMP TABLE aurora_ml_cache (k text PRIMARY KEY, v text, pending boolean NOT NULL DEFAULT false);
    -- The stubs read it as their caller; the emulator COPYs answers in as the session's role.
    GRANT SELECT, INSERT ON ${CACHE_TABLE} TO PUBLIC;
  ELSIF NOT ${isOurs(CACHE_TABLE)} THEN
    RAISE EXCEPTION '${CACHE_TABLE} was not created by aurora-ml-emulator'
      USING ERRCODE = '42501', HINT = 'Drop your temporary relation aurora_ml_cache: the emulator keeps its answers under that name.';
  ELSIF empty_by_truncate THEN
    TRUNCATE ${CACHE_TABLE};
  ELSE
    DELETE FROM ${CACHE_TABLE};
  END IF;
  IF pg_catalog.to_regclass('${KEY_TABLE}') IS NULL THEN
    CREATE TEMP TABLE aurora_ml_statement (key text);
  ELSIF NOT ${isOurs(KEY_TABLE)} THEN
    RAISE EXCEPTION '${KEY_TABLE} was not created by aurora-ml-emulator'
      USING ERRCODE = '42501', HINT = 'Drop your temporary relation aurora_ml_statement: the emulator keeps its statement key under that name.';
  END IF;
  IF pg_catalog.to_regclass('${CALL_COUNTER}') IS NULL THEN
    CREATE TEMP SEQUENCE aurora_ml_calls;
    GRANT USAGE, SELECT ON SEQUENCE ${CALL_COUNTER} TO PUBLIC;
  END IF;
  PERFORM pg_catalog.setval('${CALL_COUNTER}', 1, false);
  DELETE FROM ${KEY_TABLE};
  INSERT INTO ${KEY_TABLE} (key) VALUES (_key);
  RETURN _key;
END
$aurora_ml$;
CREATE OR REPLACE FUNCTION ${PRIVATE_SCHEMA}.report_miss(fn text, k text, args text, learned_key text) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp SET lc_messages = 'C' AS $aurora_ml$
DECLARE
  _stack text;
  _key text;
  _learned text;
BEGIN
  -- Line 1 of the stack is this function; line 2 its caller, which must be the
  -- stub of \`fn\` itself (qualified: aws_* schemas are not on this search_path;
  -- in English: lc_messages is C here).
  GET DIAGNOSTICS _stack = PG_CONTEXT;
  IF fn NOT IN (${names})
     OR pg_catalog.left(pg_catalog.split_part(_stack, E'\n', 2), pg_catalog.length(fn) + 19) <> 'PL/pgSQL function ' || fn || '(' THEN
    RAISE EXCEPTION 'aurora_ml_private.report_miss is for the aws_ml functions only' USING ERRCODE = '42501';
  END IF;
  IF NOT ${isOurs(KEY_TABLE)} OR NOT ${isOurs(CACHE_TABLE)} THEN
    RAISE EXCEPTION 'the aws_ml statement tables were not created by aurora-ml-emulator' USING ERRCODE = '42501';
  END IF;
  SELECT s.key INTO _key FROM ${KEY_TABLE} s;
  IF learned_key IS NOT NULL THEN
    SELECT c.v INTO _learned FROM ${CACHE_TABLE} c WHERE c.k = learned_key AND NOT c.pending;
  END IF;
  -- Rolled back with the run: the next run finds the answer instead.
  INSERT INTO ${CACHE_TABLE} (k, v, pending) VALUES (k, _learned, true) ON CONFLICT DO NOTHING;
  RAISE NOTICE '${MISS_MARKER}' USING DETAIL = pg_catalog.json_build_array(fn, k, args::json, _key)::text;
  RETURN _learned;
END
$aurora_ml$;`;
}

export const dropPrivateObjectsSql = `DROP SCHEMA IF EXISTS ${PRIVATE_SCHEMA} CASCADE;`;

/**
 * The setup statement that starts an ML statement. It runs as the session's
 * role and trusts begin_statement only when a superuser owns it: in a database
 * a user controls, the user could otherwise create a look-alike returning a
 * key of their choosing. Without aws_ml it does nothing (no key: every miss
 * notice is refused, and the statement fails on its own missing functions).
 */
export function beginStatementSql(emptyByTruncate: boolean): string {
  return `DO $aurora_ml$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_roles o ON o.oid OPERATOR(pg_catalog.=) p.proowner
      WHERE p.oid OPERATOR(pg_catalog.=) pg_catalog.to_regprocedure('${PRIVATE_SCHEMA}.begin_statement(boolean)')
        AND p.prosecdef AND o.rolsuper) THEN
    RAISE NOTICE '${KEY_MARKER}' USING DETAIL = ${PRIVATE_SCHEMA}.begin_statement(${emptyByTruncate});
  END IF;
END $aurora_ml$`;
}

/** The statement key from the setup's answer, or null when aws_ml is not installed. */
export function readStatementKey(setupFrames: readonly Frame[]): string | null {
  for (const frame of setupFrames) {
    if (frame.code !== BackendCode.NoticeResponse) continue;
    const notice = parseNoticeFields(frame.payload);
    if (notice.message === KEY_MARKER && notice.detail !== undefined) return notice.detail;
  }
  return null;
}

/** Why a statement with a miss notice that lacks the statement key fails. */
export function unverifiedMissError(keyed: boolean): EmulatorError {
  if (keyed) {
    return new EmulatorError('PermissionDenied', `a NOTICE "${MISS_MARKER}" did not come from an aws_ml function`, {
      hint: `The message text ${MISS_MARKER} is reserved for the emulator; raise your notices with another text.`,
    });
  }
  return new EmulatorError(
    'PermissionDenied',
    `a NOTICE "${MISS_MARKER}" cannot be verified: aws_ml is not installed in this database, or was installed by an earlier version of the emulator or by a role that is not a superuser`,
    {
      hint: 'Reinstall aws_ml through the emulator as a superuser (DROP EXTENSION aws_ml also drops the views and functions that use it: recreate them after).',
    },
  );
}

/** A miss notice read: the call it reports, or `forged` when it lacks the statement key. */
export function readMiss(detail: string | undefined, statementKey: string | null): MlCall | 'forged' {
  if (statementKey === null || detail === undefined) return 'forged';
  let parsed: unknown;
  try {
    parsed = JSON.parse(detail);
  } catch {
    return 'forged';
  }
  if (!Array.isArray(parsed) || parsed.length !== 4 || parsed[3] !== statementKey) return 'forged';
  const [fn, key, args] = parsed as [MlFunction, string, JsonValue[], string];
  return { fn, key, args };
}
