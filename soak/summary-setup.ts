/** Starts the soak's summary file empty and prints it when every file has run. */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  // Workers inherit this, so they write to the same file.
  process.env.SOAK_RUN_ID = String(process.pid);
  const started = Date.now();
  return () => {
    const file = join(tmpdir(), `aurora-ml-soak-summary-${process.pid}.txt`);
    const lines = existsSync(file) ? readFileSync(file, 'utf8').trim() : '(no figures recorded)';
    console.log(`\n==== soak summary (${Math.round((Date.now() - started) / 1000)} s) ====\n${lines}\n`);
    rmSync(file, { force: true });
  };
}
