/**
 * Issue 12, findings 3 and 4: start-up mistakes were stack traces that did
 * not name the flag, some only after the embedded PostgreSQL had started, and
 * others were accepted silently (a role that does not exist, a mysql:// URL
 * for PostgreSQL, an unreachable upstream, a misspelt YAML key). Each now
 * stops the real CLI before anything starts, in at most two lines naming
 * what to fix, with exit code 2 for usage errors and 1 for the environment.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import pino from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.ts';
import { startEmulator } from '../src/index.ts';
import { StartupError } from '../src/startup-errors.ts';
import { cliCommand, startCli } from './helpers/cli-process.ts';
import { UPSTREAM } from './helpers/emulator.ts';

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..');
const work = mkdtempSync(path.join(tmpdir(), 'aml-cli-startup-'));
const MYSQL = `mysql://root@127.0.0.1:${process.env.TEST_MYSQL_PORT ?? 3306}/test`;

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real CLI with no AURORA_ML_ variables but `env`; stops it once it prints its banner. */
async function runCli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AURORA_ML_')));
  const cli = await startCli({
    command: cliCommand(...args),
    cwd: ROOT,
    env: { ...clean, LOG_FORMAT: 'json', ...env },
    timeoutMs: 60_000,
    mayExitFirst: true,
  });
  const code = await cli.stop('SIGTERM');
  return { code, stdout: cli.stdout(), stderr: cli.stderr() };
}

/** A failed start: the exit code, at most two lines naming `option`, no stack trace, no banner. */
function expectStartupFailure(r: Run, exitCode: 1 | 2, option: string): string[] {
  const lines = r.stderr.trimEnd().split('\n');
  expect(r.code, r.stderr).toBe(exitCode);
  expect(lines.length, r.stderr).toBeLessThanOrEqual(2);
  expect(lines[0]).toContain(option);
  expect(r.stderr).not.toContain('    at ');
  expect(r.stdout).not.toContain('is running');
  return lines;
}

/** Ports 0 and a data directory that must stay absent, so a failure that started anything shows. */
function quiet(name: string): { args: string[]; dataDir: string } {
  const dataDir = path.join(work, `data-${name}`);
  return { args: ['--pg-listen', '127.0.0.1:0', '--api-listen', '127.0.0.1:0', '--data-dir', dataDir], dataDir };
}

function yaml(name: string, text: string, folder = work): string {
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  writeFileSync(file, text);
  return file;
}

