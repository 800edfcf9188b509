/**
 * Which views and routines reach ML (issue 11, finding 9), through the MySQL
 * front in front of the machine's MariaDB: an unprivileged user's ML
 * definition must not drop other users' ALIAS functions and views from the
 * emulator's list (information_schema shows that user only its own), and a
 * definition whose client hangs up right after sending it is still registered.
 */
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';

const DB = `aml_deps_${process.pid}`;
const USER_DB = `aml_deps_u_${process.pid}`;
const USER = `aml_deps_u_${process.pid}`;
const PASSWORD = 'dependents-pw';

let env: MysqlTestEmulator;
let admin: mysql.Connection;

function connect(options: Omit<mysql.ConnectionOptions, 'uri'> = {}): Promise<mysql.Connection> {
  return env.client(options);
}

/** The answers of the checks that root's objects still run through the ML loop. */
async function rootObjectAnswers(c: mysql.Connection) {
  const [fn] = await c.query<mysql.RowDataPacket[]>('SELECT echo_it(7) AS v');
  const [view] = await c.query<mysql.RowDataPacket[]>('SELECT s FROM root_sentiment');
  return { fn: Number(fn[0]?.v), view: view[0]?.s };
}

beforeAll(async () => {
  env = await startMysqlTestEmulator(
    {},
    {
      name: DB,
      prepare: async (direct) => {
        await direct.query(`DROP DATABASE IF EXISTS ${USER_DB}`);
        await direct.query(`CREATE DATABASE ${USER_DB}`);
        await direct.query(`DROP USER IF EXISTS '${USER}'@'%'`);
        await direct.query(`CREATE USER '${USER}'@'%' IDENTIFIED BY '${PASSWORD}'`);
        await direct.query(`GRANT ALL PRIVILEGES ON ${USER_DB}.* TO '${USER}'@'%'`);
        // The ML stubs: what an Aurora user calling ML has (nothing of root's database).
        await direct.query(`GRANT EXECUTE, CREATE TEMPORARY TABLES ON aurora_ml.* TO '${USER}'@'%'`);
      },
    },
  );
  admin = env.admin;
});

afterAll(async () => {
  await env?.admin.query(`DROP USER IF EXISTS '${USER}'@'%'`);
  await env?.admin.query(`DROP DATABASE IF EXISTS ${USER_DB}`);
  await env?.[Symbol.asyncDispose]();
});

describe('the ML dependency list across users', () => {
  it("an unprivileged user's ML view leaves root's ALIAS function and ML view running through the loop", async () => {
    const root = await connect();
    await root.query(
      `CREATE FUNCTION echo_it(a INT) RETURNS DOUBLE ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'demo-echo'`,
    );
    await root.query(`CREATE VIEW root_sentiment AS SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`);
    expect(await rootObjectAnswers(root)).toEqual({ fn: 7, view: 'POSITIVE' });

    // Aurora MySQL 3's role (the emulator created it with the stubs); the user sees neither of root's objects.
    await admin.query(`GRANT AWS_COMPREHEND_ACCESS TO '${USER}'@'%'`);
    await admin.query(`SET DEFAULT ROLE AWS_COMPREHEND_ACCESS FOR '${USER}'@'%'`);
    const user = await connect({ user: USER, password: PASSWORD, database: USER_DB });
    await user.query(`CREATE VIEW user_sentiment AS SELECT aws_comprehend_detect_sentiment('I hate it', 'en') AS s`);
    const [own] = await user.query<mysql.RowDataPacket[]>('SELECT s FROM user_sentiment');
    expect(own).toEqual([{ s: 'NEGATIVE' }]);

    // Root's objects, on a connection opened after the user's definition and on the old one.
    expect(await rootObjectAnswers(await connect())).toEqual({ fn: 7, view: 'POSITIVE' });
    expect(await rootObjectAnswers(root)).toEqual({ fn: 7, view: 'POSITIVE' });
  });
});

/** Whether `name` exists in the test database, asked of MariaDB directly. */
async function viewExists(name: string): Promise<boolean> {
  const [found] = await admin.query<mysql.RowDataPacket[]>(
    'SELECT 1 FROM information_schema.VIEWS WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?',
    [DB, name],
  );
  return found.length > 0;
}

describe('a definition whose client hangs up before the answer', () => {
  it('is registered: a later SELECT from the view through the emulator gets the real answer', async () => {
    // The client hangs up as soon as the server has run the definition, while the
    // emulator still rereads the dependency list (before it relays the OK). An
    // attempt whose OK came back first missed that window and is tried again.
    let hungUpBeforeAnswer: string | null = null;
    for (let attempt = 0; attempt < 10 && hungUpBeforeAnswer === null; attempt++) {
      const name = `hung_up_${attempt}`;
      const leaving = await mysql.createConnection({ host: '127.0.0.1', port: env.port, user: 'root', database: DB });
      let answered = false;
      leaving.query(`CREATE VIEW ${name} AS SELECT aws_comprehend_detect_sentiment('I love it', 'en') AS s`).then(
        () => {
          answered = true;
        },
        () => {},
      );
      const deadline = Date.now() + 5000;
      while (!answered && Date.now() < deadline && !(await viewExists(name))) {}
      const before = !answered;
      leaving.destroy();
      if (before && (await viewExists(name))) hungUpBeforeAnswer = name;
    }
    expect(hungUpBeforeAnswer, 'a client hung up between the definition and its answer').not.toBeNull();

    const later = await connect();
    const [rows] = await later.query<mysql.RowDataPacket[]>(`SELECT s FROM ${hungUpBeforeAnswer}`);
    expect(rows).toEqual([{ s: 'POSITIVE' }]);
  });
});
