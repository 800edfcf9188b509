/**
 * MariaDB's protocol extensions through the MySQL front (the emulator relays
 * MariaDB's handshake, so connectors switch them on): COM_STMT_PREPARE and
 * COM_STMT_EXECUTE pipelined with statement id -1, parameters bound once,
 * COM_STMT_BULK_EXECUTE, COM_STMT_SEND_LONG_DATA, the metadata cache, and
 * commands pipelined around an ML statement. Driven with the mariadb
 * connector and with raw packets (test/helpers/mysql-raw.ts) where no
 * connector produces the flow; every value is checked against the sentiment
 * model called one text at a time, and affected rows and status flags against
 * the same statements straight on MariaDB over reference functions.
 */
import * as mariadb from 'mariadb';
import type mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InferenceContainer } from './helpers/inference-container.ts';
import { type MysqlTestEmulator, startMysqlTestEmulator } from './helpers/mysql-emulator.ts';
import {
  bulkCommand,
  CAP,
  closeCommand,
  executeCommand,
  LAST_PREPARED,
  longDataCommand,
  MARIADB_CAP,
  prepareCommand,
  queryCommand,
  RawMySql,
  resetCommand,
  STATUS,
  TYPE,
} from './helpers/mysql-raw.ts';
import { createReferenceDatabase, sentimentOf } from './helpers/mysql-reference.ts';
import { MYSQL_HOST, MYSQL_PORT, mysqlConnectionOptions } from './helpers/test-databases.ts';

const DB = `aml_proto_${process.pid}`;
const REF = `aml_proto_ref_${process.pid}`;
const ENDPOINT = 'proto-score';

const TEXTS = [
  'I love this product, it is great',
  'This is awful and completely broken',
  'Please reset my password',
  'Thanks, the support team was wonderful',
  'I hate waiting, terrible service',
  'The parcel arrived on Tuesday',
] as const;
const label = (t: string) => sentimentOf(t).sentiment;
/** The SageMaker model behind ENDPOINT: a number per (a, b). */
const scoreFor = (a: number, b: number) => a * 3 + b * 0.5;

let scorer: InferenceContainer;
let env: MysqlTestEmulator;
let port = 0;
let admin: mysql.Connection;

const TABLE_SQL = 'CREATE TABLE tickets (id INT PRIMARY KEY, message TEXT, s VARCHAR(16)) ENGINE=InnoDB';

/** Fills `tickets` the same way in `database` (one row per text, s unset). */
async function resetTickets(database: string): Promise<void> {
  await admin.query(`DROP TABLE IF EXISTS ${database}.tickets`);
  await admin.query(TABLE_SQL.replace('tickets', `${database}.tickets`));
  for (const [i, t] of TEXTS.entries()) await admin.query(`INSERT INTO ${database}.tickets VALUES (?, ?, NULL)`, [i + 1, t]);
}

async function labels(database: string): Promise<(string | null)[]> {
  const [rows] = await admin.query<mysql.RowDataPacket[]>(`SELECT s FROM ${database}.tickets ORDER BY id`);
  return rows.map((r) => r.s as string | null);
}

function connectMariadb(options: Partial<mariadb.ConnectionConfig> = {}): Promise<mariadb.Connection> {
  return mariadb.createConnection({ host: '127.0.0.1', port, user: 'root', database: DB, ...options });
}

/** A raw connection through the emulator (`through`) or straight to MariaDB on the reference database. */
function raw(through: boolean, mariadbCapabilities = 0, capabilities: number = CAP.DEPRECATE_EOF): Promise<RawMySql> {
  return RawMySql.connect({
    host: through ? '127.0.0.1' : MYSQL_HOST,
    port: through ? port : MYSQL_PORT,
    database: through ? DB : REF,
    capabilities,
    mariadbCapabilities,
  });
}

beforeAll(async () => {
  scorer = await InferenceContainer.start({
    handler: (lines) =>
      lines.map((line) => {
        const [a, b] = line.split(',').map(Number);
        return `${scoreFor(a ?? 0, b ?? 0)}`;
      }),
  });
  env = await startMysqlTestEmulator(
    { sagemakerEndpoints: { [ENDPOINT]: { kind: 'container', url: scorer.url } } },
    { name: DB, prepare: (direct) => createReferenceDatabase(direct, REF, TEXTS) },
  );
  admin = env.admin;
  port = env.port;
});

afterAll(async () => {
  await env?.admin.query(`DROP DATABASE IF EXISTS ${REF}`);
  await env?.[Symbol.asyncDispose]();
  await scorer?.close();
});

