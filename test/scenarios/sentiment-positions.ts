/**
 * The SQL positions Aurora allows for the Comprehend sentiment function, as
 * ONE table shared by the PostgreSQL front (test/pg-sql-shapes.test.ts) and
 * the MySQL front (test/mysql-sql-shapes.test.ts), so the two cannot drift.
 *
 * Each scenario has the statements in Aurora PostgreSQL's form
 * (`(aws_comprehend.detect_sentiment(body, 'en')).sentiment`) and in Aurora
 * MySQL's form (`aws_comprehend_detect_sentiment(body, 'en')`), or null where
 * the feature does not exist in that dialect, and one dialect-neutral
 * expectation computed from the review texts by calling the built-in
 * Comprehend model directly.
 *
 * The tables are unqualified: each mode of each front runs in a schema
 * (PostgreSQL) or database (MySQL) of its own, made by `reviewsTable`.
 */
import { expect } from 'vitest';
import { analyzeSentiment } from '../../src/backends/comprehend/sentiment.ts';

export type Dialect = 'pg' | 'mysql';

export const REVIEWS: readonly string[] = [
  'I love this product, it works perfectly!',
  'Terrible experience, the app crashes every time I open it.',
  'The package arrived on Tuesday.',
  'Great screen but the battery is awful.',
  'Not bad at all, I would buy it again.',
  'I love this product, it works perfectly!',
];

/** The table every scenario reads (its rows are REVIEWS, ids from 1). */
export const REVIEWS_DDL: Record<Dialect, string> = {
  pg: 'CREATE TABLE reviews (id int PRIMARY KEY, body text, sentiment varchar, score real)',
  mysql: 'CREATE TABLE reviews (id INT PRIMARY KEY, body TEXT, sentiment VARCHAR(16), score REAL) ENGINE=InnoDB',
};

/** The model's answer for one text, with the confidence Aurora reports (the score of the label). */
export function expected(text: string): { sentiment: string; confidence: number } {
  const r = analyzeSentiment(text, 'en');
  const score = { POSITIVE: r.scores.Positive, NEGATIVE: r.scores.Negative, NEUTRAL: r.scores.Neutral, MIXED: r.scores.Mixed }[
    r.sentiment
  ];
  return { sentiment: r.sentiment, confidence: score };
}

export interface Review {
  readonly id: number;
  readonly body: string;
  readonly sentiment: string;
  readonly confidence: number;
}

export const BY_ID: readonly Review[] = REVIEWS.map((body, i) => ({ id: i + 1, body, ...expected(body) }));

/** One statement of a scenario. */
export interface Statement {
  readonly sql: string;
  /** Bound parameters: `$n` (PostgreSQL) or `?` (MySQL). */
  readonly params?: readonly unknown[];
  /**
   * Fixture/DDL run outside the mode under test (not in the mode's
   * transaction, not through its protocol), through the emulator. Not checked.
   */
  readonly setup?: true;
  /**
   * Run as a server-side prepared statement of this name: PostgreSQL a named
   * statement (Parse once, Bind/Execute each time); MySQL text modes
   * PREPARE ... FROM / EXECUTE ... USING, binary modes COM_STMT_PREPARE/EXECUTE.
   */
  readonly prepared?: string;
}

/** What a checked statement must give. Rows are compared with toEqual after the runner's normalisation. */
export interface Check {
  readonly rows?: readonly Record<string, unknown>[];
  readonly affectedRows?: number;
  /** Backend requests the statement costs (emulator.stats.actualRequests after minus before). */
  readonly requests?: number;
}

export interface Scenario {
  readonly id: string;
  readonly name: string;
  /** null: the feature does not exist in that dialect. */
  readonly pg: readonly Statement[] | null;
  readonly mysql: readonly Statement[] | null;
  /** One Check per statement that is not `setup`, in order; the same for both dialects. */
  expect(reviews: readonly Review[]): readonly Check[];
}

