/**
 * The channel a stub reports its misses on, made so a user's SQL cannot
 * write to it. Any SQL may RAISE a NOTICE that looks like a stub's, so a
 * notice alone proves nothing; what a user cannot produce is the statement
 * key:
 *
 * - At the start of every ML statement the emulator calls
 *   `aurora_ml_private.begin_statement`, a SECURITY DEFINER function owned by
 *   the superuser who installed aws_ml. It empties the session's cache table
 *   (a temporary table owned by that superuser), stores a fresh random key in
 *   it, and returns the key, which the emulator reads from its own setup
 *   statement, never from the client's. The session's own role may INSERT
 *   answers (the emulator's COPY) and read them (the cache-reading answer
 *   functions, see answer-functions.ts), but only in the columns k and v: the
 *   key sits in a column of its own, s, which only the owner reads.
 * - The stubs are SECURITY DEFINER too: PostgreSQL still checks EXECUTE for
 *   the role that calls them (42501 as before), and only they can read the key
 *   to put it in their miss NOTICE.
 * - A notice with the miss marker but without the statement's key fails the
 *   statement: nothing it names is evaluated.
 *
 * Both functions run as a superuser, so they read only relations they have
 * checked are the superuser's own tables (a user's temporary view of the same
 * name would otherwise run the user's code as the superuser), and they run
 * with search_path = pg_catalog, pg_temp.
 */
import { EmulatorError } from '../../errors.ts';
import type { JsonValue, MlCall, MlFunction } from '../../ml/calls.ts';
import { BackendCode, ErrorField } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { type NoticeFields, parseNoticeFields } from '../../wire/pg/messages.ts';

export const PRIVATE_SCHEMA = 'aurora_ml_private';
/** The NOTICE text a stub raises on a cache miss; DETAIL is [function, key, args, statement key]. */
export const MISS_MARKER = 'aurora_ml:miss';
/** The NOTICE the emulator's setup raises with the statement key in DETAIL. */
const KEY_MARKER = 'aurora_ml:statement-key';
export const CACHE_TABLE = 'pg_temp.aurora_ml_cache';
/** The cache row holding the statement key (in column s): answers are keyed by md5 digests, never empty. */
export const STATEMENT_KEY_ROW = '';
/** The schema of the answer functions that read the cache table (see answer-functions.ts). */
export const CACHED_SCHEMA = 'aurora_ml_cached';

/** True when the session's cache table is the installing superuser's own plain table. */
export const CACHE_IS_OURS = `EXISTS (SELECT 1 FROM pg_catalog.pg_class r
    WHERE r.oid = pg_catalog.to_regclass('${CACHE_TABLE}') AND r.relkind = 'r'
      AND pg_catalog.pg_get_userbyid(r.relowner) = current_user)`;

/**
 * The private schema and begin_statement, part of the aws_ml install script
 * (and of the upgrade of an earlier version's: hence IF NOT EXISTS, OR REPLACE).
 * EXECUTE stays with PUBLIC (the default): the emulator calls it as the
 * session's role, and a user calling it only replaces the key with one the
 * emulator will not accept.
 */
export function privateObjectsSql(): string {
  return `CREATE SCHEMA IF NOT EXISTS ${PRIVATE_SCHEMA};
GRANT USAGE ON SCHEMA ${PRIVATE_SCHEMA} TO PUBLIC;
CREATE SCHEMA IF NOT EXISTS ${CACHED_SCHEMA};
GRANT USAGE ON SCHEMA ${CACHED_SCHEMA} TO PUBLIC;
CREATE OR REPLACE FUNCTION ${PRIVATE_SCHEMA}.begin_statement(empty_by_truncate boolean) RETURNS text
LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $aurora_ml$
DECLARE
  _key text := pg_catalog.gen_random_uuid()::text;
  _cache regclass := pg_catalog.to_regclass('${CACHE_TABLE}');
BEGIN
  IF _cache IS NOT NULL AND NOT ${CACHE_IS_OURS} THEN
    RAISE EXCEPTION '${CACHE_TABLE} was not created by aurora-ml-emulator'
      USING ERRCODE = '42501', HINT = 'Drop your temporary relation aurora_ml_cache: the emulator keeps its answers under that name.';
  END IF;
  IF _cache IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a
      WHERE a.attrelid = _cache AND a.attname = 's' AND NOT a.attisdropped) THEN
    -- An earlier version's table keeps the key in v, where the session's role may now read: made anew.
    DROP TABLE ${CACHE_TABLE};
    _cache := NULL;
  END IF;
  IF _cache IS NULL THEN
    -- Keys are hex digests: byte order compares them as well as any collation, and faster.
    CREATE TEMP TABLE aurora_ml_cache (k text COLLATE "C" PRIMARY KEY, v text, s text);
    -- The emulator COPYs answers in as the session's role, and the cache-reading
    -- answer functions read them as that role; the key in s stays the owner's.
    GRANT INSERT (k, v), SELECT (k, v) ON ${CACHE_TABLE} TO PUBLIC;
  ELSIF empty_by_truncate THEN
    TRUNCATE ${CACHE_TABLE};
  ELSE
    DELETE FROM ${CACHE_TABLE};
  END IF;
  INSERT INTO ${CACHE_TABLE} (k, s) VALUES ('${STATEMENT_KEY_ROW}', _key);
  RETURN _key;
END
$aurora_ml$;`;
}

