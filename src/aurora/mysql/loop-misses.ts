/**
 * The misses one run of the ML loop (./ml-loop.ts) left behind, read as the
 * distinct calls still to answer: from the session's miss table and the last
 * miss, or, after a run that failed (and took its miss rows with it), from
 * the user variable the stubs spill their misses into (./stubs.ts).
 */
import { EmulatorError } from '../../errors.ts';
import type { JsonValue, MlCall, MlFunction } from '../../ml/calls.ts';
import type { Packet } from '../../wire/mysql/framer.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import { SPILL_VARIABLE } from './session-objects.ts';

/** The misses a run recorded in the miss table, and its last miss (`[k, f, a]`, or NULL). */
export function distinctMisses(answer: readonly Packet[], last: readonly Packet[], known: ReadonlySet<string>): MlCall[] {
  const lastMiss = textRows(last, 1)[0]?.[0];
  const lastRow = lastMiss == null ? [] : [JSON.parse(lastMiss) as (string | null)[]];
  return distinct([...textRows(answer, 3), ...lastRow], known);
}

/** The misses a run spilled: `[k, f, a],` after one another. */
export function spilledMisses(answer: readonly Packet[], known: ReadonlySet<string>): MlCall[] {
  const text = textRows(answer, 1)[0]?.[0];
  // CONCAT gives NULL (warning 1301) once the variable would outgrow max_allowed_packet: the
  // misses so far are gone, and the later ones went to the miss table the failure rolled back.
  if (text == null) throw spillOverflow();
  if (text === '') return [];
  return distinct(JSON.parse(`[${text.slice(0, -1)}]`) as (string | null)[][], known);
}

function spillOverflow(): EmulatorError {
  return new EmulatorError(
    'UnsafeMlStatement',
    `aurora-ml-emulator cannot run the ML calls of this statement: it failed on the emulator's placeholder answers, and the arguments of its calls, kept in ${SPILL_VARIABLE} until they are answered, exceed max_allowed_packet`,
    { hint: 'Make the statement succeed whatever the ML calls return, or run it over fewer rows at a time' },
  );
}

function distinct(misses: Iterable<readonly (string | null | undefined)[]>, known: ReadonlySet<string>): MlCall[] {
  const calls = new Map<string, MlCall>();
  for (const [k, f, a] of misses) {
    if (k == null || f == null || a == null || known.has(k) || calls.has(k)) continue;
    calls.set(k, { fn: f as MlFunction, key: k, args: JSON.parse(a) as JsonValue[] });
  }
  return [...calls.values()];
}
