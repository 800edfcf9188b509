/**
 * Views and stored routines whose definitions reach an ML stub, directly or
 * through other views and routines (ALIAS functions included: their bodies
 * call the stubs). A statement that names one of them goes through the
 * evaluation loop although it shows no ML call itself. The set is read from
 * information_schema when the stubs are installed and after every definition
 * the emulator runs; a name that is stale only costs a needless loop.
 *
 * information_schema shows each user only what it may see, so one read is
 * one user's view of the set, never the whole of it: ./stub-installer.ts
 * merges reads instead of replacing the set with one.
 */
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { STUB_SCHEMA } from './stubs.ts';
import { utf8Literal } from './synthetic-result.ts';
import { isErr } from './upstream-errors.ts';

/** Views over views over ML calls: a few levels deep is what schemas use; more are not followed. */
const MAX_DEPTH = 5;

const DEFINITIONS = `SELECT TABLE_SCHEMA AS s, TABLE_NAME AS n, VIEW_DEFINITION AS d FROM information_schema.VIEWS
UNION ALL SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_DEFINITION FROM information_schema.ROUTINES`;

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);
const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * 'schema.name' (lower case) of every object this connection sees that
 * depends on an ML stub, or on one of `alsoReaching` (names of dependents
 * it cannot read: a view over another user's ALIAS function still counts).
 */
export async function loadMlDependents(up: ControlledUpstream, alsoReaching: readonly string[] = []): Promise<Set<string>> {
  const found = new Set<string>();
  let needles = [STUB_SCHEMA, ...new Set(alsoReaching)];
  for (let depth = 0; depth < MAX_DEPTH && needles.length > 0; depth++) {
    const like = needles.map((n) => `d LIKE ${utf8Literal(`%${escapeLike(n)}%`)}`).join(' OR ');
    const answer = await up.query(`SELECT s, n, d FROM (${DEFINITIONS}) defs WHERE s <> '${STUB_SCHEMA}' AND (${like})`);
    if (isErr(answer[0])) break;
    // LIKE found candidates; a name counts only as a whole word (a view `v` is not in `vat`).
    const word = new RegExp(`(^|[^\\w$])(${needles.map(escapeRegExp).join('|')})($|[^\\w$])`, 'i');
    const next: string[] = [];
    for (const [schema, name, definition] of textRows(answer, 3)) {
      if (schema == null || name == null || !word.test(definition ?? '')) continue;
      const key = `${schema}.${name}`.toLowerCase();
      if (found.has(key)) continue;
      found.add(key);
      next.push(name);
    }
    needles = next;
  }
  return found;
}

/** Keys per query: a long IN list is still one cheap statement. */
const READABLE_CHUNK = 200;

/**
 * Which of `keys` ('schema.name') this connection can read the definition of:
 * only for those can its read tell that an object no longer reaches ML.
 * Objects it cannot see, or sees without their text (no SHOW VIEW, another
 * definer's routine), are another user's to judge.
 */
export async function readableDefinitions(up: ControlledUpstream, keys: readonly string[]): Promise<Set<string>> {
  const readable = new Set<string>();
  for (let start = 0; start < keys.length; start += READABLE_CHUNK) {
    const pairs = keys.slice(start, start + READABLE_CHUNK).map((key) => {
      const dot = key.lastIndexOf('.');
      return `(${utf8Literal(key.slice(0, dot))}, ${utf8Literal(key.slice(dot + 1))})`;
    });
    const answer = await up.query(
      `SELECT s, n FROM (${DEFINITIONS}) defs WHERE d IS NOT NULL AND d <> '' AND (LOWER(s), LOWER(n)) IN (${pairs.join(', ')})`,
    );
    if (isErr(answer[0])) continue;
    for (const [schema, name] of textRows(answer, 2)) {
      if (schema != null && name != null) readable.add(`${schema}.${name}`.toLowerCase());
    }
  }
  return readable;
}
