/**
 * Runs a fuzz budget: case i gets its own seed (from the run's seed), cases
 * run a few at a time, and after every batch a check that needs a quiet
 * server (upstream sessions back to baseline) runs. Failures are collected
 * with the seed and index that replay them, not thrown at the first one, so
 * one run shows every distinct problem.
 */
import { caseSeed, fuzzSeed, onlyCase, Rng } from './budget.ts';

export interface FuzzFailure {
  readonly index: number;
  readonly label: string;
  readonly error: string;
}

export interface FuzzReport {
  readonly name: string;
  readonly seed: number;
  readonly cases: number;
  readonly failures: readonly FuzzFailure[];
  readonly ms: number;
  /** Per-label counts of what the cases were (families), for the summary. */
  readonly families: Readonly<Record<string, number>>;
}

export interface FuzzPlan {
  readonly name: string;
  readonly cases: number;
  /** Cases in flight at once. */
  readonly concurrency: number;
  /** Cases between two batch checks. */
  readonly batch: number;
  /** Runs one case; returns its family label; throws on a finding. */
  readonly runCase: (rng: Rng, index: number) => Promise<string>;
  /** After each batch: throws on a finding (e.g. leaked upstream sessions). */
  readonly afterBatch?: (lastIndex: number) => Promise<void>;
}

const describeError = (err: unknown) => (err instanceof Error ? err.message : String(err));

export async function runFuzz(plan: FuzzPlan): Promise<FuzzReport> {
  const seed = fuzzSeed();
  const only = onlyCase();
  const indexes = only === undefined ? [...Array(plan.cases).keys()] : [only];
  console.log(`[fuzz] ${plan.name}: seed=${seed} cases=${indexes.length} (replay: FUZZ_SEED=${seed} FUZZ_CASE=<index>)`);
  const started = performance.now();
  const failures: FuzzFailure[] = [];
  const families: Record<string, number> = {};
  for (let from = 0; from < indexes.length; from += plan.batch) {
    const batch = indexes.slice(from, from + plan.batch);
    let next = 0;
    const worker = async () => {
      while (next < batch.length) {
        const index = batch[next++] as number;
        const rng = new Rng(caseSeed(seed, plan.name, index));
        try {
          const label = await plan.runCase(rng, index);
          const family = label.split(':')[0] ?? label;
          families[family] = (families[family] ?? 0) + 1;
        } catch (err) {
          failures.push({ index, label: 'case', error: describeError(err) });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(plan.concurrency, batch.length) }, worker));
    try {
      await plan.afterBatch?.(batch[batch.length - 1] as number);
    } catch (err) {
      failures.push({ index: batch[batch.length - 1] as number, label: 'after batch', error: describeError(err) });
    }
  }
  const ms = Math.round(performance.now() - started);
  const report = { name: plan.name, seed, cases: indexes.length, failures, ms, families };
  console.log(
    `[fuzz] ${plan.name}: ${report.cases} cases in ${ms} ms, ${failures.length} failure(s); families ${JSON.stringify(families)}`,
  );
  for (const f of failures.slice(0, 20)) console.log(`[fuzz] ${plan.name} #${f.index} (${f.label}): ${f.error}`);
  return report;
}

/** Polls `read` until it returns `expected` or less (extra sessions take a moment to end); the last value read. */
export async function settlesTo(read: () => Promise<number>, expected: number, timeoutMs = 10_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const n = await read();
    if (n <= expected || Date.now() > deadline) return n;
    await new Promise((r) => setTimeout(r, 100));
  }
}
