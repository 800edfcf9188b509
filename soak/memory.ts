/**
 * The test process's memory (the emulator runs in it), taken after a full
 * garbage collection when --expose-gc gave us one, else after a pause.
 */
export interface MemorySample {
  readonly rss: number;
  readonly heapUsed: number;
}

export const MB = 1024 * 1024;

export async function settledMemory(): Promise<MemorySample> {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setTimeout(r, gc ? 200 : 2000));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
}

export const inMb = (bytes: number) => (bytes / MB).toFixed(1);

/** Runs `count` jobs, `concurrency` at a time. */
export async function pool(count: number, concurrency: number, job: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await job(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