const close = (n: number) => expect.closeTo(n, 5);
const setup = (sql: string): Statement => ({ sql, setup: true });
const LITERAL = 'The battery died after one day and support never answered.';

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'select-list',
    name: 'select list: the label and the confidence',
    pg: [
      {
        sql: `SELECT id, (aws_comprehend.detect_sentiment(body, 'en')).sentiment AS s, (aws_comprehend.detect_sentiment(body, 'en')).confidence AS c FROM reviews ORDER BY id`,
      },
    ],
    mysql: [
      {
        sql: `SELECT id, aws_comprehend_detect_sentiment(body, 'en') AS s, aws_comprehend_detect_sentiment_confidence(body, 'en') AS c FROM reviews ORDER BY id`,
      },
    ],
    expect: (reviews) => [{ rows: reviews.map((r) => ({ id: r.id, s: r.sentiment, c: close(r.confidence) })) }],
  },
  {
    id: 'where',
    name: "WHERE f(...) = 'NEGATIVE'",
    pg: [
      {
        sql: `SELECT id FROM reviews WHERE (aws_comprehend.detect_sentiment(body, 'en')).sentiment = 'NEGATIVE' ORDER BY id`,
      },
    ],
    mysql: [{ sql: `SELECT id FROM reviews WHERE aws_comprehend_detect_sentiment(body, 'en') = 'NEGATIVE' ORDER BY id` }],
    expect: (reviews) => [{ rows: reviews.filter((r) => r.sentiment === 'NEGATIVE').map((r) => ({ id: r.id })) }],
  },
  {
    id: 'where-in-subquery',
    name: "WHERE id IN (a subquery WHERE f(...) = 'NEGATIVE')",
    pg: [
      {
        sql: `SELECT id FROM reviews WHERE id IN (SELECT id FROM reviews WHERE (aws_comprehend.detect_sentiment(body, 'en')).sentiment = 'NEGATIVE') ORDER BY id`,
      },
    ],
    mysql: [
      {
        sql: `SELECT id FROM reviews WHERE id IN (SELECT id FROM reviews WHERE aws_comprehend_detect_sentiment(body, 'en') = 'NEGATIVE') ORDER BY id`,
      },
    ],
    expect: (reviews) => [{ rows: reviews.filter((r) => r.sentiment === 'NEGATIVE').map((r) => ({ id: r.id })) }],
  },
  {
    id: 'order-by-limit',
    name: 'ORDER BY the confidence DESC, id LIMIT 2',
    pg: [{ sql: `SELECT id FROM reviews ORDER BY (aws_comprehend.detect_sentiment(body, 'en')).confidence DESC, id LIMIT 2` }],
    mysql: [{ sql: `SELECT id FROM reviews ORDER BY aws_comprehend_detect_sentiment_confidence(body, 'en') DESC, id LIMIT 2` }],
    expect: (reviews) => [
      {
        rows: [...reviews]
          .sort((a, b) => b.confidence - a.confidence || a.id - b.id)
          .slice(0, 2)
          .map((r) => ({ id: r.id })),
      },
    ],
  },
  {
    id: 'group-by-having',
    name: 'GROUP BY the label HAVING count(*) >= 1',
    pg: [
      {
        sql: `SELECT (aws_comprehend.detect_sentiment(body, 'en')).sentiment AS s, count(*)::int AS n
       FROM reviews GROUP BY 1 HAVING count(*) >= 1 ORDER BY 1`,
      },
    ],
    mysql: [
      {
        sql: `SELECT aws_comprehend_detect_sentiment(body, 'en') AS s, COUNT(*) AS n
       FROM reviews GROUP BY 1 HAVING COUNT(*) >= 1 ORDER BY 1`,
      },
    ],
    expect: (reviews) => {
      const counts = new Map<string, number>();
      for (const r of reviews) counts.set(r.sentiment, (counts.get(r.sentiment) ?? 0) + 1);
      return [{ rows: [...counts.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([s, n]) => ({ s, n })) }];
    },
  },
  {
    id: 'update-set',
    name: 'UPDATE ... SET = f(...) WHERE sentiment IS NULL',
    pg: [
      {
        sql: `UPDATE reviews SET sentiment = (aws_comprehend.detect_sentiment(body, 'en')).sentiment, score = (aws_comprehend.detect_sentiment(body, 'en')).confidence WHERE sentiment IS NULL`,
      },
      { sql: 'SELECT id, sentiment, score FROM reviews ORDER BY id' },
    ],
    mysql: [
      {
        sql: `UPDATE reviews SET sentiment = aws_comprehend_detect_sentiment(body, 'en'), score = aws_comprehend_detect_sentiment_confidence(body, 'en') WHERE sentiment IS NULL`,
      },
      { sql: 'SELECT id, sentiment, score FROM reviews ORDER BY id' },
    ],
    expect: (reviews) => [
      { affectedRows: reviews.length },
      { rows: reviews.map((r) => ({ id: r.id, sentiment: r.sentiment, score: close(r.confidence) })) },
    ],
  },
  {
    id: 'insert-select',
    name: 'INSERT INTO scored SELECT id, f(...) FROM reviews',
    pg: [
      setup('CREATE TABLE scored (id int, s varchar)'),
      { sql: `INSERT INTO scored SELECT id, (aws_comprehend.detect_sentiment(body, 'en')).sentiment FROM reviews` },
      { sql: 'SELECT id, s FROM scored ORDER BY id' },
    ],
    mysql: [
      setup('CREATE TABLE scored (id INT, s VARCHAR(16)) ENGINE=InnoDB'),
      { sql: `INSERT INTO scored SELECT id, aws_comprehend_detect_sentiment(body, 'en') FROM reviews` },
      { sql: 'SELECT id, s FROM scored ORDER BY id' },
    ],
    expect: (reviews) => [{ affectedRows: reviews.length }, { rows: reviews.map((r) => ({ id: r.id, s: r.sentiment })) }],
  },
  {
    id: 'insert-values',
    name: "INSERT INTO scored VALUES (7, f('literal', 'en'))",
    pg: [
      setup('CREATE TABLE scored_values (id int PRIMARY KEY, s varchar)'),
      { sql: `INSERT INTO scored_values VALUES (7, (aws_comprehend.detect_sentiment('${LITERAL}', 'en')).sentiment)` },
      { sql: 'SELECT id, s FROM scored_values ORDER BY id' },
    ],
    mysql: [
      setup('CREATE TABLE scored_values (id INT PRIMARY KEY, s VARCHAR(16)) ENGINE=InnoDB'),
      { sql: `INSERT INTO scored_values VALUES (7, aws_comprehend_detect_sentiment('${LITERAL}', 'en'))` },
      { sql: 'SELECT id, s FROM scored_values ORDER BY id' },
    ],
    expect: () => [{ affectedRows: 1 }, { rows: [{ id: 7, s: expected(LITERAL).sentiment }] }],
  },
  {
    id: 'replace-into',
    name: "REPLACE INTO scored VALUES (7, f('literal', 'en')) over an existing row",
    pg: null,
    mysql: [
      setup('CREATE TABLE scored_replace (id INT PRIMARY KEY, s VARCHAR(16)) ENGINE=InnoDB'),
      setup(`INSERT INTO scored_replace VALUES (7, 'stale')`),
      { sql: `REPLACE INTO scored_replace VALUES (7, aws_comprehend_detect_sentiment('${LITERAL}', 'en'))` },
      { sql: 'SELECT id, s FROM scored_replace ORDER BY id' },
    ],
    // One row deleted and one inserted.
    expect: () => [{ affectedRows: 2 }, { rows: [{ id: 7, s: expected(LITERAL).sentiment }] }],
  },
  {
    id: 'cte-join',
    name: 'a CTE calling f(...) joined with a table',
    pg: [
      setup('CREATE TABLE cte_ids (id int)'),
      setup('INSERT INTO cte_ids SELECT id FROM reviews'),
      {
        sql: `WITH s AS (SELECT id, aws_comprehend.detect_sentiment(body, 'en') AS r FROM reviews)
       SELECT s.id, (s.r).sentiment AS sentiment FROM s JOIN cte_ids USING (id) ORDER BY s.id`,
      },
    ],
    mysql: [
      setup('CREATE TABLE cte_ids (id INT) ENGINE=InnoDB'),
      setup('INSERT INTO cte_ids SELECT id FROM reviews'),
      {
        sql: `WITH s AS (SELECT id, aws_comprehend_detect_sentiment(body, 'en') AS r FROM reviews)
       SELECT s.id, s.r AS sentiment FROM s JOIN cte_ids USING (id) ORDER BY s.id`,
      },
    ],
    expect: (reviews) => [{ rows: reviews.map((r) => ({ id: r.id, sentiment: r.sentiment })) }],
  },
  {
    id: 'multi-table-update',
    name: 'a multi-table UPDATE setting f(...) of the joined table',
    pg: [
      setup('CREATE TABLE labels (id int PRIMARY KEY, sentiment varchar)'),
      setup('INSERT INTO labels (id) SELECT id FROM reviews'),
      {
        sql: `UPDATE labels SET sentiment = (aws_comprehend.detect_sentiment(r.body, 'en')).sentiment FROM reviews r WHERE labels.id = r.id AND labels.sentiment IS NULL`,
      },
      { sql: 'SELECT id, sentiment FROM labels ORDER BY id' },
    ],
    mysql: [
      setup('CREATE TABLE labels (id INT PRIMARY KEY, sentiment VARCHAR(16)) ENGINE=InnoDB'),
      setup('INSERT INTO labels (id) SELECT id FROM reviews'),
      {
        sql: `UPDATE labels JOIN reviews r ON labels.id = r.id SET labels.sentiment = aws_comprehend_detect_sentiment(r.body, 'en') WHERE labels.sentiment IS NULL`,
      },
      { sql: 'SELECT id, sentiment FROM labels ORDER BY id' },
    ],
    expect: (reviews) => [{ affectedRows: reviews.length }, { rows: reviews.map((r) => ({ id: r.id, sentiment: r.sentiment })) }],
  },
  {
    id: 'view',
    name: 'a view over f(...), created through the emulator',
    pg: [
      setup(`CREATE VIEW review_sentiment AS SELECT id, (aws_comprehend.detect_sentiment(body, 'en')).sentiment FROM reviews`),
      { sql: 'SELECT id, sentiment FROM review_sentiment ORDER BY id' },
      { sql: `SELECT id FROM review_sentiment WHERE sentiment = 'NEGATIVE' ORDER BY id` },
    ],
    mysql: [
      setup(`CREATE VIEW review_sentiment AS SELECT id, aws_comprehend_detect_sentiment(body, 'en') AS sentiment FROM reviews`),
      { sql: 'SELECT id, sentiment FROM review_sentiment ORDER BY id' },
      { sql: `SELECT id FROM review_sentiment WHERE sentiment = 'NEGATIVE' ORDER BY id` },
    ],
    expect: (reviews) => [
      { rows: reviews.map((r) => ({ id: r.id, sentiment: r.sentiment })) },
      { rows: reviews.filter((r) => r.sentiment === 'NEGATIVE').map((r) => ({ id: r.id })) },
    ],
  },
  {
    id: 'prepared',
    name: 'a prepared statement with parameters, executed twice with different values',
    pg: [
      {
        prepared: 'sentiment-by-id',
        sql: `SELECT (aws_comprehend.detect_sentiment(body, $2)).sentiment AS s FROM reviews WHERE id = $1`,
        params: [2, 'en'],
      },
      {
        prepared: 'sentiment-by-id',
        sql: `SELECT (aws_comprehend.detect_sentiment(body, $2)).sentiment AS s FROM reviews WHERE id = $1`,
        params: [1, 'en'],
      },
    ],
    mysql: [
      {
        prepared: 'sentiment_by_id',
        sql: `SELECT aws_comprehend_detect_sentiment(body, ?) AS s FROM reviews WHERE id = ?`,
        params: ['en', 2],
      },
      {
        prepared: 'sentiment_by_id',
        sql: `SELECT aws_comprehend_detect_sentiment(body, ?) AS s FROM reviews WHERE id = ?`,
        params: ['en', 1],
      },
    ],
    expect: (reviews) => [{ rows: [{ s: reviews[1]?.sentiment }] }, { rows: [{ s: reviews[0]?.sentiment }] }],
  },
  {
    id: 'batching',
    name: 'identical inputs within a statement are sent once; batches bounded by max batch size (and 25)',
    pg: [
      { sql: `SELECT id, (aws_comprehend.detect_sentiment(body, 'en', 2)).sentiment AS s FROM reviews ORDER BY id` },
      {
        sql: `SELECT count((aws_comprehend.detect_sentiment('text number ' || g, 'en')).sentiment)::int AS n FROM generate_series(1, 60) g`,
      },
    ],
    mysql: [
      { sql: `SELECT id, aws_comprehend_detect_sentiment(body, 'en', 2) AS s FROM reviews ORDER BY id` },
      {
        sql: `WITH RECURSIVE g (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 60)
       SELECT COUNT(aws_comprehend_detect_sentiment(CONCAT('text number ', i), 'en')) AS n FROM g`,
      },
    ],
    expect: (reviews) => [
      // 6 rows, 5 distinct texts, batches of 2 -> 3 requests.
      {
        rows: reviews.map((r) => ({ id: r.id, s: r.sentiment })),
        requests: Math.ceil(new Set(reviews.map((r) => r.body)).size / 2),
      },
      // 60 distinct texts, at most 25 documents a request.
      { rows: [{ n: 60 }], requests: 3 },
    ],
  },
  {
    id: 'nested',
    name: 'nested calls: f(f(literal) || text)',
    pg: [
      {
        sql: `SELECT (aws_comprehend.detect_sentiment((aws_comprehend.detect_sentiment('I love it', 'en')).sentiment || ' day', 'en')).sentiment AS s`,
      },
    ],
    mysql: [
      {
        sql: `SELECT aws_comprehend_detect_sentiment(CONCAT(aws_comprehend_detect_sentiment('I love it', 'en'), ' day'), 'en') AS s`,
      },
    ],
    expect: () => [{ rows: [{ s: expected(`${expected('I love it').sentiment} day`).sentiment }] }],
  },
];

