/**
 * Issue 11, finding 13: a `/` in an upstream password crashed the start-up
 * and printed the whole URL; an `@` in it leaked part of the password in the
 * banner. The CLI now stops with advice that repeats nothing of the URL, and
 * the banner shows *** for any password.
 */
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { redactUrl } from '../src/upstream-url.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'pa/ss';

/** Runs the CLI until it prints its banner (then stops it) or exits; returns what it wrote. */
function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, AURORA_ML_PG_UPSTREAM: '', AURORA_ML_MYSQL_UPSTREAM: '' },
    });
    let out = '';
    const collect = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (out.includes('then  ')) child.kill('SIGTERM');
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
    setTimeout(() => child.kill('SIGKILL'), 60_000).unref();
  });
}

const listen = [
  '--pg-listen',
  '127.0.0.1:0',
  '--api-listen',
  '127.0.0.1:0',
  '--data-dir',
  path.join(tmpdir(), `aml-cli-${process.pid}`),
];

describe('upstream URLs with passwords', () => {
  it('a / in the password: the start stops with advice, and nothing of the URL is printed', async () => {
    const r = await runCli([...listen, '--pg-upstream', `postgres://postgres:${SECRET}@127.0.0.1:5432/postgres`]);
    expect(r.code).toBe(2);
    expect(r.out).toContain('%2F');
    expect(r.out).not.toContain('pa/');
    expect(r.out).not.toContain('/ss@');
  });

  it('an @ in the password (as given or encoded): the banner shows *** and no part of it', async () => {
    // Trust auth: the password is not checked, so the emulator starts and prints its banner.
    const r = await runCli([...listen, '--pg-upstream', 'postgres://postgres:p@ss@127.0.0.1:5432/postgres']);
    expect(r.out).toContain('aurora-ml-emulator is running');
    expect(r.out).toContain('postgres:***@127.0.0.1:5432');
    expect(r.out).not.toMatch(/p@ss|p%40ss|ss@127/);
  }, 90_000);

  it('redactUrl hides every password and never echoes an unparseable URL', () => {
    expect(redactUrl('mysql://root:s%2Fe%40c@db:3306/app')).toBe('mysql://root:***@db:3306/app');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
    expect(redactUrl(`postgres://u:${SECRET}@h/db`)).not.toContain('pa/');
  });
});