describe('the mariadb connector (3.5) through the emulator', () => {
  it('execute() with pipelining (PREPARE + EXECUTE of statement -1): the first execution of each text, then the cached one', async () => {
    const c = await connectMariadb();
    try {
      for (const [i, text] of TEXTS.entries()) {
        // A new SQL text each time: the connector pipelines PREPARE and EXECUTE(-1).
        const sql = `SELECT aws_comprehend_detect_sentiment(?, 'en') AS s, ${i} AS n`;
        expect(await c.execute(sql, [text])).toEqual([{ s: label(text), n: i }]);
        // The same text again: the connector's prepare cache, EXECUTE with the real id.
        const other = TEXTS[(i + 1) % TEXTS.length] as string;
        expect(await c.execute(sql, [other])).toEqual([{ s: label(other), n: i }]);
      }
    } finally {
      await c.end();
    }
  });

  it('execute() with pipelining off, and queries the connector pipelines around an ML statement', async () => {
    const c = await connectMariadb({ pipelining: false });
    try {
      for (const text of TEXTS) {
        expect(await c.execute("SELECT aws_comprehend_detect_sentiment(?, 'en') AS s", [text])).toEqual([{ s: label(text) }]);
      }
    } finally {
      await c.end();
    }
    const p = await connectMariadb();
    try {
      // Sent back to back before any answer: relayed, ML, relayed, ML.
      const answers = await Promise.all([
        p.query('SELECT 1 AS one'),
        p.query(`SELECT aws_comprehend_detect_sentiment(${p.escape(TEXTS[0])}, 'en') AS s`),
        p.query('SELECT SLEEP(0.05) AS z, 2 AS two'),
        p.execute("SELECT aws_comprehend_detect_sentiment(?, 'en') AS s", [TEXTS[1]]),
      ]);
      expect(answers).toEqual([[{ one: 1 }], [{ s: label(TEXTS[0]) }], [{ z: 0, two: 2 }], [{ s: label(TEXTS[1]) }]]);
    } finally {
      await p.end();
    }
  });

  it('batch() of an ML UPDATE (COM_STMT_BULK_EXECUTE): each row its own values, affected rows as MariaDB gives them', async () => {
    await resetTickets(DB);
    await resetTickets(REF);
    // Each row gets the label of another row's text: the values must come from the parameters.
    const rows = TEXTS.map((_, i) => [TEXTS[(i + 2) % TEXTS.length], i + 1]);
    const sql = "UPDATE tickets SET s = aws_comprehend_detect_sentiment(?, 'en') WHERE id = ?";
    const through = await connectMariadb();
    const direct = await mariadb.createConnection(mysqlConnectionOptions(REF));
    try {
      const viaEmulator = await through.batch(sql, rows);
      const straight = await direct.batch(sql, rows);
      expect(viaEmulator).toEqual(straight);
      expect(await labels(DB)).toEqual(rows.map(([text]) => label(text as string)));
      expect(await labels(REF)).toEqual(await labels(DB));
      // Again with the same values: nothing changes, and MariaDB says so.
      expect(await through.batch(sql, rows)).toEqual(await direct.batch(sql, rows));
    } finally {
      await through.end();
      await direct.end();
    }
  });

  it('batch() of an ML INSERT ... VALUES: every row inserted with its own label', async () => {
    const c = await connectMariadb();
    try {
      await c.query('CREATE TABLE batch_in (id INT PRIMARY KEY, s VARCHAR(16), c DOUBLE) ENGINE=InnoDB');
      const rows = Array.from({ length: 24 }, (_, i) => [i + 1, TEXTS[i % TEXTS.length], TEXTS[(i + 3) % TEXTS.length]]);
      const result = await c.batch(
        "INSERT INTO batch_in VALUES (?, aws_comprehend_detect_sentiment(?, 'en'), aws_comprehend_detect_sentiment_confidence(?, 'en'))",
        rows,
      );
      expect(Number((result as mariadb.UpsertResult).affectedRows)).toBe(rows.length);
      const stored = await c.query('SELECT id, s, c FROM batch_in ORDER BY id');
      expect(stored.map((r: { id: number; s: string; c: number }) => [r.id, r.s])).toEqual(
        rows.map(([id, text]) => [id, label(text as string)]),
      );
      for (const [i, r] of (stored as { c: number }[]).entries()) {
        const s = sentimentOf(rows[i]?.[2] as string);
        const key = (s.sentiment.charAt(0) + s.sentiment.slice(1).toLowerCase()) as keyof typeof s.scores;
        expect(r.c).toBeCloseTo(s.scores[key], 6);
      }
    } finally {
      await c.query('DROP TABLE IF EXISTS batch_in');
      await c.end();
    }
  });

  it('execute() of CREATE FUNCTION ... ALIAS (a prepared statement), then the function, then execute() of DROP FUNCTION', async () => {
    const c = await connectMariadb();
    try {
      const created = await c.execute(
        `CREATE FUNCTION proto_score(a INT, b INT) RETURNS DOUBLE ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}'`,
      );
      expect(Number(created.affectedRows)).toBe(0);
      const rows = await c.execute('SELECT proto_score(?, ?) AS v, proto_score(4, 6) AS w', [2, 8]);
      expect(rows).toEqual([{ v: scoreFor(2, 8), w: scoreFor(4, 6) }]);
      const shown = await c.query('SHOW CREATE FUNCTION proto_score');
      expect(shown[0]['Create Function']).toContain(`ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME '${ENDPOINT}'`);
      await c.execute('DROP FUNCTION proto_score');
      expect(await c.query(`SHOW FUNCTION STATUS WHERE Db = '${DB}' AND Name = 'proto_score'`)).toEqual([]);
      // A malformed ALIAS clause sent as a prepared statement is Aurora's syntax error, not the server's.
      await expect(
        c.execute('CREATE FUNCTION bad_score(a INT) RETURNS DOUBLE ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT'),
      ).rejects.toMatchObject({
        errno: 1064,
        sqlState: '42000',
      });
    } finally {
      await c.query('DROP FUNCTION IF EXISTS proto_score');
      await c.end();
    }
  });
});

