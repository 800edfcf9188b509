/**
 * The soak's figures: each file appends its lines here, and the global
 * teardown prints them all together at the end of the run.
 */
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const SUMMARY_FILE = join(tmpdir(), `aurora-ml-soak-summary-${process.env.SOAK_RUN_ID ?? 'local'}.txt`);

export function recordFigure(line: string): void {
  console.log(`[soak] ${line}`);
  appendFileSync(SUMMARY_FILE, `${line}\n`);
}
