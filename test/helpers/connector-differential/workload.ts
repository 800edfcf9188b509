/**
 * The seeded workload of the connector differential test: a table of many
 * column types (JSON, UUID, INET6, POINT, DECIMAL with scale, BIT, ENUM, SET,
 * TEXT, BLOB, temporal types, floats, unsigned BIGINT, latin1 text, NULLs),
 * and statements over it with ML calls in the select list, in expressions,
 * in WHERE and GROUP BY, with bound parameters of varying types; writes (INSERT
 * ... VALUES, INSERT ... SELECT, UPDATE, DELETE, batches) each followed by a
 * read of the written table; statements that fail, each followed by others on
 * the same connection; and plain statements with no ML call.
 *
 * The ML inputs are the fixed TEXTS (or NULL): the direct side's reference
 * functions know the built-in model's answers for those only.
 */
import { caseSeed, Rng } from '../pg-differential/prng.ts';
import { SENTIMENT_TEXTS } from '../sentiment-texts.ts';
import { StreamParam } from './clients.ts';

/** The texts ML calls get: the reference database answers these (test/helpers/mysql-reference.ts). */
export const TEXTS = [
  ...SENTIMENT_TEXTS,
  'Crème brûlée was délicieux, merci ✓',
  'Great value 😀 but slow delivery',
  'Très bien, livraison rapide, merci',
  'Broken again \\o/ see C:\\temp\\log',
] as const;

/** The texts a latin1 connection can send (the others lose characters on the way). */
export const LATIN1_TEXTS: readonly string[] = TEXTS.filter((t) => [...t].every((c) => c.charCodeAt(0) <= 0xff));

export const ITEM_ROWS = 24;

export const TABLES = [
  `CREATE TABLE items (
     id INT NOT NULL PRIMARY KEY,
     txt VARCHAR(120) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NULL,
     j JSON NULL,
     u UUID NULL,
     ip INET6 NULL,
     pt POINT NULL,
     amount DECIMAL(14,4) NULL,
     bits BIT(10) NULL,
     color ENUM('red','green','blue') NULL,
     tags SET('a','b','c') NULL,
     note TEXT NULL,
     bin BLOB NULL,
     at DATETIME(3) NULL,
     day DATE NULL,
     dur TIME(2) NULL,
     yr YEAR NULL,
     fl FLOAT NULL,
     dbl DOUBLE NULL,
     big BIGINT UNSIGNED NULL,
     small SMALLINT NULL,
     vb VARBINARY(16) NULL,
     lat VARCHAR(40) CHARACTER SET latin1 NULL
   ) ENGINE=InnoDB`,
  `CREATE TABLE outbox (
     id INT NOT NULL PRIMARY KEY,
     txt VARCHAR(120) CHARACTER SET utf8mb4 NULL,
     mood VARCHAR(16) NULL,
     conf DOUBLE NULL,
     j JSON NULL,
     amount DECIMAL(14,4) NULL,
     u UUID NULL,
     bits BIT(10) NULL
   ) ENGINE=InnoDB`,
];

/** The columns of `items` a generated SELECT may list, as SQL expressions. */
const ITEM_COLUMNS = [
  'id',
  'txt',
  'j',
  'u',
  'ip',
  'pt',
  'amount',
  'bits',
  'color',
  'tags',
  'note',
  'bin',
  'at',
  'day',
  'dur',
  'yr',
  'fl',
  'dbl',
  'big',
  'small',
  'vb',
  'lat',
  'amount * 3 AS tripled',
  'HEX(bits) AS bits_hex',
  "JSON_VALUE(j, '$.n') AS jn",
  'CAST(amount AS DECIMAL(20,6)) AS wide',
  'ST_AsText(pt) AS wkt',
];

const COLORS = ['red', 'green', 'blue'];
const TAG_SETS = ['', 'a', 'b,c', 'a,b,c'];
const LATIN = ['Crème', 'naïve café', 'plain', 'Ünïcödé', ''];

