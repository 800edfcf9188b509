/**
 * The stub database is shared by every emulator in front of one MySQL/MariaDB
 * server (several CI jobs, a developer's emulator beside the test suite's).
 * An emulator that starts must leave stubs of its own version alone: before,
 * each start dropped and re-created them, and another emulator's ML
 * statements failed in between with 1305 (FUNCTION does not exist).
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STUB_SCHEMA, STUB_VERSION } from '../src/aurora/mysql/stubs.ts';
import type { Emulator } from '../src/index.ts';
import { mysqlConnectionOptions, startMysqlEmulator } from './helpers/emulator.ts';

const DB = `aml_stubs_${process.pid}`;
const ML = "SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s";

let admin: mysql.Connection;
const emulators: Emulator[] = [];

async function start(): Promise<mysql.Connection> {
  const emu = await startMysqlEmulator(DB);
  emulators.push(emu);
  return mysql.createConnection(emu.mysql?.url ?? '');
}

/** Each stub's version comment and its definition's identity (CREATED changes when it is re-created). */
async function stubs(): Promise<Map<string, { comment: string; created: string }>> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(
    `SELECT ROUTINE_NAME AS name, ROUTINE_COMMENT AS comment, CAST(CREATED AS CHAR) AS created
       FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = ? ORDER BY ROUTINE_NAME`,
    [STUB_SCHEMA],
  );
  return new Map(rows.map((r) => [r.name as string, { comment: r.comment as string, created: r.created as string }]));
}

beforeAll(async () => {
  admin = await mysql.createConnection(mysqlConnectionOptions());
  await admin.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
});

afterAll(async () => {
  for (const emu of emulators) await emu.close();
  await admin?.query(`DROP DATABASE IF EXISTS ${DB}`);
  await admin?.end();
});

describe('stubs shared by several emulators on one server', () => {
  it('a second emulator keeps the stubs of its version, re-creates an outdated one, and the first never sees 1305', async () => {
    const first = await start();
    const [[answer]] = await first.query<mysql.RowDataPacket[]>(ML);
    expect(answer?.s).toBe('POSITIVE');
    const before = await stubs();
    expect(before.size).toBeGreaterThan(5);
    for (const { comment } of before.values()) expect(comment).toBe(STUB_VERSION);

    // One stub from an older release; CREATED has a one-second resolution.
    const [outdated] = [...before.keys()];
    await admin.query(`ALTER FUNCTION ${STUB_SCHEMA}.${outdated} COMMENT 'aurora-ml-emulator stub 0000000000000000'`);
    await new Promise((resolve) => setTimeout(resolve, 1100));

    // The first emulator keeps running ML statements while the second installs.
    let running = true;
    const errors: string[] = [];
    let answered = 0;
    const traffic = (async () => {
      while (running) {
        try {
          await first.query(ML);
          answered++;
        } catch (err) {
          errors.push((err as Error).message);
        }
      }
    })();
    const second = await start();
    const [[again]] = await second.query<mysql.RowDataPacket[]>(ML);
    running = false;
    await traffic;
    expect(again?.s).toBe('POSITIVE');
    expect(errors).toEqual([]);
    expect(answered).toBeGreaterThan(0);

    const after = await stubs();
    expect([...after.keys()]).toEqual([...before.keys()]);
    for (const [name, stub] of after) {
      expect(stub.comment).toBe(STUB_VERSION);
      if (name === outdated) expect(stub.created).not.toBe(before.get(name)?.created);
      else expect(stub.created).toBe(before.get(name)?.created);
    }
    await first.end();
    await second.end();
  });
});
