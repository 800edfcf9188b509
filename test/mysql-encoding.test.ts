/**
 * Issue 11, finding 8 (MySQL front): byte-exact data through ML statements.
 * - SET NAMES latin1: an ML INSERT of latin1 bytes stores what MariaDB stores
 *   for the same bytes without the emulator (HEX compared).
 * - A character_set_client whose bytes the emulator cannot keep exact is
 *   refused (1235 naming it); invalid UTF-8 reaches the server, which gives
 *   its own error.
 * - An empty model output is '' (not one NUL byte).
 * - On a server whose defaults are latin1 (a private MariaDB), Japanese and
 *   Russian text goes through the stubs unharmed.
 */
import mysql from 'mysql2/promise';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { MYSQL_HOST, MYSQL_PORT, mysqlConnectionOptions, startMysqlEmulator, UPSTREAM } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';
import { RawMySql } from './helpers/mysql-raw.ts';
import { type PrivateMariadb, startPrivateMariadb } from './helpers/private-mariadb.ts';

const DATABASE = `aml_encoding_${process.pid}`;
const DIRECT = mysqlConnectionOptions(DATABASE);
const LATIN1_COLLATION = 8; // latin1_swedish_ci
/** The model answers the text it was given, or nothing for 'empty'. */
const echo = (lines: string[]) => lines.map((line) => (line.replace(/^"|"$/g, '') === 'empty' ? '' : line.replace(/^"|"$/g, '')));

let emu: Emulator;
let direct: mysql.Connection;
let model: InferenceContainer;

const comQuery = (sql: Buffer) => Buffer.concat([Buffer.from([0x03]), sql]);

async function rawQuery(raw: RawMySql, sql: Buffer) {
  raw.write(comQuery(sql));
  return raw.answer();
}

beforeAll(async () => {
  model = await InferenceContainer.start({ handler: echo });
  const admin = await mysql.createConnection({ ...DIRECT, database: undefined });
  await admin.query(`CREATE DATABASE IF NOT EXISTS ${DATABASE} CHARACTER SET utf8mb4`);
  await admin.end();
  direct = await mysql.createConnection(DIRECT);
  await direct.query(
    'CREATE TABLE dishes (id INT PRIMARY KEY, name VARCHAR(64) CHARACTER SET utf8mb4, s VARCHAR(16)) ENGINE=InnoDB',
  );
  emu = await startMysqlEmulator(DATABASE, { sagemakerEndpoints: { echo: { kind: 'container', url: model.url } } });
});

afterAll(async () => {
  await emu?.close();
  await model?.close();
  await direct?.query(`DROP DATABASE IF EXISTS ${DATABASE}`);
  await direct?.end();
});

function rawThroughEmulator(): Promise<RawMySql> {
  const url = new URL(emu.mysql?.url ?? '');
  return RawMySql.connect({ port: Number(url.port), database: DATABASE, collation: LATIN1_COLLATION });
}