/** The seed rows of `items`, the same on both sides: [columns, rows of SQL literals]. */
export function itemRows(seed: number): string[] {
  const r = new Rng(caseSeed(seed, 'items', 0));
  const maybe = (literal: string) => (r.chance(0.15) ? 'NULL' : literal);
  const rows: string[] = [];
  for (let id = 1; id <= ITEM_ROWS; id++) {
    const text = r.chance(0.1) ? 'NULL' : sqlString(r.pick(TEXTS));
    const json = JSON.stringify({ n: r.int(-5, 5), s: r.pick(TEXTS), list: [1, 'two', null, r.chance(0.5)] });
    const uuid = `${hex(r, 8)}-${hex(r, 4)}-4${hex(r, 3)}-a${hex(r, 3)}-${hex(r, 12)}`;
    const ip = r.chance(0.5) ? `::ffff:192.0.2.${r.int(0, 255)}` : `2001:db8::${hex(r, 4)}`;
    const values = [
      String(id),
      text,
      maybe(sqlString(json)),
      maybe(`'${uuid}'`),
      maybe(`'${ip}'`),
      maybe(`ST_GeomFromText('POINT(${r.int(-90, 90)}.25 ${r.int(-180, 180)}.5)')`),
      maybe(`${r.chance(0.5) ? '-' : ''}${r.int(0, 9999999999)}.${String(r.int(0, 9999)).padStart(4, '0')}`),
      maybe(`b'${r.int(0, 1023).toString(2)}'`),
      maybe(`'${r.pick(COLORS)}'`),
      maybe(`'${r.pick(TAG_SETS)}'`),
      maybe(sqlString(`${r.pick(TEXTS)} `.repeat(r.int(1, 40)))),
      maybe(`X'${hex(r, 2 * r.int(0, 20))}'`),
      maybe(
        `'20${r.int(10, 29)}-0${r.int(1, 9)}-1${r.int(0, 9)} ${r.int(10, 23)}:${r.int(10, 59)}:${r.int(10, 59)}.${r.int(100, 999)}'`,
      ),
      maybe(`'19${r.int(70, 99)}-12-3${r.int(0, 1)}'`),
      maybe(`'${r.chance(0.3) ? '-' : ''}${r.int(0, 838)}:${r.int(10, 59)}:${r.int(10, 59)}.${r.int(10, 99)}'`),
      maybe(String(r.int(1901, 2155))),
      maybe(`${r.int(-1000, 1000)}.${r.int(0, 99)}`),
      maybe(`${r.int(-100000, 100000)}.${r.int(0, 999999)}e${r.int(-30, 30)}`),
      maybe(r.chance(0.3) ? '18446744073709551615' : String(r.int(0, 2 ** 53))),
      maybe(String(r.int(-32768, 32767))),
      maybe(`X'${hex(r, 2 * r.int(0, 16))}'`),
      maybe(sqlString(r.pick(LATIN))),
    ];
    rows.push(`(${values.join(', ')})`);
  }
  return rows;
}

function hex(r: Rng, digits: number): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += '0123456789abcdef'[r.int(0, 15)];
  return s;
}

export function sqlString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
}

/**
 * How a case is sent: `script` is a list of statements over the text protocol, one after the other;
 * `pipelined` sends every execution at once (the second by execute(), the others by query()), without waiting for answers.
 */
export type Protocol = 'query' | 'execute' | 'prepare' | 'batch' | 'script' | 'pipelined';

export interface Case {
  readonly label: string;
  readonly protocol: Protocol;
  /** The statement; for a script, its statements joined by `;` (as a failure shows them). */
  readonly sql: string;
  /** Parameter sets: one per execution (prepare: each executed in turn; batch: the batch's rows). */
  readonly params: readonly (readonly unknown[])[];
  /** A script's statements. */
  readonly steps?: readonly string[];
  /** A plain query run after the case on both sides (reads what a write did). */
  readonly check?: string;
}

/** A script step that is COM_RESET_CONNECTION, not a statement. */
export const RESET_STEP = '-- COM_RESET_CONNECTION';

const S = (x: string) => `aws_comprehend_detect_sentiment(${x}, 'en')`;
const C = (x: string) => `aws_comprehend_detect_sentiment_confidence(${x}, 'en')`;
const READ_OUTBOX = 'SELECT * FROM outbox ORDER BY id';

