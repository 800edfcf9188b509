/**
 * The seed and the number of cases of a fuzz run. `npm test` uses a fixed
 * seed and a small budget so it is repeatable and quick; FUZZ_SEED (a number,
 * or `random`) and FUZZ_CASES explore further, and the soak raises the budget.
 * Every run prints its seed so a failure found with a random one replays.
 */
import { caseSeed, Rng } from '../pg-differential/prng.ts';

export { caseSeed, Rng };

/** The seed `npm test` always uses. */
export const DEFAULT_SEED = 20_240_611;

export function fuzzSeed(): number {
  const raw = process.env.FUZZ_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  if (raw === 'random') return Math.floor(Math.random() * 2 ** 31);
  const n = Number(raw);
  if (!Number.isInteger(n)) throw new Error(`FUZZ_SEED must be an integer or "random", not ${raw}`);
  return n;
}

/** FUZZ_CASES, else the suite's own default. */
export function fuzzCases(defaultCases: number): number {
  const raw = process.env.FUZZ_CASES;
  if (raw === undefined || raw === '') return defaultCases;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new Error(`FUZZ_CASES must be a positive integer, not ${raw}`);
  return n;
}

/** FUZZ_CASE=<index> replays that one case only (with the same seed). */
export function onlyCase(): number | undefined {
  const raw = process.env.FUZZ_CASE;
  return raw === undefined || raw === '' ? undefined : Number(raw);
}