/** What a statement gave, the same shape from every driver. */
export interface Outcome {
  readonly rows: readonly Record<string, unknown>[];
  readonly affectedRows: number | null;
}

/** How one mode of one front runs a scenario's statements. */
export interface ScenarioRunner {
  /** Runs a `setup` statement outside the mode under test, through the emulator. */
  setup(sql: string): Promise<void>;
  /** Runs a checked statement in the mode under test. */
  run(statement: Statement): Promise<Outcome>;
  /** emulator.stats.actualRequests */
  actualRequests(): number;
}

/** bigint (mariadb's COUNT(*)) as number, driver row classes as plain objects. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'bigint' ? Number(v) : v]));
}

/** The scenarios that exist in a dialect. */
export function scenariosFor(dialect: Dialect): { scenario: Scenario; statements: readonly Statement[] }[] {
  return SCENARIOS.flatMap((scenario) => {
    const statements = scenario[dialect];
    return statements === null ? [] : [{ scenario, statements }];
  });
}

/** Runs a scenario's statements for a dialect and checks every one against the shared expectation. */
export async function runScenario(
  scenario: Scenario,
  statements: readonly Statement[],
  runner: ScenarioRunner,
  reviews: readonly Review[] = BY_ID,
): Promise<void> {
  const checks = scenario.expect(reviews);
  expect(statements.filter((s) => !s.setup).length, `${scenario.id}: one check per checked statement`).toBe(checks.length);
  let next = 0;
  for (const statement of statements) {
    if (statement.setup) {
      await runner.setup(statement.sql);
      continue;
    }
    const check = checks[next++] as Check;
    const label = `${scenario.id} #${next}: ${statement.sql}`;
    const before = runner.actualRequests();
    const outcome = await runner.run(statement);
    if (check.requests !== undefined) expect(runner.actualRequests() - before, `${label}: backend requests`).toBe(check.requests);
    if (check.affectedRows !== undefined) expect(outcome.affectedRows, `${label}: affected rows`).toBe(check.affectedRows);
    if (check.rows !== undefined) expect(outcome.rows.map(plain), `${label}: rows`).toEqual(check.rows);
  }
}
