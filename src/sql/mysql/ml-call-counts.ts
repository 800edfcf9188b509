/**
 * The argument counts Aurora MySQL accepts for its ML built-ins (each
 * registry entry's `argCounts` or `atLeast`), and which call it refuses
 * first. MySQL checks a native function's argument count while it parses the
 * statement, as it reaches the call's `)`: the refusal
 * (ER_WRONG_PARAMCOUNT_TO_NATIVE_FCT) comes before anything runs, and of
 * several wrong calls the one whose `)` comes first is reported, so an inner
 * call before the call around it.
 */
import { MYSQL_BUILTINS, type MysqlBuiltin } from '../../functions/registry.ts';
import type { MlCall } from './ml-calls.ts';

const BY_NAME: ReadonlyMap<string, MysqlBuiltin> = new Map(MYSQL_BUILTINS.map((b) => [b.name, b]));

/** Whether the built-in takes `count` arguments. */
export function acceptsArgCount(builtin: Pick<MysqlBuiltin, 'argCounts' | 'atLeast'>, count: number): boolean {
  return builtin.atLeast === undefined ? builtin.argCounts.includes(count) : count >= builtin.atLeast;
}

/**
 * The call the parser refuses for its argument count, or null. A call without
 * its `)` is left alone: the server reports that as a syntax error.
 */
export function wrongArgCountCall(calls: readonly MlCall[]): MlCall | null {
  let first: MlCall | null = null;
  for (const call of calls) {
    const builtin = BY_NAME.get(call.fn);
    if (builtin === undefined || call.close < 0 || acceptsArgCount(builtin, call.args.length)) continue;
    if (first === null || call.close < first.close) first = call;
  }
  return first;
}
