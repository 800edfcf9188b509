import type { BatchProgress } from './statement-trace.ts';

/** Runs batch jobs with bounded concurrency, stopping at the first failure; `progress` hears of each. */
export async function runBatches<T>(
  jobs: readonly (() => Promise<T>)[],
  concurrency: number,
  progress?: BatchProgress,
): Promise<T[]> {
  progress?.batchesPlanned(jobs.length);
  const results: T[] = new Array(jobs.length);
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < jobs.length) {
      const index = next++;
      const job = jobs[index] as () => Promise<T>;
      try {
        results[index] = await job();
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        progress?.batchDone();
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, jobs.length) }, worker));
  return results;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