describe('client character sets', () => {
  it("SET NAMES latin1: an ML INSERT of 'Crème brûlée €5' stores the bytes MariaDB stores", async () => {
    const text = 'Crème brûlée €5';
    // MariaDB's latin1 is Windows-1252: è = E8, û = FB, é = E9, € = 80.
    const latin1 = Buffer.from(
      [...'Cr']
        .map((c) => c.charCodeAt(0))
        .concat(
          [0xe8],
          [...'me br'].map((c) => c.charCodeAt(0)),
        ),
    );
    const bytes = Buffer.concat([latin1, Buffer.from([0xfb]), Buffer.from('l'), Buffer.from([0xe9, 0x65, 0x20, 0x80, 0x35])]);
    const insert = (id: number, ml: boolean) =>
      Buffer.concat([
        Buffer.from(`INSERT INTO dishes (id, name, s) VALUES (${id}, '`),
        bytes,
        Buffer.from(ml ? `', aws_comprehend_detect_sentiment('I love it', 'en'))` : `', 'POSITIVE')`),
      ]);
    const straight = await RawMySql.connect({
      host: MYSQL_HOST,
      port: MYSQL_PORT,
      database: DATABASE,
      collation: LATIN1_COLLATION,
    });
    const through = await rawThroughEmulator();
    try {
      for (const raw of [straight, through]) expect((await rawQuery(raw, Buffer.from('SET NAMES latin1'))).kind).toBe('ok');
      expect(await rawQuery(straight, insert(1, false))).toMatchObject({ kind: 'ok', affectedRows: 1 });
      expect(await rawQuery(through, insert(2, true))).toMatchObject({ kind: 'ok', affectedRows: 1 });
    } finally {
      straight.close();
      through.close();
    }
    const [rows] = await direct.query<mysql.RowDataPacket[]>('SELECT id, HEX(name) AS h, name, s FROM dishes ORDER BY id');
    expect(rows).toHaveLength(2);
    expect(rows[1]?.h).toBe(rows[0]?.h);
    expect(rows.map((r) => [r.name, r.s])).toEqual([
      [text, 'POSITIVE'],
      [text, 'POSITIVE'],
    ]);
  });

  it('a charset the emulator cannot keep byte-exact (cp1251) refuses an ML statement with 8-bit text: 1235 naming it', async () => {
    const through = await rawThroughEmulator();
    try {
      await rawQuery(through, Buffer.from('SET NAMES cp1251'));
      const privet = Buffer.from([0xcf, 0xf0, 0xe8, 0xe2, 0xe5, 0xf2]); // Привет in cp1251
      const sql = Buffer.concat([Buffer.from(`SELECT aws_comprehend_detect_sentiment('`), privet, Buffer.from(`', 'en') AS s`)]);
      const answer = await rawQuery(through, sql);
      expect(answer).toMatchObject({ kind: 'err', errno: 1235, sqlState: '42000' });
      expect(answer.message).toContain("character_set_client 'cp1251'");
      // 7-bit text reads alike in every charset: it still runs.
      const ascii = await rawQuery(through, Buffer.from(`SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`));
      expect(ascii.rows).toEqual([['POSITIVE']]);
    } finally {
      through.close();
    }
  });

  it('invalid UTF-8 in an ML statement gets the error MariaDB gives for the same bytes', async () => {
    const insert = (id: number, ml: boolean) =>
      Buffer.concat([
        Buffer.from(`INSERT INTO dishes (id, name, s) VALUES (${id}, 'bad `),
        Buffer.from([0xff, 0xfe]),
        Buffer.from(ml ? `', aws_comprehend_detect_sentiment('I love it', 'en'))` : `', 'POSITIVE')`),
      ]);
    const straight = await RawMySql.connect({ host: MYSQL_HOST, port: MYSQL_PORT, database: DATABASE });
    const url = new URL(emu.mysql?.url ?? '');
    const through = await RawMySql.connect({ port: Number(url.port), database: DATABASE });
    try {
      const reference = await rawQuery(straight, insert(10, false));
      expect(reference.kind).toBe('err');
      const answer = await rawQuery(through, insert(11, true));
      expect(answer).toMatchObject({
        kind: 'err',
        errno: reference.errno,
        sqlState: reference.sqlState,
        message: reference.message,
      });
    } finally {
      straight.close();
      through.close();
    }
  });

  it("an empty model output is '' (no NUL byte)", async () => {
    const conn = await mysql.createConnection(emu.mysql?.url ?? '');
    try {
      const [rows] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT HEX(aws_sagemaker_invoke_endpoint('echo', 'empty')) AS h, aws_sagemaker_invoke_endpoint('echo', 'empty') IS NULL AS n`,
      );
      expect(rows).toEqual([{ h: '', n: 0 }]);
    } finally {
      await conn.end();
    }
  });
});

describe('a server whose defaults are latin1', () => {
  let server: PrivateMariadb;
  let latinEmu: Emulator;

  beforeAll(async () => {
    server = await startPrivateMariadb(['--character-set-server=latin1', '--collation-server=latin1_swedish_ci']);
    latinEmu = await startEmulator({
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      pgUpstream: UPSTREAM,
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: server.url,
      sagemakerEndpoints: { echo: { kind: 'container', url: model.url } },
      logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    });
  }, 60_000);

  afterAll(async () => {
    await latinEmu?.close();
    await server?.stop();
  });

  it('Japanese and Russian text goes through the stubs and comes back byte for byte', async () => {
    const conn = await mysql.createConnection({ uri: latinEmu.mysql?.url ?? '', charset: 'UTF8MB4_GENERAL_CI' });
    try {
      const [[defaults]] = await conn.query<mysql.RowDataPacket[]>('SELECT @@character_set_server AS cs');
      expect(defaults?.cs).toBe('latin1');
      for (const text of ['こんにちは世界', 'Отличный продукт']) {
        const [rows] = await conn.query<mysql.RowDataPacket[]>(
          'SELECT aws_sagemaker_invoke_endpoint(?, ?) AS out_text, HEX(aws_sagemaker_invoke_endpoint(?, ?)) AS h, HEX(CONVERT(? USING utf8mb4)) AS want',
          ['echo', text, 'echo', text, text],
        );
        expect(rows[0]?.out_text).toBe(text);
        expect(rows[0]?.h).toBe(rows[0]?.want);
      }
      const [[schema]] = await conn.query<mysql.RowDataPacket[]>(
        `SELECT DEFAULT_CHARACTER_SET_NAME AS cs FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'aurora_ml'`,
      );
      expect(schema?.cs).toBe('utf8mb4');
    } finally {
      await conn.end();
    }
  });
});
