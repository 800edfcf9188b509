/**
 * Issue 12, finding 2: the control-plane state survives restarts (it lives in
 * the upstream database), so after walking the `bare` preset's steps a
 * restart with the default `demo` preset still refused SageMaker, with no
 * word why and no way back but deleting data. The store now says how a stored
 * state differs from the preset, puts the preset back on request, and
 * refuses a state written in a newer format instead of misreading it.
 */
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ControlState } from '../src/control/model.ts';
import { openPgStateStore } from '../src/control/pg-state-store.ts';
import { describeDifferences } from '../src/control/preset-diff.ts';
import { controlStateFor } from '../src/control/presets.ts';
import { cliCommand, startCli } from './helpers/cli-process.ts';
import { UPSTREAM } from './helpers/emulator.ts';

const DATABASE = `aurora_ml_reset_${process.pid}`;
const ACCOUNT = '123456789012';
const preset = (name: 'demo' | 'bare') => controlStateFor(name, { accountId: ACCOUNT, region: 'us-east-1' });
let url: string;
let admin: pg.Client;

beforeAll(async () => {
  admin = new pg.Client({ connectionString: UPSTREAM });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${DATABASE}`);
  const u = new URL(UPSTREAM);
  u.pathname = `/${DATABASE}`;
  url = u.toString();
});

afterAll(async () => {
  await admin?.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`);
  await admin?.end();
});

async function withStore<T>(
  initial: () => ControlState,
  reset: boolean,
  use: (state: ControlState, update: (f: (s: ControlState) => void) => Promise<void>) => Promise<T>,
): Promise<T> {
  const store = await openPgStateStore({ url, initial, log: pino({ level: 'silent' }), reset });
  try {
    return await use(store.current(), (f) => store.update(f));
  } finally {
    await store.close();
  }
}

describe('a state changed under one preset, reopened under another', () => {
  it('is kept, and its differences from the new preset are named', async () => {
    // The README's bare walk: one role created and associated for Comprehend only.
    await withStore(
      () => preset('bare'),
      false,
      async (_state, update) => {
        await update((s) => {
          const role = preset('demo').roles['aurora-ml-comprehend'];
          if (role === undefined) throw new Error('demo preset lost its Comprehend role');
          s.roles[role.roleName] = role;
          s.clusters['aurora-ml-postgres']?.associatedRoles.push({
            roleArn: role.arn,
            featureName: 'Comprehend',
            associatedAt: 0,
          });
        });
      },
    );
    const lines = await withStore(
      () => preset('demo'),
      false,
      async (state) => describeDifferences(state, preset('demo'), 50),
    );
    expect(lines).toContain('IAM role aurora-ml-sagemaker is missing');
    expect(
      lines.some((l) =>
        /^cluster aurora-ml-postgres lacks the association SageMaker arn:aws:iam::\d+:role\/aurora-ml-sagemaker$/.test(l),
      ),
    ).toBe(true);
    // What the walk did is not reported: the role exists and the PostgreSQL cluster has the association.
    expect(
      lines.filter(
        (l) =>
          l.includes('role aurora-ml-comprehend') || l.startsWith('cluster aurora-ml-postgres lacks the association Comprehend'),
      ),
    ).toEqual([]);
  });

  it('--control-reset puts the preset back (and the next plain start keeps it)', async () => {
    const after = await withStore(
      () => preset('demo'),
      true,
      async (state) => describeDifferences(state, preset('demo')),
    );
    expect(after).toEqual([]);
    const next = await withStore(
      () => preset('demo'),
      false,
      async (state) => describeDifferences(state, preset('demo')),
    );
    expect(next).toEqual([]);
  });

  it('the differences are capped, with a count of the rest', () => {
    const lines = describeDifferences(preset('bare'), preset('demo'), 3);
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatch(/^and \d+ more$/);
  });
});

describe('a state written by a newer emulator', () => {
  it('is refused with a message naming --control-reset, and --control-reset replaces it', async () => {
    const direct = new pg.Client({ connectionString: url });
    await direct.connect();
    try {
      const { rows } = await direct.query<{ doc: string }>('SELECT doc FROM aurora_ml_control.state WHERE id = 1');
      const doc = JSON.parse(rows[0]?.doc ?? '{}') as Record<string, unknown>;
      await direct.query('UPDATE aurora_ml_control.state SET version = version + 1, doc = $1 WHERE id = 1', [
        JSON.stringify({ ...doc, formatVersion: 99, roles: 'a shape this version does not know' }),
      ]);
    } finally {
      await direct.end();
    }
    await expect(
      withStore(
        () => preset('demo'),
        false,
        async () => 'opened',
      ),
    ).rejects.toThrow(/newer aurora-ml-emulator \(format 99.*--control-reset/);
    const lines = await withStore(
      () => preset('demo'),
      true,
      async (state) => describeDifferences(state, preset('demo')),
    );
    expect(lines).toEqual([]);
  });
});

/** Starts the real CLI on `database`, returns its banner, then stops it. */
async function bannerOf(database: string, flags: readonly string[]): Promise<string> {
  const u = new URL(UPSTREAM);
  u.pathname = `/${database}`;
  const cli = await startCli({
    command: cliCommand(
      '--pg-upstream',
      u.toString(),
      '--pg-listen',
      '127.0.0.1:0',
      '--api-listen',
      '127.0.0.1:0',
      '--log-level',
      'warn',
      ...flags,
    ),
    timeoutMs: 60_000,
  });
  await cli.stop('SIGINT');
  return cli.output();
}

describe('the CLI, after a walk under --control-preset bare', () => {
  it('a default start says how the stored state differs from demo; --control-reset puts demo back', async () => {
    const database = `${DATABASE}_cli`;
    await admin.query(`CREATE DATABASE ${database}`);
    try {
      expect(await bannerOf(database, ['--control-preset', 'bare'])).toContain('control plane     preset bare');
      const u = new URL(UPSTREAM);
      u.pathname = `/${database}`;
      // The walk: someone associates a role by hand (here, straight in the stored state).
      const store = await openPgStateStore({ url: u.toString(), initial: () => preset('bare'), log: pino({ level: 'silent' }) });
      await store.update((s) => {
        s.clusters['aurora-ml-postgres']?.associatedRoles.push({
          roleArn: `arn:aws:iam::${ACCOUNT}:role/by-hand`,
          featureName: 'Comprehend',
          associatedAt: 0,
        });
      });
      await store.close();
      const plain = await bannerOf(database, []);
      expect(plain).toContain('control plane     stored state, which differs from preset demo:');
      expect(plain).toContain('IAM role aurora-ml-sagemaker is missing');
      expect(plain).toContain('--control-reset puts the preset back');
      const reset = await bannerOf(database, ['--control-reset']);
      expect(reset).toContain('control plane     preset demo');
      expect(await bannerOf(database, [])).toContain('control plane     preset demo');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    }
  }, 120_000);
});
