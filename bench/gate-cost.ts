/**
 * What the control plane's gate costs: the 50,000-row UPDATE through an
 * emulator with the gate and through one without it (config `gate: false`),
 * alternating over rounds on the same table, each run from all-NULL.
 */
import pg from 'pg';
import { ML_UPDATE } from './update50k.ts';
import { elapsedMs, median } from './util.ts';

export interface GateCostResult {
  readonly gatedMs: readonly number[];
  readonly ungatedMs: readonly number[];
  /** median(gated) / median(ungated). */
  readonly ratio: number;
}

/** One ML UPDATE of `rows` rows through `emulatorUrl`, after resetting the column directly: its time in ms. */
export async function timedUpdate(directUrl: string, emulatorUrl: string, rows: number): Promise<number> {
  const direct = new pg.Client({ connectionString: directUrl });
  const emu = new pg.Client({ connectionString: emulatorUrl });
  await Promise.all([direct.connect(), emu.connect()]);
  try {
    await direct.query('UPDATE tickets SET sentiment = NULL');
    await direct.query('VACUUM ANALYZE tickets');
    const started = performance.now();
    const result = await emu.query(ML_UPDATE);
    const ms = elapsedMs(started);
    if (result.rowCount !== rows) throw new Error(`the UPDATE updated ${String(result.rowCount)} rows, not ${rows}`);
    return ms;
  } finally {
    await Promise.all([direct.end(), emu.end()]);
  }
}

/** Needs the `tickets` table runUpdate50k leaves behind. */
export async function measureGateCost(options: {
  readonly directUrl: string;
  readonly gatedUrl: string;
  readonly ungatedUrl: string;
  readonly rows: number;
  readonly rounds: number;
}): Promise<GateCostResult> {
  const gatedMs: number[] = [];
  const ungatedMs: number[] = [];
  for (let round = 0; round < options.rounds; round++) {
    // Alternate the order so that drift favours neither.
    const order = round % 2 === 0 ? (['gated', 'ungated'] as const) : (['ungated', 'gated'] as const);
    for (const which of order) {
      const url = which === 'gated' ? options.gatedUrl : options.ungatedUrl;
      const ms = await timedUpdate(options.directUrl, url, options.rows);
      (which === 'gated' ? gatedMs : ungatedMs).push(ms);
      console.error(`  gate cost round ${round + 1} ${which}: ${ms.toFixed(0)} ms`);
    }
  }
  return { gatedMs, ungatedMs, ratio: median(gatedMs) / median(ungatedMs) };
}
