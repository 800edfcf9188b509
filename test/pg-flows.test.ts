/**
 * Regression tests for the extended-protocol flows real drivers use (issue 9):
 * each sends the exact message sequence of the reported repro, through the
 * emulator, and checks every row against the same call made on its own.
 */
import type pg from 'pg';
import Cursor from 'pg-cursor';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { errorFields, RawPgConnection, roundTrip, wire } from './helpers/pg-raw.ts';

let env: TestEmulator;
let admin: pg.Client;
const TEXTS = ['I love it', 'This is terrible', 'The box is blue', 'Great value, would buy again', 'Awful, it broke at once'];
/** Each text's sentiment, each asked on its own. */
const expected = new Map<string, string>();

beforeAll(async () => {
  env = await startTestEmulator();
  admin = await env.client();
  await admin.query('CREATE EXTENSION aws_ml CASCADE');
  for (const text of TEXTS) {
    const r = await admin.query(`SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment AS s`, [text]);
    expected.set(text, r.rows[0].s);
  }
  // The texts must not all share one answer, or a mix-up could not show.
  expect(new Set(expected.values()).size).toBeGreaterThan(1);
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

async function raw(): Promise<{ conn: RawPgConnection; mark: () => number }> {
  const conn = await RawPgConnection.open(Number(new URL(env.url).port));
  conn.send(wire.startup({ user: 'postgres', database: env.database }));
  await conn.waitForReady(1);
  return { conn, mark: () => conn.bytes.length };
}

const SENTIMENT_OF_PARAM = `SELECT $1::text AS t, (aws_comprehend.detect_sentiment($1, 'en')).sentiment AS s`;

describe('pipelines: several Bind/Execute of one ML statement before one Sync', () => {
  it('each Execute runs with its own Bind parameters (pgjdbc executeBatch, psycopg executemany, pgx SendBatch)', async () => {
    await admin.query('CREATE TABLE batch_rows (t text, s text)');
    const { conn } = await raw();
    const insert = `INSERT INTO batch_rows VALUES ($1::text, (aws_comprehend.detect_sentiment($1::text, 'en')).sentiment)`;
    const messages = [wire.parse('', insert)];
    for (const text of TEXTS) messages.push(wire.bind('', '', [text]), wire.execute(''));
    messages.push(wire.sync());
    const r = await roundTrip(conn, messages);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('I');
    const stored = await admin.query('SELECT t, s FROM batch_rows ORDER BY t');
    expect(stored.rows).toEqual([...TEXTS].sort().map((t) => ({ t, s: expected.get(t) })));
    conn.close();
  });

  it('executing a finished UPDATE portal again is 55000 and rolls the pipeline back, as on PostgreSQL', async () => {
    await admin.query(`CREATE TABLE twice (t text, s text); INSERT INTO twice VALUES ('I love it', 'SEED')`);
    const { conn } = await raw();
    const update = `UPDATE twice SET s = (aws_comprehend.detect_sentiment(t, 'en')).sentiment WHERE t = $1`;
    const r = await roundTrip(conn, [
      wire.parse('u', update),
      wire.bind('p', 'u', ['I love it']),
      wire.execute('p'),
      wire.execute('p'),
      wire.sync(),
    ]);
    expect(r.tags).toEqual(['UPDATE 1']);
    expect(r.errors).toEqual(['55000']);
    expect((await admin.query('SELECT s FROM twice')).rows).toEqual([{ s: 'SEED' }]);
    conn.close();
  });

  it('SELECTs in one pipeline each return their own row, and named portals keep theirs', async () => {
    const { conn } = await raw();
    const messages = [wire.parse('s1', SENTIMENT_OF_PARAM)];
    for (const [i, text] of TEXTS.entries()) messages.push(wire.bind(`p${i}`, 's1', [text]));
    for (const i of TEXTS.keys()) messages.push(wire.execute(`p${i}`));
    messages.push(wire.sync());
    const r = await roundTrip(conn, messages);
    expect(r.rows).toEqual(TEXTS.map((t) => [t, expected.get(t)]));
    conn.close();
  });

  it('an error in the middle skips the rest until Sync and rolls back the implicit transaction', async () => {
    await admin.query('CREATE TABLE batch_fail (t text, s text)');
    const { conn } = await raw();
    const insert = `INSERT INTO batch_fail VALUES ($1::text, (aws_comprehend.detect_sentiment($1::text, 'en')).sentiment)`;
    const r = await roundTrip(conn, [
      wire.parse('', insert),
      wire.bind('', '', ['I love it']),
      wire.execute(''),
      wire.parse('bad', 'SELECT 1/0'),
      wire.bind('', 'bad', []),
      wire.execute(''),
      wire.bind('', '', ['never runs']),
      wire.sync(),
    ]);
    expect(r.errors).toEqual(['22012']);
    expect(r.status).toBe('I');
    expect((await admin.query('SELECT count(*)::int AS n FROM batch_fail')).rows[0].n).toBe(0);
    // The connection goes on.
    expect((await roundTrip(conn, [wire.query('SELECT 1')])).rows).toEqual([['1']]);
    conn.close();
  });
});

describe('a relayed pipeline without Sync, then an ML statement', () => {
  it('waits for the relayed answers and, after their error, skips to Sync as PostgreSQL does', async () => {
    const { conn } = await raw();
    const skip = conn.bytes.length;
    // Plain messages ending with Flush are relayed; their error leaves the server skipping to Sync.
    conn.send(Buffer.concat([wire.parse('plain', 'SELECT 1/0'), wire.bind('', 'plain', []), wire.execute(''), wire.flush()]));
    await conn.waitUntil(() => conn.messages(skip).some((m) => m.code === 'E'));
    const r = await roundTrip(conn, [
      wire.parse('', SENTIMENT_OF_PARAM),
      wire.bind('', '', ['I love it']),
      wire.execute(''),
      wire.sync(),
    ]);
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([]);
    expect(r.status).toBe('I');
    expect(
      conn
        .messages(skip)
        .filter((m) => m.code === 'E')
        .map((m) => errorFields(m.payload).get('C')),
    ).toEqual(['22012']);
    // And the connection goes on.
    const next = await roundTrip(conn, [wire.bind('', '', ['I love it']), wire.execute(''), wire.sync()]);
    expect(next.errors).toEqual(['26000']);
    conn.close();
  });
});

describe('messages relayed without a Sync, then a simple Query', () => {
  it('a Query after a failed Execute is skipped to the Sync, as PostgreSQL skips it', async () => {
    const { conn } = await raw();
    const skip = conn.bytes.length;
    // No Sync between them: the server answers the Execute with an error and ignores the Query.
    conn.send(Buffer.concat([wire.execute('no_such_portal'), wire.query('SELECT 1')]));
    await conn.waitUntil(() => conn.messages(skip).some((m) => m.code === 'E'));
    const r = await roundTrip(conn, [wire.sync()]);
    expect(r.status).toBe('I');
    expect(
      conn
        .messages(skip)
        .map((m) => m.code)
        .join(''),
    ).toBe('EZ');
    // The session follows the server: an ML statement next runs at once.
    const next = await roundTrip(conn, [wire.query(`SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment`)]);
    expect(next.rows).toEqual([[expected.get('I love it')]]);
    conn.close();
  });

  it('a lone Close without Sync or Flush, then an ML Query, gets both answers (pg-cursor after an error)', async () => {
    const { conn } = await raw();
    await roundTrip(conn, [wire.parse('', 'SELECT 1'), wire.bind('', '', []), wire.execute('', 1), wire.sync()]);
    // The server keeps CloseComplete in its buffer until something flushes it.
    const r = await roundTrip(conn, [
      wire.close('P', ''),
      wire.query(`SELECT (aws_comprehend.detect_sentiment('This is terrible', 'en')).sentiment`),
    ]);
    expect(r.codes).toBe('3TDCZ');
    expect(r.rows).toEqual([[expected.get('This is terrible')]]);
    conn.close();
  });
});

describe('a simple Query of several statements with a syntax error in a later one', () => {
  const text = (table: string) =>
    `INSERT INTO ${table} VALUES ((aws_comprehend.detect_sentiment('I love it', 'en')).sentiment); SELECT FROM WHERE;`;

  it('runs none of them and gets the error PostgreSQL gives for the whole text, in autocommit and in a block', async () => {
    await admin.query('CREATE TABLE syntax_rows (s text)');
    const { conn } = await raw();
    const direct = await roundTrip(conn, [wire.query('SELECT 1; SELECT FROM WHERE;')]);
    const r = await roundTrip(conn, [wire.query(text('syntax_rows'))]);
    expect(r.codes).toBe('EZ');
    expect(r.status).toBe('I');
    const message = (m: { errors: unknown[] }) => m.errors;
    expect(message(r)).toEqual(message(direct));
    const inBlock = await roundTrip(conn, [wire.query('BEGIN'), wire.query(text('syntax_rows')), wire.query('COMMIT')], 3);
    expect(inBlock.errors).toEqual(['42601']);
    expect(inBlock.tags).toEqual(['BEGIN', 'ROLLBACK']);
    expect((await admin.query('SELECT count(*)::int AS n FROM syntax_rows')).rows).toEqual([{ n: 0 }]);
    conn.close();
  });
});

describe('the emulator leaves nothing of its own in the session', () => {
  it('no statement of its own shows in pg_prepared_statements after ML statements of every kind', async () => {
    const { conn } = await raw();
    await roundTrip(conn, [wire.parse('', SENTIMENT_OF_PARAM), wire.bind('', '', ['I love it']), wire.execute(''), wire.sync()]);
    await roundTrip(conn, [wire.query('BEGIN')]);
    await roundTrip(conn, [
      wire.parse('', `DECLARE own_c CURSOR FOR SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment`),
      wire.bind('', '', ['I love it']),
      wire.execute(''),
      wire.sync(),
    ]);
    await roundTrip(conn, [wire.query('COMMIT')]);
    const r = await roundTrip(conn, [wire.query('SELECT name FROM pg_prepared_statements ORDER BY name')]);
    expect(r.rows).toEqual([]);
    conn.close();
  });

  it('nor after a statement of the loop fails (EXECUTE of a deallocated ML statement, extended protocol)', async () => {
    const { conn } = await raw();
    await roundTrip(conn, [wire.query(`PREPARE gone AS SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment`)]);
    await roundTrip(conn, [wire.query('DEALLOCATE gone')]);
    const r = await roundTrip(conn, [wire.parse('', 'EXECUTE gone'), wire.bind('', '', []), wire.execute(''), wire.sync()]);
    expect(r.errors).toEqual(['26000']);
    const left = await roundTrip(conn, [wire.query('SELECT name FROM pg_prepared_statements ORDER BY name')]);
    expect(left.rows).toEqual([]);
    conn.close();
  });

  it('a cursor refused outside a transaction (extended protocol) leaves no transaction open', async () => {
    const { conn } = await raw();
    const r = await roundTrip(conn, [
      wire.parse('', `DECLARE refused CURSOR FOR SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment`),
      wire.bind('', '', ['I love it']),
      wire.execute(''),
      wire.sync(),
    ]);
    expect(r.errors).toEqual(['25P01']);
    expect(r.status).toBe('I');
    // The next failing message outside any transaction still ends with status I.
    const next = await roundTrip(conn, [wire.bind('', '', []), wire.sync()]);
    expect(next.errors).toEqual(['08P01']);
    expect(next.status).toBe('I');
    conn.close();
  });
});

describe('statements and portals that outlive a round trip', () => {
  it('an unnamed statement parsed in one round trip is bound in the next (postgres.js prepare:false, lib/pq)', async () => {
    const { conn } = await raw();
    const first = await roundTrip(conn, [wire.parse('', SENTIMENT_OF_PARAM), wire.sync()]);
    expect(first.errors).toEqual([]);
    for (const text of TEXTS.slice(0, 3)) {
      const r = await roundTrip(conn, [wire.bind('', '', [text]), wire.execute(''), wire.sync()]);
      expect(r.errors).toEqual([]);
      expect(r.rows).toEqual([[text, expected.get(text)]]);
    }
    conn.close();
  });

  it('a portal runs the statement it was bound to, even after another Parse of that name or a Close', async () => {
    const { conn } = await raw();
    const r = await roundTrip(conn, [
      wire.parse('', SENTIMENT_OF_PARAM),
      wire.bind('p1', '', ['I love it']),
      wire.parse('', `SELECT 'other statement' AS t, $1::text AS s`),
      wire.parse('s2', SENTIMENT_OF_PARAM),
      wire.bind('p2', 's2', ['This is terrible']),
      wire.close('S', 's2'),
      wire.execute('p1'),
      wire.execute('p2'),
      wire.sync(),
    ]);
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([
      ['I love it', expected.get('I love it')],
      ['This is terrible', expected.get('This is terrible')],
    ]);
    conn.close();
  });

  it('postgres.js with prepare: false', async () => {
    const sql = postgres(env.url, { prepare: false, max: 1 });
    try {
      for (const text of TEXTS) {
        const rows = await sql`SELECT (aws_comprehend.detect_sentiment(${text}, 'en')).sentiment AS s`;
        expect(rows[0]?.s).toBe(expected.get(text));
      }
    } finally {
      await sql.end();
    }
  });

  it('a Parse of a name in use fails (42P05): the portal runs the statement that name still holds, not the ML text', async () => {
    const { conn } = await raw();
    const r = await roundTrip(
      conn,
      [
        wire.parse('s1', `SELECT 'plain' AS v`),
        wire.parse('s1', `SELECT (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS v`),
        wire.sync(),
        wire.bind('', 's1', []),
        wire.execute(''),
        wire.sync(),
      ],
      2,
    );
    expect(r.errors).toEqual(['42P05']);
    expect(r.rows).toEqual([['plain']]);
    conn.close();
  });

  it('the same when both texts call ML: the portal runs the first, through the loop', async () => {
    const { conn } = await raw();
    const r = await roundTrip(
      conn,
      [
        wire.parse('s2', `SELECT 'first' AS w, (aws_comprehend.detect_sentiment('I love it', 'en')).sentiment AS v`),
        wire.parse('s2', `SELECT 'second' AS w, (aws_comprehend.detect_sentiment('This is terrible', 'en')).sentiment AS v`),
        wire.sync(),
        wire.bind('', 's2', []),
        wire.execute(''),
        wire.sync(),
      ],
      2,
    );
    expect(r.errors).toEqual(['42P05']);
    expect(r.rows).toEqual([['first', expected.get('I love it')]]);
    conn.close();
  });

  it('a portal ends with its implicit transaction: executing it after Sync is 34000, as on PostgreSQL', async () => {
    const { conn } = await raw();
    await roundTrip(conn, [wire.parse('', SENTIMENT_OF_PARAM), wire.bind('p', '', ['I love it']), wire.sync()]);
    const r = await roundTrip(conn, [wire.execute('p'), wire.sync()]);
    expect(r.errors).toEqual(['34000']);
    conn.close();
  });
});

describe('autocommit off: BEGIN in the same pipeline as the first statement (pgjdbc)', () => {
  it('runs the ML statement inside the client transaction and leaves it open', async () => {
    await admin.query('CREATE TABLE txn_rows (t text, s text)');
    const { conn } = await raw();
    const insert = `INSERT INTO txn_rows VALUES ($1::text, (aws_comprehend.detect_sentiment($1::text, 'en')).sentiment)`;
    const r = await roundTrip(conn, [
      wire.parse('', 'BEGIN'),
      wire.bind('', '', []),
      wire.execute(''),
      wire.parse('', insert),
      wire.bind('', '', ['I love it']),
      wire.describePortal(''),
      wire.execute(''),
      wire.sync(),
    ]);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe('T');
    // Not committed: another session sees nothing yet; ROLLBACK undoes it.
    expect((await admin.query('SELECT count(*)::int AS n FROM txn_rows')).rows[0].n).toBe(0);
    const rollback = await roundTrip(conn, [wire.query('ROLLBACK')]);
    expect(rollback.status).toBe('I');
    expect((await admin.query('SELECT count(*)::int AS n FROM txn_rows')).rows[0].n).toBe(0);
    conn.close();
  });
});

describe('row limits: Execute with maxRows answers with PortalSuspended', () => {
  const values = `SELECT t, (aws_comprehend.detect_sentiment(t, 'en')).sentiment AS s FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n`;
  const arrayParam = `{${TEXTS.map((t) => `"${t}"`).join(',')}}`;

  it('serves the rows in chunks across Executes, like PostgreSQL', async () => {
    const { conn } = await raw();
    const r = await roundTrip(conn, [
      wire.parse('', values),
      wire.bind('c', '', [arrayParam]),
      wire.execute('c', 2),
      wire.execute('c', 2),
      wire.execute('c', 2),
      wire.execute('c', 2),
      wire.sync(),
    ]);
    expect(r.errors).toEqual([]);
    // 5 rows by 2: suspended, suspended, then the last row and CommandComplete, then an empty completion.
    expect(r.codes.replace(/[123N]/g, '')).toBe('DDsDDsDCCZ');
    // The last Execute counts only its own rows; one more finds the portal at its end.
    expect(r.tags).toEqual(['SELECT 1', 'SELECT 0']);
    expect(r.rows).toEqual(TEXTS.map((t) => [t, expected.get(t)]));
    conn.close();
  });

  it('pg-cursor reads in chunks in autocommit', async () => {
    const client = await env.client();
    const cursor = client.query(new Cursor(values, [TEXTS]));
    const seen: { t: string; s: string }[] = [];
    for (;;) {
      const rows = await cursor.read(2);
      if (rows.length === 0) break;
      seen.push(...rows);
    }
    await cursor.close();
    expect(seen).toEqual(TEXTS.map((t) => ({ t, s: expected.get(t) })));
  });
});

describe('SQL cursors over ML calls', () => {
  const query = `SELECT t, (aws_comprehend.detect_sentiment(t, 'en')).sentiment AS s FROM unnest(ARRAY[${TEXTS.map((t) => `'${t}'`).join(', ')}]) WITH ORDINALITY AS u(t, n) ORDER BY n`;
  const all = () => TEXTS.map((t) => ({ t, s: expected.get(t) }));

  it('DECLARE ... FOR, FETCH forward and backward, MOVE, CLOSE inside a transaction', async () => {
    const client = await env.client();
    await client.query('BEGIN');
    await client.query(`DECLARE c SCROLL CURSOR FOR ${query}`);
    expect((await client.query('FETCH 2 FROM c')).rows).toEqual(all().slice(0, 2));
    expect((await client.query('FETCH ALL FROM c')).rows).toEqual(all().slice(2));
    expect((await client.query('FETCH BACKWARD 2 FROM c')).rows).toEqual(all().slice(3, 5).reverse());
    expect((await client.query('FETCH ABSOLUTE 1 FROM c')).rows).toEqual(all().slice(0, 1));
    await client.query('MOVE LAST IN c');
    expect((await client.query('FETCH PRIOR FROM c')).rows).toEqual(all().slice(3, 4));
    await client.query('CLOSE c');
    await client.query('COMMIT');
  });

  it('DECLARE ... WITH HOLD in autocommit returns every row right after the transaction ends', async () => {
    const client = await env.client();
    await client.query(`DECLARE h CURSOR WITH HOLD FOR ${query}`);
    const rows: unknown[] = [];
    for (;;) {
      const chunk = (await client.query('FETCH 2 FROM h')).rows;
      if (chunk.length === 0) break;
      rows.push(...chunk);
    }
    expect(rows).toEqual(all());
    await client.query('CLOSE h');
  });

  it('a cursor without HOLD outside a transaction is refused as PostgreSQL refuses it', async () => {
    const client = await env.client();
    await expect(client.query(`DECLARE x CURSOR FOR ${query}`)).rejects.toMatchObject({ code: '25P01' });
  });

  it('DECLARE with a bound parameter through the extended protocol (psycopg 3 named cursors)', async () => {
    const { conn } = await raw();
    const r = await roundTrip(
      conn,
      [
        wire.query('BEGIN'),
        wire.parse('', `DECLARE p CURSOR FOR SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment`),
        wire.bind('', '', ['I love it']),
        wire.execute(''),
        wire.sync(),
        wire.query('FETCH ALL FROM p'),
        wire.query('COMMIT'),
      ],
      4,
    );
    expect(r.errors).toEqual([]);
    expect(r.rows).toEqual([[expected.get('I love it')]]);
    conn.close();
  });
});

describe('a cursor over ML calls whose query fails on a later row (documented difference)', () => {
  // PostgreSQL reads a cursor lazily: the error comes with the FETCH that reaches the row.
  // The emulator computes a cursor over ML calls at DECLARE, so the same error comes there.
  const failing = (ml: boolean) =>
    `SELECT n, ${ml ? `(aws_comprehend.detect_sentiment('I love it', 'en')).sentiment, ` : ''}100 / (n - 3) AS q FROM generate_series(1, 5) AS n`;

  it('fails at DECLARE with the error PostgreSQL gives at the FETCH, and the transaction is aborted', async () => {
    const direct = await env.client();
    await direct.query('BEGIN');
    await direct.query(`DECLARE d CURSOR FOR ${failing(false)}`);
    expect((await direct.query('FETCH 2 FROM d')).rows.map((r) => r.n)).toEqual([1, 2]);
    const late = await direct.query('FETCH 1 FROM d').catch((err: { code: string; message: string }) => err);
    await direct.query('ROLLBACK');

    const client = await env.client();
    await client.query('BEGIN');
    const early = await client
      .query(`DECLARE e CURSOR FOR ${failing(true)}`)
      .catch((err: { code: string; message: string }) => err);
    expect(early).toMatchObject({ code: '22012', message: 'division by zero' });
    expect(early).toMatchObject({ code: (late as { code: string }).code, message: (late as { message: string }).message });
    await expect(client.query('SELECT 1')).rejects.toMatchObject({ code: '25P02' });
    await client.query('ROLLBACK');
  });
});

describe('an ML statement failing inside a client transaction', () => {
  it('aborts the transaction itself: COMMIT AND CHAIN then starts one with the defaults, as on PostgreSQL', async () => {
    const failing = (ml: boolean) =>
      `SELECT n, ${ml ? `(aws_comprehend.detect_sentiment('I love it', 'en')).sentiment, ` : ''}1 / (n - 2) AS q FROM generate_series(1, 3) AS n`;
    const isolationAfterChain = async (ml: boolean) => {
      const client = await env.client();
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ');
      await expect(client.query(failing(ml))).rejects.toMatchObject({ code: '22012' });
      await client.query('COMMIT AND CHAIN');
      const level = (await client.query('SHOW transaction_isolation')).rows[0].transaction_isolation;
      await client.query('ROLLBACK');
      return level;
    };
    const direct = await isolationAfterChain(false);
    expect(await isolationAfterChain(true)).toBe(direct);
  });
});

describe('SQL-level PREPARE / EXECUTE', () => {
  it('EXECUTE of a prepared ML statement runs through the loop, with each argument', async () => {
    const client = await env.client();
    await client.query(`PREPARE s(text) AS SELECT (aws_comprehend.detect_sentiment($1, 'en')).sentiment AS s`);
    for (const text of TEXTS) expect((await client.query(`EXECUTE s('${text}')`)).rows).toEqual([{ s: expected.get(text) }]);
    const explained = await client.query(`EXPLAIN ANALYZE EXECUTE s('I love it')`);
    expect(explained.rows.length).toBeGreaterThan(0);
    await client.query('DEALLOCATE s');
  });
});

describe('an aborted transaction', () => {
  it('answers an ML statement with the server error PostgreSQL gives (a syntax error stays a syntax error)', async () => {
    const client = await env.client();
    await client.query('BEGIN');
    await expect(client.query('SELECT 1/0')).rejects.toMatchObject({ code: '22012' });
    await expect(client.query(`SELECT (aws_comprehend.detect_sentiment('x', 'en')).sentiment FROM`)).rejects.toMatchObject({
      code: '42601',
    });
    await expect(client.query(`SELECT (aws_comprehend.detect_sentiment('x', 'en')).sentiment`)).rejects.toMatchObject({
      code: '25P02',
    });
    await client.query('ROLLBACK');
  });
});