export const dropPrivateObjectsSql = `DROP SCHEMA IF EXISTS ${PRIVATE_SCHEMA} CASCADE;\nDROP SCHEMA IF EXISTS ${CACHED_SCHEMA} CASCADE;`;

/**
 * The setup statement that starts an ML statement. It runs as the session's
 * role and trusts begin_statement only when a superuser owns it: in a database
 * a user controls, the user could otherwise create a look-alike returning a
 * key of their choosing. Without aws_ml it does nothing (no key: every miss
 * notice is refused, and the statement fails on its own missing functions).
 *
 * Checking the owner costs more than the rest of the setup (a join planned
 * anew in every DO block), so the notice also names the function's oid, and
 * the session's later statements pass that oid as `trustedOid`: the same
 * function is then known to be a superuser's (only a superuser could have
 * changed its owner or its SECURITY DEFINER since; a function dropped and
 * made again has another oid), and any other oid goes through the full
 * check, which plpgsql plans only when it gets there.
 */
export function beginStatementSql(emptyByTruncate: boolean, trustedOid: string | null = null): string {
  const fn = `pg_catalog.to_regprocedure('${PRIVATE_SCHEMA}.begin_statement(boolean)')`;
  const notice = `RAISE NOTICE '${KEY_MARKER}' USING DETAIL = ${PRIVATE_SCHEMA}.begin_statement(${emptyByTruncate}), HINT = ${fn}::pg_catalog.oid::pg_catalog.text;`;
  const known =
    trustedOid !== null && /^\d+$/.test(trustedOid)
      ? `IF ${fn}::pg_catalog.oid OPERATOR(pg_catalog.=) '${trustedOid}'::pg_catalog.oid THEN
    ${notice}
  ELS`
      : '';
  return `DO $aurora_ml$ BEGIN
  ${known}IF EXISTS (SELECT 1 FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_roles o ON o.oid OPERATOR(pg_catalog.=) p.proowner
      WHERE p.oid OPERATOR(pg_catalog.=) ${fn}
        AND p.prosecdef AND o.rolsuper) THEN
    ${notice}
  END IF;
END $aurora_ml$`;
}

/** The statement key from the setup's answer, or null when aws_ml is not installed. */
export function readStatementKey(setupFrames: readonly Frame[]): string | null {
  return readKeyNotice(setupFrames)?.detail ?? null;
}

/**
 * The statement key, and the oid of the begin_statement that gave it (see
 * beginStatementSql), from the setup's answer: nulls when aws_ml is not installed.
 */
export function readBegin(setupFrames: readonly Frame[]): { readonly key: string | null; readonly oid: string | null } {
  const notice = readKeyNotice(setupFrames);
  const hint = notice?.fields.get(ErrorField.Hint);
  return { key: notice?.detail ?? null, oid: hint !== undefined && /^\d+$/.test(hint) ? hint : null };
}

function readKeyNotice(setupFrames: readonly Frame[]): NoticeFields | null {
  for (const frame of setupFrames) {
    if (frame.code !== BackendCode.NoticeResponse) continue;
    const notice = parseNoticeFields(frame.payload);
    if (notice.message === KEY_MARKER && notice.detail !== undefined) return notice;
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
