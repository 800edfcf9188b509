/**
 * Seeded random statement mixes for the MySQL differential harness: ML calls
 * in the select list, WHERE, ORDER BY ... LIMIT, GROUP BY, views, INSERT ...
 * SELECT, UPDATE SET and DELETE; plain reads and writes; warnings; errors in
 * the middle of transactions; autocommit on and off; START TRANSACTION (also
 * READ ONLY), COMMIT, ROLLBACK, savepoints; DDL and LOCK TABLES with their
 * implicit commits. Each statement is sent over the text or the binary
 * protocol, chosen by the same seed.
 *
 * Left out on purpose, being documented differences from Aurora
 * (docs/how-it-works.md): AUTO_INCREMENT and ROW_COUNT()/FOUND_ROWS() after ML
 * statements, volatile arguments, ML writes to non-transactional tables,
 * multi-statement texts, cursors, and the max_batch_size argument (a stored
 * function cannot be overloaded on the direct side).
 */

import { seededRandom } from '../../../src/backends/middleware/random.ts';
import { SCORE_FUNCTION, UNSUPPORTED_LANGUAGE } from './answers.ts';
import type { Param } from './wire-client.ts';

export interface Statement {
  /** With `?` for each parameter; the text protocol gets them inlined as literals. */
  readonly sql: string;
  readonly params: readonly Param[];
  readonly protocol: 'text' | 'binary';
}

const OPENERS = ['I love', 'Great job on', 'The refund for', 'Honestly', 'My broken', 'Nothing special about', 'Awful:'];
const OBJECTS = ['the blender', 'your café', 'this "pro" plan', "my sister's order", 'the app, again', 'delivery', 'le support'];
const CLOSERS = ['', ' but it works', ' - perfect', ' today.', ' BUT slow', '!!', ' — great'];
const TAGS = ['a', 'b,c', 'say "hi"', 'ünïcødé', '', 'x'.repeat(30), 'late, again', null];

export const REVIEW_ROWS = 40;

/** The seed rows of `reviews`, the same for both sides. */
export function seedReviews(seed: number): Param[][] {
  const rnd = seededRandom(seed ^ 0x5eed);
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rnd() * list.length)] as T;
  const rows: Param[][] = [];
  for (let id = 1; id <= REVIEW_ROWS; id++) {
    const body = rnd() < 0.08 ? null : `${pick(OPENERS)} ${pick(OBJECTS)}${pick(CLOSERS)} #${id}`;
    const lang = rnd() < 0.05 ? null : rnd() < 0.2 ? 'es' : 'en';
    const qty = rnd() < 0.1 ? null : Math.floor(rnd() * 40) - 10;
    rows.push([id, body, lang, qty, pick(TAGS)]);
  }
  return rows;
}

export const TABLES = [
  `CREATE TABLE reviews (id INT PRIMARY KEY, body VARCHAR(200) NULL, lang VARCHAR(8) NULL, qty INT NULL,
     tag VARCHAR(64) NULL) ENGINE=InnoDB`,
  `CREATE TABLE labels (id INT PRIMARY KEY, sentiment VARCHAR(16) NULL, confidence DOUBLE NULL, score DOUBLE NULL)
     ENGINE=InnoDB`,
  'CREATE TABLE notes (id INT PRIMARY KEY, note VARCHAR(64) NOT NULL) ENGINE=InnoDB',
];

/** Made after the functions exist (on the emulator's side, through it, so it knows the view reaches ML). */
export const VIEWS = [
  `CREATE VIEW review_moods AS SELECT id, aws_comprehend_detect_sentiment(body, 'en') AS mood,
     ${SCORE_FUNCTION}(qty, tag) AS score FROM reviews`,
];

const S = (x: string) => `aws_comprehend_detect_sentiment(${x})`;
const C = (x: string) => `aws_comprehend_detect_sentiment_confidence(${x})`;

type Maker = (r: Rng) => { sql: string; params: Param[]; textOnly?: boolean };

