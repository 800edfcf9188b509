/**
 * Issue 11, findings 5 and 6: an unprivileged MySQL user cannot get past the
 * control plane's gate or MariaDB's KILL rule through the emulator.
 * - A failed COM_CHANGE_USER to the master user leaves the session the old
 *   user's (MariaDB restores the old account), so the gate still checks it.
 * - KILL QUERY of another user's in-flight ML statement is refused with the
 *   server's own 1095, as the same KILL straight on MariaDB is; a user with
 *   CONNECTION ADMIN may kill it.
 * Real MariaDB, real mysql2 clients, a real HTTP model container.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '../src/errors.ts';
import type { Emulator } from '../src/index.ts';
import { MYSQL_HOST, MYSQL_PORT, mysqlConnectionOptions, startMysqlEmulator } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

const DATABASE = `aml_gate_bypass_${process.pid}`;
const APP = `aml_gate_app_${process.pid}`;
const ADMIN = `aml_gate_admin_${process.pid}`;
const SENTIMENT = `SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`;
/** A distinct input each time, so no answer comes from a cache. */
let inputs = 0;
const slowScore = () => `SELECT aws_sagemaker_invoke_endpoint('slow-model', 'input ${++inputs}') AS s`;
const DIRECT = { host: MYSQL_HOST, port: MYSQL_PORT };

let emu: Emulator;
let root: mysql.Connection;
let model: InferenceContainer;

function through(user = 'root', password?: string): Promise<mysql.Connection> {
  const url = new URL(emu.mysql?.url ?? '');
  return mysql.createConnection({
    host: url.hostname,
    port: Number(url.port),
    user,
    ...(password === undefined ? {} : { password }),
  });
}

async function errorOf(run: () => Promise<unknown>): Promise<{ errno?: number; sqlState?: string; message: string }> {
  try {
    await run();
  } catch (err) {
    return err as { errno?: number; sqlState?: string; message: string };
  }
  throw new Error('expected an error, got success');
}

beforeAll(async () => {
  model = await InferenceContainer.start({ handler: (lines) => lines.map(() => '0.75') });
  root = await mysql.createConnection(mysqlConnectionOptions());
  await root.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE}`);
  emu = await startMysqlEmulator(DATABASE, {
    sagemakerEndpoints: { 'slow-model': { kind: 'container', url: model.url } },
  });
  for (const user of [APP, ADMIN]) {
    await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await root.query(`CREATE USER '${user}'@'%'`);
    await root.query(`GRANT EXECUTE, CREATE TEMPORARY TABLES ON aurora_ml.* TO '${user}'@'%'`);
  }
  await root.query(`GRANT CONNECTION ADMIN ON *.* TO '${ADMIN}'@'%'`);
  // The stubs are installed by the first ML statement (as the master user).
  const master = await through();
  await master.query(SENTIMENT);
  await master.end();
});

afterAll(async () => {
  await emu?.close();
  await model?.close();
  if (root !== undefined) {
    for (const user of [APP, ADMIN]) await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await root.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
    await root.end();
  }
});

describe('a failed COM_CHANGE_USER (finding 5)', () => {
  it('to the master user with a wrong password leaves the old user, and the gate still checks it', async () => {
    const app = await through(APP);
    try {
      const before = await errorOf(() => app.query(SENTIMENT));
      expect(before.errno).toBe(catalog.PermissionDenied.mysqlErrno);
      const refused = await errorOf(() => app.changeUser({ user: 'root', password: 'not-the-password' }));
      expect(refused).toMatchObject({ errno: 1045, sqlState: '28000' });
      // The server kept the old account...
      const [[me]] = await app.query<mysql.RowDataPacket[]>('SELECT CURRENT_USER() AS u');
      expect(me?.u).toBe(`${APP}@%`);
      // ...and so does the emulator: no master-user pass through the gate.
      const after = await errorOf(() => app.query(SENTIMENT));
      expect(after.errno).toBe(catalog.PermissionDenied.mysqlErrno);
    } finally {
      app.destroy();
    }
  });

  it('a successful COM_CHANGE_USER to the master user is the master user', async () => {
    const app = await through(APP);
    try {
      await expect(app.query(SENTIMENT)).rejects.toMatchObject({ errno: catalog.PermissionDenied.mysqlErrno });
      await app.changeUser({ user: 'root' });
      const [rows] = await app.query<mysql.RowDataPacket[]>(SENTIMENT);
      expect(rows).toEqual([{ s: 'POSITIVE' }]);
    } finally {
      app.destroy();
    }
  });
});

describe("KILL QUERY of another user's in-flight ML statement (finding 6)", () => {
  /** Starts the slow ML statement on a master-user connection; resolves with its outcome. */
  async function slowStatement(victim: mysql.Connection): Promise<{ readonly outcome: Promise<unknown> }> {
    model.set({ delayMs: 3000 });
    const asked = model.invocations.length;
    const outcome = victim.query<mysql.RowDataPacket[]>(slowScore()).then(
      ([rows]) => rows,
      (err: unknown) => err,
    );
    // In flight once the model has the request (and is sitting on it).
    while (model.invocations.length === asked) await new Promise((r) => setTimeout(r, 20));
    // Wrapped: an async function returning the promise itself would wait for it.
    return { outcome };
  }

  it('is refused with the server\'s 1095 "You are not owner of thread", and the statement completes', async () => {
    const victim = await through();
    const app = await through(APP);
    const appDirect = await mysql.createConnection({ ...DIRECT, user: APP });
    const bystander = await mysql.createConnection(mysqlConnectionOptions());
    try {
      // What MariaDB itself answers this user for a root thread.
      const reference = await errorOf(() => appDirect.query(`KILL QUERY ${bystander.threadId}`));
      expect(reference).toMatchObject({ errno: 1095, sqlState: 'HY000' });
      const { outcome } = await slowStatement(victim);
      const refused = await errorOf(() => app.query(`KILL QUERY ${victim.threadId}`));
      expect(refused).toMatchObject({
        errno: reference.errno,
        sqlState: reference.sqlState,
        message: `You are not owner of thread ${victim.threadId}`,
      });
      const connectionKill = await errorOf(() => app.query(`KILL ${victim.threadId}`));
      expect(connectionKill).toMatchObject({ errno: 1095, sqlState: 'HY000' });
      expect(await outcome).toEqual([{ s: '0.75' }]);
    } finally {
      model.set({ delayMs: 0 });
      await Promise.all([victim.end(), app.end(), appDirect.end(), bystander.end()]);
    }
  });

  it('a user with CONNECTION ADMIN may kill it (1317 for the victim, which goes on)', async () => {
    const victim = await through();
    const admin = await through(ADMIN);
    try {
      const { outcome } = await slowStatement(victim);
      await admin.query(`KILL QUERY ${victim.threadId}`);
      expect(await outcome).toMatchObject({ errno: 1317, sqlState: '70100' });
      model.set({ delayMs: 0 });
      const [rows] = await victim.query<mysql.RowDataPacket[]>(slowScore());
      expect(rows).toEqual([{ s: '0.75' }]);
    } finally {
      model.set({ delayMs: 0 });
      await Promise.all([victim.end(), admin.end()]);
    }
  });
});