describe.concurrent('usage errors: exit 2, the option named, before anything starts', () => {
  it('--pg-listen 5433x', async () => {
    const { args, dataDir } = quiet('listen');
    const [line] = expectStartupFailure(await runCli([...args, '--pg-listen', '5433x']), 2, '--pg-listen');
    expect(line).toContain('HOST:PORT');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('--pg-upstream foo', async () => {
    expectStartupFailure(await runCli([...quiet('foo').args, '--pg-upstream', 'foo']), 2, '--pg-upstream');
  });

  it('--pg-upstream mysql://... names the scheme it wants', async () => {
    const { args, dataDir } = quiet('scheme');
    const [line] = expectStartupFailure(await runCli([...args, '--pg-upstream', MYSQL]), 2, '--pg-upstream');
    expect(line).toContain('postgres://');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('--mysql-upstream postgres://... names the scheme it wants', async () => {
    const r = await runCli([...quiet('myscheme').args, '--pg-upstream', UPSTREAM, '--mysql-upstream', UPSTREAM]);
    expect(expectStartupFailure(r, 2, '--mysql-upstream')[0]).toContain('mysql://');
  });

  it('--log-level loud lists the levels', async () => {
    const r = await runCli([...quiet('level').args, '--log-level', 'loud']);
    expect(expectStartupFailure(r, 2, '--log-level')[0]).toContain('debug');
  });

  it('a bad --control-preset, and a bad backends preset in the config file', async () => {
    const r = await runCli([...quiet('preset').args, '--control-preset', 'demoo']);
    expect(expectStartupFailure(r, 2, '--control-preset')[0]).toContain('did you mean demo?');
    const file = yaml('bad-preset.yaml', 'backends:\n  preset: loud\n');
    const { args, dataDir } = quiet('backends-preset');
    const r2 = await runCli([...args, '--config', file]);
    expect(expectStartupFailure(r2, 2, `backends in ${file}`)[0]).toContain('realistic');
    expect(r2.stderr).not.toContain('undefined');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('an unknown YAML key: endpoint for endpoints, with a did-you-mean', async () => {
    const file = yaml('typo.yaml', 'sagemaker:\n  endpoint:\n    churn: { kind: module, path: ./churn.mjs }\n');
    const { args, dataDir } = quiet('typo');
    const [line] = expectStartupFailure(await runCli([...args, '--config', file]), 2, `sagemaker.endpoint in ${file}`);
    expect(line).toContain('did you mean endpoints?');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a misspelt flag and a misspelt environment variable get a did-you-mean', async () => {
    const r = await runCli([...quiet('flag').args, '--pg-upstrem', UPSTREAM]);
    expect(expectStartupFailure(r, 2, '--pg-upstrem')[0]).toContain('did you mean --pg-upstream?');
    const r2 = await runCli(quiet('env').args, { AURORA_ML_PG_UPSTREM: UPSTREAM });
    expect(expectStartupFailure(r2, 2, 'AURORA_ML_PG_UPSTREM')[0]).toContain('did you mean AURORA_ML_PG_UPSTREAM?');
  });

  it('a bad value names where it came from: environment variable or config key', async () => {
    const r = await runCli(['--api-listen', '127.0.0.1:0'], { AURORA_ML_PG_LISTEN: 'localhost' });
    expectStartupFailure(r, 2, 'AURORA_ML_PG_LISTEN');
    const file = yaml('bad-listen.yaml', 'apiListen: 127.0.0.1:99999\n');
    expectStartupFailure(await runCli(['--pg-listen', '127.0.0.1:0', '--config', file]), 2, `apiListen in ${file}`);
  });

  it('--log-level debug adds the stack trace', async () => {
    const r = await runCli([
      ...quiet('debug').args,
      '--pg-upstream',
      'postgres://postgres@127.0.0.1:1/postgres',
      '--log-level',
      'debug',
    ]);
    expect(r.code).toBe(1);
    expect(r.stderr.split('\n')[0]).toContain('--pg-upstream');
    expect(r.stderr).toContain('    at ');
  });
});

describe.concurrent('environment errors: exit 1, the option named, before the banner', () => {
  it('a port in use: stops before the embedded PostgreSQL starts (no data directory)', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const { args, dataDir } = quiet('port');
      const r = await runCli([...args, '--api-listen', `127.0.0.1:${port}`]);
      expect(expectStartupFailure(r, 1, '--api-listen')[0]).toContain(`127.0.0.1:${port} is already in use`);
      expect(existsSync(dataDir)).toBe(false);
    } finally {
      taken.close();
    }
  });

  it('a role the upstream does not have', async () => {
    const r = await runCli([...quiet('role').args, '--pg-upstream', 'postgres://nosuchrole@127.0.0.1:5432/postgres']);
    expect(expectStartupFailure(r, 1, '--pg-upstream')[0]).toContain('role "nosuchrole" does not exist');
  });

  it('an unreachable upstream', async () => {
    const { args, dataDir } = quiet('unreachable');
    const r = await runCli([...args, '--pg-upstream', 'postgres://postgres@127.0.0.1:1/postgres']);
    expect(expectStartupFailure(r, 1, '--pg-upstream')[0]).toContain('127.0.0.1:1 (connection refused)');
    expect(existsSync(dataDir)).toBe(false);
  });

  it('the MySQL upstream: a wrong user, a wrong password, an unreachable server', async () => {
    const base = [...quiet('mysql').args, '--pg-upstream', UPSTREAM, '--mysql-listen', '127.0.0.1:0'];
    const noUser = await runCli([...base, '--mysql-upstream', MYSQL.replace('root@', 'nosuchuser@')]);
    expect(expectStartupFailure(noUser, 1, '--mysql-upstream')[0]).toContain("Access denied for user 'nosuchuser'");
    const badPassword = await runCli([...base, '--mysql-upstream', MYSQL.replace('root@', 'root:wrong@')]);
    expect(expectStartupFailure(badPassword, 1, '--mysql-upstream')[0]).toContain('using password: YES');
    const gone = await runCli([...base], { AURORA_ML_MYSQL_UPSTREAM: 'mysql://root@127.0.0.1:1/test' });
    expect(expectStartupFailure(gone, 1, 'AURORA_ML_MYSQL_UPSTREAM')[0]).toContain('connection refused');
  });
});

describe('paths in a config file', () => {
  const folder = path.join(work, 'elsewhere');
  let file: string;
  beforeAll(() => {
    yaml('model.mjs', 'export function invoke(body) { return "relative:" + body; }\n', folder);
    file = yaml(
      'emulator.yaml',
      'sagemaker:\n  endpoints:\n    rel: { kind: module, path: ./model.mjs }\ndataDir: ./data\n',
      folder,
    );
  });

  it('resolve against the file folder, not the working directory', () => {
    const c = loadConfig(['--config', file], {});
    expect(c.sagemakerEndpoints).toEqual({ rel: { kind: 'module', path: path.join(folder, 'model.mjs') } });
    expect(c.dataDir).toBe(path.join(folder, 'data'));
  });

  it('the CLI started from another folder serves the module endpoint', async () => {
    const cli = await startCli({
      command: cliCommand(
        '--config',
        file,
        '--pg-listen',
        '127.0.0.1:0',
        '--api-listen',
        '127.0.0.1:0',
        '--pg-upstream',
        UPSTREAM,
      ),
      cwd: ROOT,
      env: { ...process.env, LOG_FORMAT: 'json', AURORA_ML_CONFIG: '' },
      timeoutMs: 30_000,
    });
    try {
      const apiUrl = cli.address('AWS APIs');
      const client = new SageMakerRuntimeClient({
        endpoint: apiUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
      });
      const out = await client.send(
        new InvokeEndpointCommand({ EndpointName: 'rel', Body: Buffer.from('hi'), ContentType: 'text/plain' }),
      );
      expect(Buffer.from(out.Body ?? new Uint8Array()).toString()).toBe('relative:hi');
    } finally {
      await cli.stop('SIGTERM');
    }
  });
});

describe('startEmulator as a library', () => {
  it('throws a StartupError naming the option key, and starts nothing', async () => {
    const dataDir = path.join(work, 'library');
    const err = await startEmulator({ pgListen: 'nope', dataDir, logger: pino({ level: 'silent' }) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StartupError);
    expect((err as StartupError).exitCode).toBe(2);
    expect((err as Error).message).toMatch(/^pgListen: expected HOST:PORT/);
    expect(existsSync(dataDir)).toBe(false);
  });

  it('a port in use is an environment error naming apiListen', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      const err = await startEmulator({
        pgListen: '127.0.0.1:0',
        apiListen: `127.0.0.1:${port}`,
        pgUpstream: UPSTREAM,
        logger: pino({ level: 'silent' }),
      }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(StartupError);
      expect((err as StartupError).exitCode).toBe(1);
      expect((err as Error).message).toContain(`apiListen: 127.0.0.1:${port} is already in use`);
    } finally {
      taken.close();
    }
  });
});