class Rng {
  constructor(readonly next: () => number) {}
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  pick<T>(list: readonly T[]): T {
    return list[Math.floor(this.next() * list.length)] as T;
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  /** An id range inside the seed rows. */
  range(): [number, number] {
    const lo = this.int(1, REVIEW_ROWS);
    return [lo, Math.min(REVIEW_ROWS, lo + this.int(0, 12))];
  }
  lang(): string {
    return this.chance(0.04) ? UNSUPPORTED_LANGUAGE : this.pick(['en', 'en', 'es']);
  }
}

/** Arguments written the ways clients write them: spacing and case differ, column names must follow. */
const textArg = (r: Rng) => r.pick(['body', 'body', 'CONCAT(body, tag)', "COALESCE(body, 'n/a')", 'tag', 'LOWER(body)']);
const spaced = (r: Rng, fn: (x: string) => string, args: string) => {
  const call = fn(args);
  if (!r.chance(0.2)) return call;
  const open = call.indexOf('(');
  return `${call.slice(0, open).toUpperCase()} ( ${call.slice(open + 1, -1)} )`;
};

const MAKERS: readonly (readonly [number, Maker])[] = [
  [
    12,
    (r) => {
      const [lo, hi] = r.range();
      const lang = r.lang();
      const alias = r.chance(0.5) ? ' AS s' : '';
      const arg = textArg(r);
      return {
        sql: `SELECT id, ${spaced(r, S, `${arg}, ?`)}${alias}, ${spaced(r, C, `${arg}, 'en'`)} FROM reviews WHERE id BETWEEN ? AND ? ORDER BY id`,
        params: [lang, lo, hi],
      };
    },
  ],
  [
    6,
    (r) => ({
      sql: `SELECT id, body FROM reviews WHERE ${S(`${textArg(r)}, lang`)} = ? ORDER BY id`,
      params: [r.pick(['POSITIVE', 'NEGATIVE', 'MIXED', 'NEUTRAL', 'positive'])],
    }),
  ],
  [
    5,
    (r) => ({
      sql: `SELECT id, ${C("body, 'en'")} AS c FROM reviews ORDER BY ${C("body, 'en'")} DESC, id LIMIT ?`,
      params: [r.int(1, 8)],
    }),
  ],
  [
    6,
    (r) => {
      const [lo, hi] = r.range();
      return {
        sql: `SELECT id, ${SCORE_FUNCTION}(qty, tag), ${SCORE_FUNCTION}(?, body) FROM reviews WHERE id BETWEEN ? AND ?`,
        params: [r.int(-5, 20), lo, hi],
      };
    },
  ],
  [
    3,
    () => ({
      sql: `SELECT ${S("body, 'en'")} AS mood, COUNT(*) AS n, SUM(${SCORE_FUNCTION}(qty, tag)) AS total FROM reviews GROUP BY mood ORDER BY mood`,
      params: [],
    }),
  ],
  [
    3,
    (r) => {
      const [lo, hi] = r.range();
      return { sql: 'SELECT * FROM review_moods WHERE id BETWEEN ? AND ? ORDER BY id', params: [lo, hi] };
    },
  ],
  [
    6,
    (r) => {
      const [lo, hi] = r.range();
      const ignore = r.chance(0.4) ? ' IGNORE' : '';
      return {
        sql: `INSERT${ignore} INTO labels (id, sentiment, confidence, score)
          SELECT id + ?, ${S('body, lang')}, ${C("body, 'en'")}, ${SCORE_FUNCTION}(qty, tag) FROM reviews WHERE id BETWEEN ? AND ?`,
        params: [r.pick([0, 0, 100, 200]), lo, hi],
      };
    },
  ],
  [
    6,
    (r) => ({
      sql: `UPDATE labels SET sentiment = ${S(`CONCAT(?, id, ' ', COALESCE(sentiment, '')), ?`)}, score = ${SCORE_FUNCTION}(id, sentiment)
        WHERE id % ? = ?`,
      params: [r.pick(['so great ', 'broken ', 'ok ', '']), r.lang(), r.int(2, 5), r.int(0, 1)],
    }),
  ],
  [
    3,
    (r) => {
      const [lo, hi] = r.range();
      return {
        sql: `UPDATE reviews SET tag = LEFT(CONCAT(${S("body, 'en'")}, '-', COALESCE(tag, '')), 40) WHERE id BETWEEN ? AND ?`,
        params: [lo, hi],
      };
    },
  ],
  [
    3,
    (r) => ({
      sql: `DELETE FROM labels WHERE id > ? AND ${S("CONCAT('label ', COALESCE(sentiment, 'none')), 'en'")} = ?`,
      params: [r.int(0, 60), r.pick(['NEUTRAL', 'NEGATIVE', 'MIXED'])],
    }),
  ],
  [5, (r) => ({ sql: 'INSERT INTO notes (id, note) VALUES (?, ?)', params: [r.int(1, 40), `note ${r.int(0, 999)}`] })],
  [3, (r) => ({ sql: 'UPDATE notes SET note = CONCAT(note, ?) WHERE id <= ?', params: ['+', r.int(1, 40)] })],
  [2, (r) => ({ sql: 'DELETE FROM notes WHERE id > ?', params: [r.int(10, 40)] })],
  [3, () => ({ sql: 'SELECT id, sentiment, confidence, score FROM labels ORDER BY id', params: [] })],
  [2, () => ({ sql: 'SELECT COUNT(*), MAX(note) FROM notes', params: [] })],
  [2, () => ({ sql: 'SELECT id, tag FROM reviews ORDER BY id', params: [] })],
  [
    3,
    (r) => ({
      sql: `SELECT 1/0 AS z, CAST(? AS SIGNED) AS n, ${S('body, lang')} FROM reviews WHERE id = ?`,
      params: [r.pick(['12', '12abc', 'x']), r.int(1, REVIEW_ROWS)],
    }),
  ],
  [
    2,
    (r) => ({
      sql: `UPDATE labels SET confidence = ${C(`?, '${UNSUPPORTED_LANGUAGE}'`)} WHERE id <= ?`,
      params: ['never evaluated when no row matches', r.int(0, 30)],
    }),
  ],
  [
    2,
    (r) => ({
      sql: r.pick([
        'SELEC 1',
        'SELECT nope FROM notes',
        `SELECT ${S("body, 'en'")} FROM no_such_table`,
        `SELECT ${S("nope, 'en'")} FROM reviews`,
      ]),
      params: [],
    }),
  ],
  [
    14,
    (r) => ({
      sql: r.pick([
        'START TRANSACTION',
        'BEGIN',
        'COMMIT',
        'COMMIT',
        'ROLLBACK',
        'ROLLBACK',
        'SAVEPOINT sp1',
        'SAVEPOINT sp1',
        'ROLLBACK TO SAVEPOINT sp1',
        'RELEASE SAVEPOINT sp1',
        'SET autocommit = 0',
        'SET autocommit = 1',
        'START TRANSACTION READ ONLY',
        // The emulator's own savepoint must never be visible to the client.
        'ROLLBACK TO SAVEPOINT aurora_ml_statement',
      ]),
      params: [],
    }),
  ],
  [
    3,
    (r) => ({
      sql: r.pick([
        'CREATE TABLE IF NOT EXISTS scratch_t (id INT PRIMARY KEY) ENGINE=InnoDB',
        'DROP TABLE IF EXISTS scratch_t',
        "ALTER TABLE notes COMMENT = 'touched'",
        'DROP FUNCTION IF EXISTS no_such_function',
      ]),
      params: [],
    }),
  ],
  [
    1,
    (r) => ({
      sql: r.pick(['LOCK TABLES reviews READ, labels WRITE, notes WRITE', 'UNLOCK TABLES', 'UNLOCK TABLES']),
      params: [],
    }),
  ],
];

const TOTAL_WEIGHT = MAKERS.reduce((sum, [w]) => sum + w, 0);

export function* workload(seed: number): Generator<Statement> {
  const r = new Rng(seededRandom(seed));
  for (;;) {
    let roll = r.next() * TOTAL_WEIGHT;
    let maker = MAKERS[0]?.[1] as Maker;
    for (const [weight, m] of MAKERS) {
      roll -= weight;
      if (roll < 0) {
        maker = m;
        break;
      }
    }
    const { sql, params } = maker(r);
    yield { sql, params, protocol: r.chance(0.5) ? 'binary' : 'text' };
  }
}

/** The statement as one text, parameters written as SQL literals (for COM_QUERY and for repros). */
export function inlined(statement: Pick<Statement, 'sql' | 'params'>): string {
  let i = 0;
  return statement.sql.replace(/\?/g, () => {
    const p = statement.params[i++];
    if (p === null || p === undefined) return 'NULL';
    if (typeof p === 'number') return String(p);
    return `'${p.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
  });
}