/**
 * Objects over ML calls, made on each side before the workload (through the
 * emulator on its side, so it knows they reach ML): a view with an unaliased
 * ML column (named after the client's text) and a procedure with two result sets.
 */
export const DEFINITIONS = [
  `CREATE VIEW item_moods AS SELECT id, txt, ${S('txt')} AS mood, ${S('txt')}, ${C('txt')} AS conf FROM items`,
  `CREATE PROCEDURE mood_report(IN lo INT)
   BEGIN
     SELECT id, ${S('txt')} AS mood, amount FROM items WHERE id >= lo ORDER BY id;
     SELECT COUNT(*) AS n, MAX(${C('txt')}) AS top FROM items WHERE id >= lo;
   END`,
  `CREATE PROCEDURE mood_of(IN t VARCHAR(120), OUT m VARCHAR(16), INOUT n INT)
   BEGIN
     SET m = ${S('t')}, n = n + 1;
   END`,
];

/** Values bound beside ML calls, by kind: the drivers encode each kind as another binary type. */
function freeValue(r: Rng, texts: readonly string[]): unknown {
  switch (r.int(0, 14)) {
    case 0:
      return r.int(-200, 200);
    case 1:
      return r.int(-(2 ** 31), 2 ** 31);
    case 2:
      return r.int(0, 1e6) / 64;
    case 3:
      return Math.PI * r.int(-1000, 1000);
    case 4:
      return r.pick(texts);
    case 5:
      return '';
    case 6:
      return null;
    case 7:
      return new Date(Date.UTC(2000 + r.int(0, 30), r.int(0, 11), r.int(1, 28), r.int(0, 23), r.int(0, 59), r.int(0, 59)));
    case 8:
      return Buffer.from(Array.from({ length: r.int(0, 12) }, () => r.int(0, 255)));
    case 9:
      return r.chance(0.5);
    case 10:
      return BigInt(r.int(-1e9, 1e9)) * 1_000_000_007n;
    case 11:
      return `${r.int(-99999, 99999)}.${r.int(0, 999999)}`;
    case 12:
      return 'x'.repeat(r.int(200, 70_000));
    case 13:
      return new StreamParam(Buffer.from(`streamed ${r.pick(texts)} `.repeat(r.int(1, 3000))));
    default:
      return { key: r.pick(texts), n: r.int(0, 9) };
  }
}

/** An id range over `items`, sometimes empty, sometimes given as strings or BigInts. */
function idRange(r: Rng): unknown[] {
  const lo = r.int(-2, ITEM_ROWS);
  const hi = r.chance(0.1) ? lo - 1 : r.int(lo, ITEM_ROWS + 2);
  const as = r.int(0, 3);
  if (as === 1) return [String(lo), String(hi)];
  if (as === 2) return [BigInt(lo), BigInt(hi)];
  if (as === 3) return [lo + 0.5 - 0.5, hi + 0.25];
  return [lo, hi];
}

/** What a family makes of its random draws, the texts the connection can send to ML calls, and its charset. */
type Maker = (
  r: Rng,
  texts: readonly string[],
  charset: 'utf8mb4' | 'latin1',
) => Omit<Case, 'protocol' | 'label'> & { readonly protocols?: readonly Protocol[] };

const times = <T>(r: Rng, lo: number, hi: number, make: () => T): T[] => Array.from({ length: r.int(lo, hi) }, make);

