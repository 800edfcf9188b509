/**
 * The misses one run of the ML loop (./ml-loop.ts) left behind, read as the
 * distinct calls still to answer: from the session's miss table and the last
 * miss, or, after a run that failed (and took its miss rows with it), from
 * the user variable the stubs spill their misses into (./stubs.ts).
 */
import { EmulatorError } from '../../errors.ts';
import type { JsonValue, MlCall, MlFunction } from '../../ml/calls.ts';
import { SPILL_VARIABLE } from './session-objects.ts';

/**
 * The misses a run recorded in the miss table (rows `[k, f, a]`), and its last miss
 * (`[k, f, a]` as JSON, or NULL): the only one when the run missed once.
 */
export function distinctMisses(
  rows: readonly (readonly (string | null | undefined)[])[],
  lastMiss: string | null | undefined,
  known: ReadonlySet<string>,
): MlCall[] {
  const lastRow = lastMiss == null ? [] : [JSON.parse(lastMiss) as (string | null)[]];
  return distinct([...rows, ...lastRow], known);
}

/** The misses a run spilled: `[k, f, a],` after one another (the spill variable's value). */
export function spilledMisses(text: string | null | undefined, known: ReadonlySet<string>): MlCall[] {
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