describe('raw MariaDB protocol flows through the emulator', () => {
  const ML_SELECT = "SELECT aws_comprehend_detect_sentiment(?, 'en') AS s";

  for (const [name, capabilities] of [
    ['OK-terminated result sets', CAP.DEPRECATE_EOF],
    ['EOF-terminated result sets', 0],
  ] as const) {
    it(`PREPARE + EXECUTE(-1) + CLOSE(-1) in one write, then parameters bound once (${name})`, async () => {
      const c = await raw(true, MARIADB_CAP.CACHE_METADATA | MARIADB_CAP.EXTENDED_METADATA, capabilities);
      try {
        c.writeAll([prepareCommand(ML_SELECT), executeCommand(LAST_PREPARED, [TEXTS[0]])]);
        const prepared = await c.answer('prepare');
        expect(prepared.kind).toBe('prepared');
        expect(prepared.columns?.map((col) => col.name)).toEqual(['s']);
        const first = await c.answer('binary', prepared.columns ?? []);
        expect(first.rows).toEqual([[label(TEXTS[0])]]);
        // The types stay with the statement: the next executions send values only.
        for (const text of TEXTS.slice(1, 4)) {
          c.write(executeCommand(prepared.statementId, [text], { sendTypes: false }));
          const next = await c.answer('binary', prepared.columns ?? []);
          expect(next.kind).toBe('rows');
          expect(next.rows).toEqual([[label(text)]]);
          expect(next.status & (STATUS.IN_TRANS | STATUS.AUTOCOMMIT)).toBe(STATUS.AUTOCOMMIT);
        }
        // A NULL parameter (types sent again): the call answers NULL.
        c.write(executeCommand(prepared.statementId, [null], { sendTypes: true }));
        expect((await c.answer('binary', prepared.columns ?? [])).rows).toEqual([[null]]);
        c.writeAll([closeCommand(LAST_PREPARED), queryCommand('SELECT 7 AS seven')]);
        expect((await c.answer()).rows).toEqual([['7']]);
        c.write(executeCommand(prepared.statementId, [TEXTS[0]]));
        expect((await c.answer('binary')).errno).toBe(1243); // the statement is closed: ER_UNKNOWN_STMT_HANDLER
      } finally {
        c.close();
      }
    });
  }

  it('a zero-row ML result set over the binary protocol with the metadata cache, twice', async () => {
    const c = await raw(true, MARIADB_CAP.CACHE_METADATA);
    try {
      await c.query('CREATE TEMPORARY TABLE few (id INT PRIMARY KEY, m TEXT)');
      await c.query(`INSERT INTO few VALUES (1, '${TEXTS[0]}'), (2, '${TEXTS[1]}')`);
      const p = await c.prepare("SELECT id, aws_comprehend_detect_sentiment(m, 'en') AS s FROM few WHERE id >= ? ORDER BY id");
      for (const from of [1, 9, 2, 9]) {
        c.write(executeCommand(p.statementId, [from]));
        const a = await c.answer('binary', p.columns ?? []);
        expect(a.kind).toBe('rows');
        const want = [
          [1, label(TEXTS[0])],
          [2, label(TEXTS[1])],
        ].filter(([id]) => (id as number) >= from);
        expect(a.rows).toEqual(want);
      }
      expect(await c.pending()).toBe(0);
    } finally {
      c.close();
    }
  });

  for (const [name, capabilities] of [
    ['OK-terminated result sets', CAP.DEPRECATE_EOF],
    ['EOF-terminated result sets', 0],
  ] as const) {
    it(`the metadata cache: column definitions come when the parameter types change them, as from MariaDB, also after a failed execution (${name})`, async () => {
      // Regression: the loop's first run (a miss) took the new definitions and the client decoded the
      // last run's rows with the prepare's, where `? AS p` is a binary NULL column: 5 came back as bytes.
      const sql = 'SELECT aws_comprehend_detect_sentiment(?, ?) AS s, ? AS p';
      const executions: [string, string, string | number][] = [
        [TEXTS[0], 'en', 5],
        [TEXTS[1], 'en', 6], // the same types: no definitions
        [TEXTS[2], 'en', 'x'],
        [TEXTS[3], 'en', 'y'],
        [TEXTS[4], 'en', 7],
      ];
      /** Per execution: the types of the definitions that came (null: none), and the rows read with the ones kept. */
      const seen: unknown[][] = [];
      for (const through of [true, false]) {
        const c = await raw(through, MARIADB_CAP.CACHE_METADATA, capabilities);
        try {
          const p = await c.prepare(sql);
          let kept = p.columns ?? [];
          const execute = async (params: readonly (string | number)[]) => {
            c.write(executeCommand(p.statementId, params));
            const a = await c.answer('binary', kept);
            kept = a.columns ?? kept;
            return a;
          };
          const answers: unknown[] = [];
          for (const params of executions) {
            const a = await execute(params);
            answers.push([a.kind, a.columns?.map((col) => col.type) ?? null, a.rows]);
          }
          seen.push(answers);
          if (!through) continue;
          // An execution with new types that fails after its first run (Comprehend refuses the
          // language): the server has sent the definitions, the client has not had them.
          const refused = await execute([TEXTS[5], 'xx', 'z']);
          expect([refused.kind, refused.errno]).toEqual(['err', 1815]);
          const next = await execute([TEXTS[5], 'en', 'w']);
          expect(next.columns?.map((col) => col.type)).toEqual([TYPE.VAR_STRING, TYPE.VAR_STRING]);
          expect(next.rows).toEqual([[label(TEXTS[5]), 'w']]);
          // And now the client has them: the next execution of those types comes without.
          const after = await execute([TEXTS[0], 'en', 'v']);
          expect([after.columns, after.rows]).toEqual([null, [[label(TEXTS[0]), 'v']]]);
        } finally {
          c.close();
        }
      }
      expect(seen[0]).toEqual(seen[1]);
      const longlong = [TYPE.VAR_STRING, TYPE.LONGLONG];
      const text = [TYPE.VAR_STRING, TYPE.VAR_STRING];
      expect(seen[0]).toEqual(
        executions.map(([t, , v], i) => ['rows', [longlong, null, text, null, longlong][i], [[label(t), v]]]),
      );
    });
  }

  it('relayed commands pipelined before and after an ML command are answered in order', async () => {
    const c = await raw(true);
    try {
      c.writeAll([
        queryCommand('SELECT SLEEP(0.1) AS z'),
        queryCommand(`SELECT aws_comprehend_detect_sentiment('${TEXTS[3]}', 'en') AS s`),
        queryCommand('SELECT 3 AS three'),
        prepareCommand('SELECT ? AS echo'),
        executeCommand(LAST_PREPARED, ['relayed']),
        queryCommand(`SELECT aws_comprehend_detect_sentiment('${TEXTS[4]}', 'en') AS s`),
      ]);
      expect((await c.answer()).rows).toEqual([['0']]);
      expect((await c.answer()).rows).toEqual([[label(TEXTS[3])]]);
      expect((await c.answer()).rows).toEqual([['3']]);
      const echo = await c.answer('prepare');
      expect((await c.answer('binary', echo.columns ?? [])).rows).toEqual([['relayed']]);
      expect((await c.answer()).rows).toEqual([[label(TEXTS[4])]]);
      expect(await c.pending()).toBe(0);
    } finally {
      c.close();
    }
  });

  it('COM_STMT_BULK_EXECUTE: rows, affected rows, status and errors identical to MariaDB; types from the previous execution', async () => {
    const sql = "UPDATE tickets SET s = aws_comprehend_detect_sentiment(?, 'en') WHERE id = ?";
    const rows = TEXTS.map((_, i) => [TEXTS[(i + 1) % TEXTS.length] as string, i + 1]);
    const results: unknown[][] = [];
    for (const through of [true, false]) {
      await resetTickets(through ? DB : REF);
      const c = await raw(through, MARIADB_CAP.STMT_BULK_OPERATIONS);
      try {
        const p = await c.prepare(sql);
        c.write(bulkCommand(p.statementId, rows));
        const bulk = await c.answer('binary');
        // Types sent by an execution, then a bulk without types (flags 0): the server's memory of them.
        c.write(executeCommand(p.statementId, [TEXTS[0], 99]));
        const single = await c.answer('binary');
        const untyped = Buffer.from(bulkCommand(p.statementId, [[TEXTS[5], 1]]));
        untyped.writeUInt16LE(0, 5);
        const withoutTypes = Buffer.concat([untyped.subarray(0, 7), untyped.subarray(11)]);
        c.write(withoutTypes);
        const reused = await c.answer('binary');
        // Unit results: this MariaDB does not offer them, so it refuses the flag.
        c.write(bulkCommand(p.statementId, rows, { unitResults: true }));
        const unit = await c.answer('binary');
        const pick = (a: typeof bulk) => [a.kind, a.affectedRows, a.warnings, a.status, a.errno, a.sqlState];
        results.push([pick(bulk), pick(single), pick(reused), pick(unit), await labels(through ? DB : REF)]);
      } finally {
        c.close();
      }
    }
    expect(results[0]).toEqual(results[1]);
    const [bulk, , reused, , stored] = results[0] as [unknown[], unknown, unknown[], unknown, (string | null)[]];
    // Every row changed from NULL to its label.
    expect(bulk.slice(0, 2)).toEqual(['ok', rows.length]);
    expect(reused[0]).toBe('ok');
    expect(stored).toEqual([label(TEXTS[5]), ...rows.slice(1).map(([t]) => label(t as string))]);
  });

  it('a bulk INSERT whose third row hits a duplicate key fails as on MariaDB and inserts nothing', async () => {
    const outcomes: unknown[] = [];
    for (const through of [true, false]) {
      const c = await raw(through, MARIADB_CAP.STMT_BULK_OPERATIONS);
      try {
        await c.query('CREATE TEMPORARY TABLE dup (id INT PRIMARY KEY, s VARCHAR(16)) ENGINE=InnoDB');
        const p = await c.prepare("INSERT INTO dup VALUES (?, aws_comprehend_detect_sentiment(?, 'en'))");
        c.write(
          bulkCommand(p.statementId, [
            [1, TEXTS[0]],
            [2, TEXTS[1]],
            [1, TEXTS[2]],
          ]),
        );
        const a = await c.answer('binary');
        outcomes.push([a.kind, a.errno, a.sqlState, (await c.query('SELECT COUNT(*) FROM dup')).rows]);
      } finally {
        c.close();
      }
    }
    expect(outcomes[0]).toEqual(['err', 1062, '23000', [['0']]]);
    expect(outcomes[0]).toEqual(outcomes[1]);
  });

  it('COM_STMT_SEND_LONG_DATA: the parameter arrives in pieces for every run of the loop; COM_STMT_RESET drops it', async () => {
    const c = await raw(true);
    try {
      const p = await c.prepare("SELECT aws_comprehend_detect_sentiment(?, 'en') AS s, ? AS n");
      const [head, tail] = [TEXTS[1].slice(0, 10), TEXTS[1].slice(10)];
      const longParam = { type: TYPE.BLOB, bytes: Buffer.alloc(0) };
      c.writeAll([
        longDataCommand(p.statementId, 0, Buffer.from(head)),
        longDataCommand(p.statementId, 0, Buffer.from(tail)),
        executeCommand(p.statementId, [longParam, 5]),
      ]);
      expect((await c.answer('binary', p.columns ?? [])).rows).toEqual([[label(TEXTS[1]), 5]]);
      // The long data was for one execution only.
      c.write(executeCommand(p.statementId, [TEXTS[0], 6]));
      expect((await c.answer('binary', p.columns ?? [])).rows).toEqual([[label(TEXTS[0]), 6]]);
      // Long data, then a reset: the server and the emulator both forget it.
      c.writeAll([longDataCommand(p.statementId, 0, Buffer.from(TEXTS[3])), resetCommand(p.statementId)]);
      const reset = await c.answer('binary');
      expect(reset.kind).toBe('ok');
      c.write(executeCommand(p.statementId, [TEXTS[4], 7]));
      expect((await c.answer('binary', p.columns ?? [])).rows).toEqual([[label(TEXTS[4]), 7]]);
    } finally {
      c.close();
    }
  });
});
