/**
 * The case for (run seed, family, index), and how a run's case count is
 * shared between the families.
 */
import { type Case, CaseBuilder, epilogue, FAMILIES, type Family } from './case.ts';
import { cursorCase } from './families/cursors.ts';
import { extendedCase } from './families/extended.ts';
import { prepareCase } from './families/prepare.ts';
import { simpleCase } from './families/simple.ts';
import { transactionCase } from './families/transactions.ts';
import { caseSeed, Rng } from './prng.ts';

export type WireFamily = Exclude<Family, 'driver'>;

const GENERATORS: Record<WireFamily, (b: CaseBuilder) => void> = {
  simple: simpleCase,
  extended: extendedCase,
  transactions: transactionCase,
  cursors: cursorCase,
  prepare: prepareCase,
};

/** Share of the run's cases per family. */
const SHARE: Record<Family, number> = {
  simple: 0.2,
  extended: 0.3,
  transactions: 0.15,
  cursors: 0.15,
  prepare: 0.1,
  driver: 0.1,
};

export function casesPerFamily(total: number): Record<Family, number> {
  return Object.fromEntries(FAMILIES.map((f) => [f, Math.max(1, Math.round(total * SHARE[f]))])) as Record<Family, number>;
}

export function generateCase(runSeed: number, family: WireFamily, index: number): Case {
  const seed = caseSeed(runSeed, family, index);
  const b = new CaseBuilder(new Rng(seed));
  GENERATORS[family](b);
  return b.build(family, index, seed, epilogue(family === 'prepare' ? '; DEALLOCATE ALL' : ''));
}
