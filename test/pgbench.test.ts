/**
 * pgbench through the emulator: select-only and TPC-B, simple and extended
 * protocol, with zero failed transactions. (Throughput is measured by
 * `npm run bench`, not here.)
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

const run = promisify(execFile);
let env: TestEmulator;

beforeAll(async () => {
  env = await startTestEmulator();
  await run('pgbench', ['-i', '-s', '1', '-q', env.directUrl]);
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

const cases = [
  { name: 'select-only, simple protocol', args: ['-S', '-M', 'simple'] },
  { name: 'select-only, extended protocol', args: ['-S', '-M', 'extended'] },
  { name: 'select-only, prepared statements', args: ['-S', '-M', 'prepared'] },
  { name: 'TPC-B, simple protocol', args: ['-M', 'simple'] },
  { name: 'TPC-B, extended protocol', args: ['-M', 'extended'] },
];

for (const c of cases) {
  it(`pgbench ${c.name}: no failed transaction`, async () => {
    const { stdout } = await run('pgbench', [...c.args, '-c', '4', '-j', '2', '-t', '300', '--no-vacuum', env.url]);
    const processed = /number of transactions actually processed: (\d+)/.exec(stdout);
    expect(Number(processed?.[1])).toBe(1200);
    expect(stdout).toMatch(/number of failed transactions: 0 /);
  });
}
