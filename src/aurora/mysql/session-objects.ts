/**
 * What each MySQL session holds for the stubs (./stubs.ts): the temporary
 * cache and miss tables, and the user variables a run reads and writes. The
 * stubs are shared by every session; these are per session.
 */
/**
 * Every text the stubs and the session tables hold is declared utf8mb4: a
 * column, parameter or variable without a CHARACTER SET takes the database's
 * default, latin1 on many servers, which garbles what the evaluator answers
 * and refuses Japanese or Russian arguments (1366 Incorrect string value).
 */
export const UTF8_TEXT = 'LONGTEXT CHARACTER SET utf8mb4';

/** Temporary tables live in the stub database, where the stubs look them up. */
export const CACHE_TABLE = 'aurora_ml.aurora_ml_cache';
export const MISS_TABLE = 'aurora_ml.aurora_ml_miss';
/** Set by the emulator around the statements it runs; a stub refuses to run without it. */
export const MODE_VARIABLE = '@aurora_ml_mode';
/**
 * Counts the calls that missed the cache during a run. Reading it uses no
 * table, so it leaves the client's SHOW WARNINGS as the statement left it.
 */
export const MISS_COUNTER = '@aurora_ml_missed';
/**
 * Counts the calls a run answered from the cache: with the misses, the calls
 * the run made (Aurora_ml_logical_request_cnt), whether the cache was filled
 * before it ran (./prefetch.ts) or not.
 */
export const HIT_COUNTER = '@aurora_ml_hits';
/**
 * When not NULL, misses are appended here (`[k, f, a],` each) instead of
 * inserted into the miss table. Only for a statement that failed with misses:
 * appending to a variable costs time in the square of its length.
 */
export const SPILL_VARIABLE = '@aurora_ml_spill';
/**
 * The latest miss (`[k, f, a]`) of a run that records its misses in the miss
 * table: when the run fails, the table's rows go with it, and this one (most
 * often the call whose placeholder made it fail) is all the loop learns.
 */
export const LAST_MISS_VARIABLE = '@aurora_ml_last_miss';
/**
 * Whether the loop made the statement's transaction itself (autocommit on,
 * no transaction open), when the server decided it (./session-setup.ts
 * PipelinedSetup): read back only if the setup's answer is lost.
 */
export const OWN_VARIABLE = '@aurora_ml_own';

/** Per-session tables, created before a statement's first run. */
export const SESSION_TABLES = [
  `CREATE TEMPORARY TABLE IF NOT EXISTS ${CACHE_TABLE} (k CHAR(32) CHARACTER SET ascii PRIMARY KEY, v ${UTF8_TEXT}) ENGINE=InnoDB`,
  `CREATE TEMPORARY TABLE IF NOT EXISTS ${MISS_TABLE} (k CHAR(32) CHARACTER SET ascii, f VARCHAR(64) CHARACTER SET ascii, a ${UTF8_TEXT}) ENGINE=InnoDB`,
];