/** Statement families, by the name a failure shows. */
const FAMILIES: Record<string, Maker> = {
  'typed columns beside ML': (r) => {
    const columns = r.pick([2, 3, 5, 8]);
    const picked = Array.from({ length: columns }, () => r.pick(ITEM_COLUMNS)).filter((c, i, all) => all.indexOf(c) === i);
    const ml = r.pick([
      `${S('txt')} AS mood`,
      S('txt'),
      `${C('txt')} AS conf`,
      // Names the server makes from the client's text, with non-ASCII characters in them.
      `CONCAT('é:', ${S('txt')})`,
      `${S('txt')} AS \`humeur détectée\``,
      // Past 255 characters: the server cuts the name, and the emulator rebuilds it from the client's text.
      `CONCAT(${S('txt')}, ' très ${'x'.repeat(230)} fin')`,
    ]);
    picked.splice(r.int(0, picked.length), 0, ml);
    return {
      sql: `SELECT ${picked.join(', ')} FROM items WHERE id BETWEEN ? AND ? ORDER BY id`,
      params: times(r, 1, 3, () => idRange(r)),
      protocols: ['query', 'execute', 'prepare', 'pipelined'],
    };
  },
  'bound values beside ML': (r, texts) => {
    const [sql, order] = r.pick([
      [`SELECT ${S('?')} AS s, ? AS p, ? AS q`, (t: unknown, a: unknown, b: unknown) => [t, a, b]],
      [`SELECT ? AS p, ${S('?')} AS s, COALESCE(?, 'none') AS n`, (t: unknown, a: unknown, b: unknown) => [a, t, b]],
      [`SELECT CONCAT('[', ?, ']') AS b, ? IS NULL AS z, ${C('?')} AS c`, (t: unknown, a: unknown, b: unknown) => [a, b, t]],
    ] as const);
    const text = () => (r.chance(0.1) ? null : r.pick(texts));
    return {
      sql,
      params: times(r, 1, 4, () => order(text(), freeValue(r, texts), freeValue(r, texts))),
      protocols: ['query', 'execute', 'prepare', 'pipelined'],
    };
  },
  'ML in expressions': (r) => ({
    sql: r.pick([
      `SELECT id, JSON_OBJECT('t', txt, 's', ${S('txt')}, 'n', JSON_VALUE(j, '$.n')) AS doc FROM items WHERE id <= ? ORDER BY id`,
      `SELECT id, IF(${S('txt')} = 'POSITIVE', amount, NULL) AS amt, CONCAT(color, ':', ${S('txt')}) AS tagged FROM items WHERE id <= ? ORDER BY id`,
      `SELECT id, ROUND(${C('txt')}, 3) AS r3, ${C('txt')} * 2 AS twice, LENGTH(${S('txt')}) AS len FROM items WHERE id <= ? ORDER BY id`,
      `SELECT id, CASE ${S('txt')} WHEN 'POSITIVE' THEN bits WHEN 'NEGATIVE' THEN NULL ELSE b'1' END AS b FROM items WHERE id <= ? ORDER BY id`,
      `SELECT id, COUNT(*) OVER (PARTITION BY ${S('txt')}) AS peers, ${S('txt')} AS s FROM items WHERE id <= ? ORDER BY id`,
      `SELECT id, JSON_ARRAY(${S('txt')}, u, ip, amount) AS arr, JSON_MERGE_PATCH(j, JSON_OBJECT('mood', ${S('txt')})) AS merged FROM items WHERE id <= ? ORDER BY id`,
    ]),
    params: times(r, 1, 3, () => [r.pick([0, 3, 12, ITEM_ROWS, '7', 5n])]),
  }),
  'ML in WHERE': (r) => ({
    sql: `SELECT id, u, ip, pt, tags FROM items WHERE ${S('txt')} = ? ORDER BY id`,
    params: times(r, 1, 3, () => [r.pick(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED', 'none'])]),
  }),
  'ML in GROUP BY': (r) => ({
    // Exact aggregates only: MariaDB sorts the groups, and rows of one group reach a float sum in any order.
    sql: r.pick([
      `SELECT ${S('txt')} AS s, COUNT(*) AS n, SUM(amount) AS total, MAX(at) AS latest, BIT_OR(bits) AS anybits FROM items WHERE id > ? GROUP BY s ORDER BY s`,
      `SELECT ${S('txt')} AS s, GROUP_CONCAT(id ORDER BY id) AS ids, AVG(small) AS mean, MIN(dbl) AS least FROM items WHERE id > ? GROUP BY 1 ORDER BY 1`,
    ]),
    params: [[r.int(0, 10)]],
  }),
  'ML with LIMIT, many rows': (r) => ({
    sql: r.pick([
      `SELECT id, txt, ${S('txt')} AS s FROM items ORDER BY id LIMIT ?`,
      `SELECT a.id AS a, b.id AS b, ${S('a.txt')} AS s, b.note FROM items a JOIN items b ORDER BY a.id, b.id LIMIT ?`,
      `SELECT id, amount, ${C('txt')} AS c FROM items ORDER BY ${S('txt')}, id LIMIT ?`,
    ]),
    params: times(r, 1, 3, () => [r.pick([0, 1, 5, 100, 1000])]),
  }),
  'view and procedure over ML': (r) => ({
    sql: r.pick(['SELECT * FROM item_moods WHERE id <= ? ORDER BY id', 'CALL mood_report(?)']),
    params: times(r, 1, 2, () => [r.int(0, ITEM_ROWS + 1)]),
  }),
  // Binary protocol: the OUT and INOUT values come as a result set of their own (SERVER_PS_OUT_PARAMS).
  'procedure OUT parameters': (r, texts) => ({
    sql: 'CALL mood_of(?, ?, ?)',
    params: times(r, 1, 3, () => [r.pick(texts), null, r.int(0, 9)]),
    protocols: ['execute', 'prepare'],
  }),
  'INSERT ... VALUES with ML': (r, texts) => ({
    sql: `INSERT INTO outbox (id, txt, mood, conf, j, amount, u, bits) VALUES (?, ?, ${S('?')}, ${C('?')}, ?, ?, ?, ?)`,
    params: times(r, 1, 5, () => {
      const t = r.chance(0.1) ? null : r.pick(texts);
      return [
        r.int(1000, 1400),
        t,
        t,
        t,
        r.chance(0.2) ? null : JSON.stringify({ k: r.pick(texts), n: r.int(0, 9) }),
        r.chance(0.2) ? null : `${r.int(-9999, 9999)}.${r.int(0, 99)}`,
        r.chance(0.3) ? null : '123e4567-e89b-12d3-a456-426614174000',
        r.chance(0.3) ? null : r.int(0, 1023),
      ];
    }),
    check: READ_OUTBOX,
    protocols: ['execute', 'prepare', 'batch', 'query'],
  }),
  'INSERT ... SELECT with ML': (r) => ({
    sql: `INSERT INTO outbox (id, txt, mood, conf, j, amount, u, bits) SELECT id + ?, txt, ${S('txt')}, ${C('txt')}, j, amount, u, bits FROM items WHERE id BETWEEN ? AND ?`,
    params: times(r, 1, 3, () => {
      const lo = r.int(1, ITEM_ROWS);
      return [r.int(2000, 2600), lo, lo + r.int(0, 4)];
    }),
    check: READ_OUTBOX,
    protocols: ['execute', 'prepare', 'batch', 'query'],
  }),
  'upserts with ML (duplicates update or warn)': (r) => ({
    sql: r.pick([
      `INSERT INTO outbox (id, txt, mood) SELECT id + 2000, txt, ${S('txt')} FROM items WHERE id <= ? ON DUPLICATE KEY UPDATE mood = CONCAT(${S('VALUES(txt)')}, '!')`,
      `INSERT IGNORE INTO outbox (id, txt, mood) SELECT id + 2000, txt, CONCAT(${S('txt')}, REPEAT('+', 14)) FROM items WHERE id <= ?`,
      `REPLACE INTO outbox (id, txt, mood, j) SELECT id + 2000, txt, ${S('txt')}, JSON_OBJECT('m', ${S('txt')}) FROM items WHERE id <= ?`,
    ]),
    params: times(r, 1, 2, () => [r.int(0, ITEM_ROWS)]),
    check: READ_OUTBOX,
    protocols: ['execute', 'prepare', 'batch', 'query'],
  }),
  'UPDATE with ML': (r) => ({
    sql: `UPDATE outbox SET mood = ${S('txt')}, conf = ${C('txt')} * ? WHERE id % ? = ?`,
    params: [[r.pick([1, 2, 0.5]), r.int(2, 5), r.int(0, 1)]],
    check: READ_OUTBOX,
  }),
  'ML in subqueries and locking reads': (r) => ({
    sql: r.pick([
      `UPDATE outbox SET conf = ? WHERE id IN (SELECT id + 2000 FROM items WHERE ${S('txt')} = 'NEUTRAL')`,
      `SELECT id, (SELECT ${S('b.txt')} FROM items b WHERE b.id = a.id + 1) AS next_mood FROM items a WHERE a.id <= ? ORDER BY id`,
      `SELECT id, ${S('txt')} AS s FROM items WHERE id <= ? ORDER BY id FOR UPDATE`,
      `SELECT s, COUNT(*) AS n FROM (SELECT ${S('txt')} AS s FROM items WHERE id <= ?) t GROUP BY s ORDER BY s`,
    ]),
    params: times(r, 1, 2, () => [r.int(0, ITEM_ROWS)]),
    check: READ_OUTBOX,
  }),
  'DELETE with ML': (r) => ({
    sql: `DELETE FROM outbox WHERE ${S('txt')} = ? AND id % ? = 0`,
    params: [[r.pick(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED']), r.int(2, 7)]],
    check: READ_OUTBOX,
  }),
  'failing ML statements': (r, texts) => {
    const t = r.pick(texts);
    const failing: Omit<Case, 'protocol' | 'label'>[] = [
      { sql: `SELECT ${S('nosuch')} FROM items WHERE id = ?`, params: [[1]] },
      { sql: `SELECT ${S('txt')} FROM no_such_table WHERE id = ?`, params: [[1]] },
      // 1062: the id is there already (or is by the second row), then a row that goes in.
      {
        sql: `INSERT INTO outbox (id, txt, mood) VALUES (?, ?, ${S('?')})`,
        params: [
          [5000, t, t],
          [5000, null, null],
          [5001 + r.int(0, 500), t, t],
        ],
      },
      // 1366 in strict mode (not an integer), then one that works.
      {
        sql: `INSERT INTO outbox (id, txt, mood) VALUES (?, ?, ${S('?')})`,
        params: [
          ['abc', t, t],
          [6000 + r.int(0, 500), t, t],
        ],
      },
      // 1406: too long for VARCHAR(16).
      {
        sql: `INSERT INTO outbox (id, mood) VALUES (?, CONCAT(${S('?')}, REPEAT('x', ?)))`,
        params: [[r.int(3000, 3100), t, 30]],
      },
      { sql: `SELECT ${S('txt')}, id FROM items WHERE id = ? UNION SELECT 1`, params: [[2]] },
      // 1690 on a row after the first: the result set fails after its column definitions.
      { sql: `SELECT id, ${S('txt')} AS s, small - ? AS d FROM items ORDER BY id`, params: [[-9223372036854775807n]] },
      { sql: `SELECT ${S('txt')} AS s, CAST(j AS JSON) AS bad FROM items WHERE id = ?`, params: [[1]] },
    ];
    return { ...r.pick(failing), check: READ_OUTBOX, protocols: ['query', 'execute', 'prepare'] };
  },
  'scripts: transactions and SQL-level PREPARE': (r, texts, charset) => {
    const id = r.int(7000, 7999);
    const t = sqlString(r.pick(texts));
    // Under NO_BACKSLASH_ESCAPES a backslash is itself.
    const backslashed = `'${(TEXTS.find((x) => x.includes('\\')) as string).replace(/'/g, "''")}'`;
    // The driver goes on encoding in its own charset after SET NAMES: a text both read alike.
    const ascii = sqlString(r.pick(texts.filter((x) => /^[\x20-\x7e]*$/.test(x))));
    const steps = r.pick([
      [
        'START TRANSACTION',
        `INSERT INTO outbox (id, txt, mood) VALUES (${id}, ${t}, ${S(t)})`,
        `SELECT id, mood, ${S('txt')} AS again FROM outbox WHERE id = ${id}`,
        r.pick(['COMMIT', 'ROLLBACK']),
        READ_OUTBOX,
      ],
      [
        'SET autocommit = 0',
        `UPDATE outbox SET mood = ${S('txt')} WHERE id % 3 = 0`,
        `SELECT @@in_transaction AS t, ${S(t)} AS s`,
        'ROLLBACK',
        'SET autocommit = 1',
        READ_OUTBOX,
      ],
      [
        `PREPARE ps FROM 'SELECT id, ${S('txt').replace(/'/g, "''")} AS s, ? AS p FROM items WHERE id <= ? ORDER BY id'`,
        `SET @p = ${r.pick(["'x'", '42', 'NULL', '1.5'])}, @lo = ${r.int(0, 8)}`,
        'EXECUTE ps USING @p, @lo',
        'EXECUTE ps USING @lo, @lo',
        'DEALLOCATE PREPARE ps',
      ],
      [`SET @m = ${S(t)}`, `SELECT CONCAT(@m, '!'), ${C(t)} INTO @m2, @c`, 'SELECT @m AS m, @m2 AS m2, @c AS c'],
      [`CALL mood_of(${t}, @m, @n)`, 'SELECT @m AS m, @n AS n'],
      // The statement's own warnings, after the emulator's statements.
      [`SELECT ${S(t)} AS s, CAST('12abc' AS INT) AS n`, 'SHOW WARNINGS', 'SELECT @@warning_count AS w'],
      [
        `INSERT IGNORE INTO outbox (id, txt, mood) SELECT id + 2000, txt, CONCAT(${S('txt')}, 'xxxxxxxxxx') FROM items WHERE id <= 3`,
        'SHOW WARNINGS',
      ],
      // The connection's charset changed under the emulator (the label compared as utf8mb4 on both sides).
      [
        `SET NAMES ${charset === 'latin1' ? 'utf8mb4' : 'latin1'}`,
        `SELECT CONVERT(${S(ascii)} USING utf8mb4) AS s, CONCAT('é', CONVERT(${S('txt')} USING utf8mb4)) FROM items WHERE id <= 3 ORDER BY id`,
        `SET NAMES ${charset}`,
        `SELECT ${S(t)} AS s`,
      ],
      // SQL modes that change how statements read (the emulator's own statements run under them too).
      [
        "SET SESSION sql_mode = CONCAT(@@sql_mode, ',ANSI,NO_BACKSLASH_ESCAPES')",
        `SELECT "id", ${S('"txt"')} || '!' AS "s", aws_comprehend_detect_sentiment ("txt", 'en') AS spaced FROM items WHERE "id" <= 3 ORDER BY "id"`,
        `INSERT INTO outbox (id, txt, mood) VALUES (${id}, ${backslashed}, ${S(backslashed)})`,
        `SELECT id, txt, mood FROM outbox WHERE id = ${id}`,
        'SET SESSION sql_mode = DEFAULT',
      ],
      // The server forgets the session's tables and prepared statements: the emulator must too.
      [
        `SELECT ${S(t)} AS s`,
        RESET_STEP,
        `SELECT ${S(t)} AS s, ${C('txt')} AS c FROM items WHERE id <= 2 ORDER BY id`,
        'SELECT @m AS m',
      ],
    ]);
    return { sql: steps.join('; '), params: [], steps, protocols: ['script'] };
  },
  'plain statements': (r) => ({
    sql: r.pick([
      'SELECT id, j, u, ip, pt, amount, bits, color, tags, bin, at, day, dur, yr, big, vb, lat FROM items WHERE id BETWEEN ? AND ? ORDER BY id',
      'SELECT COUNT(*) AS n, SUM(amount) AS total FROM outbox WHERE id > ? AND id < ?',
    ]),
    params: [idRange(r)],
  }),
};

const FAMILY_NAMES = Object.keys(FAMILIES);

export interface WorkloadOptions {
  /** Another stream, other cases. */
  readonly stream?: string;
  /** The connection is latin1: ML calls get only the texts it can send. */
  readonly latin1?: boolean;
}

/** `count` cases from `seed`; each case's protocol is drawn from those its family allows. */
export function workload(seed: number, count: number, { stream = '', latin1 = false }: WorkloadOptions = {}): Case[] {
  const r = new Rng(caseSeed(seed, `workload ${stream}`, 0));
  const texts = latin1 ? LATIN1_TEXTS : TEXTS;
  const cases: Case[] = [];
  for (let i = 0; i < count; i++) {
    const family = r.pick(FAMILY_NAMES);
    const made = (FAMILIES[family] as Maker)(
      new Rng(caseSeed(seed, `${stream} ${family}`, i)),
      texts,
      latin1 ? 'latin1' : 'utf8mb4',
    );
    const protocol = r.pick(made.protocols ?? (['query', 'execute', 'prepare'] as const));
    const { protocols: _, ...rest } = made;
    cases.push({ label: `#${i} ${family} (${protocol})`, protocol, ...rest });
  }
  return cases;
}
