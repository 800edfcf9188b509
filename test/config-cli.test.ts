/**
 * Options: flags override the environment, which overrides the YAML file; the
 * CLI prints one block with where to connect, and that connection works.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { defaults, loadConfig } from '../src/config.ts';
import { startEmulator } from '../src/index.ts';
import { CONFIG_FILE, OPTION_LIST, type OptionDocs } from '../src/options/table.ts';
import { mysqlUrl, UPSTREAM } from './helpers/emulator.ts';

const dir = mkdtempSync(join(tmpdir(), 'aurora-ml-config-'));
const file = join(dir, 'emulator.yaml');
writeFileSync(
  file,
  `pgListen: 127.0.0.1:7001
pgUpstream: postgres://file@127.0.0.1:5432/file
strict: true
sagemaker:
  endpoints:
    churn: { kind: module, path: ./models/churn.ts }
`,
);

describe('loadConfig', () => {
  it('uses the defaults with nothing given', () => {
    const c = loadConfig([], {});
    expect(c.pgListen).toBe('127.0.0.1:5433');
    expect(c.pgUpstream).toBeUndefined();
    expect(c.strict).toBe(false);
    expect(c.pgEngineVersion).toBe(defaults.pgEngineVersion);
  });

  it('file < environment < flags', () => {
    const fileOnly = loadConfig(['--config', file], {});
    expect(fileOnly.pgListen).toBe('127.0.0.1:7001');
    expect(fileOnly.strict).toBe(true);
    // Relative paths in the file resolve against its folder (issue 12, finding 4).
    expect(fileOnly.sagemakerEndpoints).toEqual({ churn: { kind: 'module', path: join(dir, 'models/churn.ts') } });
    const env = { AURORA_ML_CONFIG: file, AURORA_ML_PG_LISTEN: '127.0.0.1:7002', AURORA_ML_STRICT: '0' };
    const withEnv = loadConfig([], env);
    expect(withEnv.pgListen).toBe('127.0.0.1:7002');
    expect(withEnv.strict).toBe(false);
    expect(withEnv.pgUpstream).toBe('postgres://file@127.0.0.1:5432/file');
    const withFlags = loadConfig(['--pg-listen', '127.0.0.1:7003', '--pg-upstream', 'postgres://flag@h:1/db', '--strict'], env);
    expect(withFlags.pgListen).toBe('127.0.0.1:7003');
    expect(withFlags.pgUpstream).toBe('postgres://flag@h:1/db');
    expect(withFlags.strict).toBe(true);
  });

  it('rejects unknown flags', () => {
    expect(() => loadConfig(['--no-such-flag'], {})).toThrow();
  });
});

describe('the aurora-ml-emulator command', () => {
  it('--help lists every option of the option table: its flag, variable and config key', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', '--help'], {
      cwd: new URL('..', import.meta.url),
    });
    const documented: readonly OptionDocs[] = [CONFIG_FILE, ...OPTION_LIST];
    const names = documented.flatMap((o) => [
      ...(o.flag === undefined ? [] : [`--${o.flag}`]),
      ...(o.env === undefined ? [] : [o.env]),
      ...(o.configKey === undefined ? [] : [o.configKey]),
    ]);
    // As whole words: --pg-listen must not pass by way of --pg-listen-something.
    const words = new Set(stdout.split(/[\s[\];=]+/));
    expect(names.length).toBeGreaterThan(40);
    expect(names.filter((n) => !words.has(n))).toEqual([]);
  });

  it('prints where it listens, the upstream and a working connection string', async () => {
    const child = spawn(
      process.execPath,
      [
        'bin/aurora-ml-emulator.js',
        '--pg-listen',
        '127.0.0.1:0',
        '--api-listen',
        '127.0.0.1:0',
        '--pg-upstream',
        UPSTREAM,
        '--log-level',
        'warn',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LOG_FORMAT: 'json' } },
    );
    try {
      let out = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 20_000);
        child.stdout.on('data', (d: Buffer) => {
          out += d.toString();
          const m = /connect\s+psql (\S+)/.exec(out);
          if (m?.[1]) {
            clearTimeout(timer);
            resolve(m[1]);
          }
        });
        child.on('exit', (code) => reject(new Error(`exited ${code}: ${out}`)));
      });
      expect(out).toMatch(/PostgreSQL front\s+127\.0\.0\.1:\d+/);
      expect(out).toContain('MySQL front       off (add --mysql-upstream');
      expect(out).toMatch(/AWS APIs {10}http:\/\/127\.0\.0\.1:\d+ {2}\(RDS, IAM, Comprehend/);
      expect(out).toContain('upstream          postgres://postgres@127.0.0.1:5432/postgres');
      const c = new pg.Client(url);
      await c.connect();
      const { rows } = await c.query('SELECT 1 AS one');
      expect(rows).toEqual([{ one: 1 }]);
      await c.end();
    } finally {
      child.kill('SIGTERM');
    }
  });
});

describe('startEmulator with a MySQL upstream', () => {
  it('serves the MySQL front at the address it reports', async () => {
    await using emu = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: UPSTREAM,
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: mysqlUrl(),
      logger: pino({ level: 'silent' }),
    });
    expect(emu.mysql?.url).toMatch(/^mysql:\/\/root@127\.0\.0\.1:\d+\/test$/);
    const connection = await mysql.createConnection(emu.mysql?.url ?? '');
    try {
      const [rows] = await connection.query('SELECT DATABASE() AS db, 40 + 2 AS answer');
      expect(rows).toEqual([{ db: 'test', answer: 42 }]);
    } finally {
      await connection.end();
    }
  });
});
