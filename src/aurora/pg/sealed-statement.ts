/**
 * Whether a prefetched statement runs nothing but its planned ML calls on
 * literals: `SELECT * FROM aws_comprehend.detect_sentiment('...', 'en')`,
 * `SELECT (aws_comprehend.detect_sentiment('...', 'en')).sentiment AS s`.
 * Such a statement, once its answers are written in, cannot reach a stub (the
 * prefetch found every call it makes) and runs no code of the user's (no
 * table, view, operator, cast or other function), so nothing in its run can
 * raise a miss notice, forged or real. The loop may then send the statement's
 * closing COMMIT or RELEASE SAVEPOINT right behind it (./ml-loop.ts): a run
 * that fails still ends as before, since PostgreSQL turns that COMMIT into a
 * ROLLBACK and refuses that RELEASE in an aborted block.
 *
 * Deliberately narrow: any token it does not know makes the answer false, and
 * the statement closes in a round trip of its own, as every other does.
 */

import { tokenize } from '../../sql/pg/lexer.ts';
import { findMlCalls } from '../../sql/pg/ml-calls.ts';
import type { PrefetchPlan } from '../../sql/pg/prefetch-plan.ts';
import type { Token } from '../../sql/pg/tokens.ts';

/** @param isField whether `name` is a field of the function's answer (not a function taking it, which `(x).name` could also call) */
export function runsOnlyItsCalls(sql: string, plan: PrefetchPlan, isField: (fn: string, name: string) => boolean): boolean {
  const calls = findMlCalls(sql);
  if (calls.length !== plan.sites.length || calls.some((c) => c.depth !== 0 || c.quoting !== 'none')) return false;
  const names: Array<readonly [number, number]> = plan.sites.map((s) => [s.call.start, s.call.nameEnd]);
  /** Where each planned `(call).field` ends: the field name's token ends there. */
  const fieldEnds = new Set<number>();
  for (const site of plan.sites) {
    if (site.field === undefined) continue;
    if (!isField(site.call.fn, site.field.name)) return false;
    fieldEnds.add(site.field.end);
  }
  const isPlannedField = (t: Token | undefined) => t?.kind === 'ident' && fieldEnds.has(t.end);
  const tokens = tokenize(sql);
  if (!isWord(tokens[0], 'select')) return false;
  let seenFrom = false;
  const inName = (t: Token) => names.some(([start, end]) => t.start >= start && t.end <= end);
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as Token;
    const before = tokens[i - 1];
    if (inName(t)) continue;
    switch (t.kind) {
      case 'string':
        // No backslash: the text lexes the same whatever standard_conforming_strings says.
        if (t.prefix !== '' || t.unterminated || t.invalid || sql.slice(t.start, t.end).includes('\\')) return false;
        continue;
      case 'number':
      // A statement parameter is a value, as a literal is (extended protocol).
      case 'param':
      case 'lparen':
      case 'rparen':
      case 'comma':
        continue;
      case 'semicolon':
        if (i !== tokens.length - 1) return false;
        continue;
      case 'op':
        if (t.text !== '*' || !isWord(before, 'select')) return false;
        continue;
      case 'dot':
        // `(call).field` of a planned site only.
        if (before?.kind !== 'rparen' || !isPlannedField(tokens[i + 1])) return false;
        continue;
      case 'ident':
        if (t.value === 'from') {
          if (seenFrom) return false;
          seenFrom = true;
          continue;
        }
        if (t.value === 'as' || t.value === 'null') continue;
        // `SELECT (call).sentiment WHERE false` makes no call: the rows decide, so the statement is not sealed.
        if (ROW_FILTERS.has(t.value)) return false;
        if (before?.kind === 'dot' && isPlannedField(t)) continue;
        // An alias, after AS, and not a column list or a function.
        if (isWord(before, 'as') && tokens[i + 1]?.kind !== 'lparen') continue;
        // A column of the calls' answers in the target list (FROM holds nothing else): not a
        // function (no parenthesis), not qualified.
        if (!seenFrom && before?.kind !== 'dot' && tokens[i + 1]?.kind !== 'lparen' && tokens[i + 1]?.kind !== 'dot') {
          continue;
        }
        return false;
      case 'quoted_ident':
        if (isWord(before, 'as') && !t.unterminated && !t.invalid && tokens[i + 1]?.kind !== 'lparen') continue;
        return false;
      default:
        return false;
    }
  }
  return true;
}

/** Clauses that decide whether the target list is evaluated at all. */
const ROW_FILTERS: ReadonlySet<string> = new Set(['where', 'having', 'limit', 'offset', 'fetch']);

function isWord(token: Token | undefined, word: string): boolean {
  return token?.kind === 'ident' && token.value === word;
}
