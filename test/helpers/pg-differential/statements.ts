/**
 * The statements cases are made of: ML calls in every position the README
 * lists (select list, FROM, LATERAL, WHERE, ORDER BY ... LIMIT, CTEs,
 * aggregates, CASE, nested calls, INSERT ... SELECT, UPDATE, DELETE), both
 * services, statements without ML, and statements that fail (at parse, at
 * run time, inside an ML call). Each template says whether its rows have a
 * defined order, whether it writes, and whether a cursor may walk it.
 */
import { CHECK_RESULTS, TEXTS } from './dataset.ts';
import { Rng } from './prng.ts';
import type { BindParam } from './protocol.ts';
import { type BuildOptions, SqlBuilder } from './sql-builder.ts';
import { ENDPOINT } from './twins.ts';

export interface Stmt {
  readonly template: string;
  readonly sql: string;
  readonly params: readonly BindParam[];
  readonly paramTypes: readonly number[];
  /** The rows come in one defined order (ORDER BY a unique key, or at most one row). */
  readonly ordered: boolean;
  readonly writes: boolean;
}

interface Shape {
  readonly sql: string;
  readonly ordered: boolean;
}

interface Template {
  readonly name: string;
  readonly weight: number;
  readonly writes?: boolean;
  /** An ordered SELECT of several rows: fit for cursors and Execute row limits. */
  readonly walkable?: boolean;
  /** Fails on purpose; kept out of places where a failure would hide everything after it. */
  readonly fails?: boolean;
  /** Not one statement (the empty query): kept out of PREPARE and multi-statement texts. */
  readonly notAStatement?: boolean;
  /**
   * Calls ML and fails on a later row. A cursor reads it lazily on PostgreSQL
   * (the error comes with the FETCH that reaches the row), while the emulator
   * computes a cursor over ML calls at DECLARE and fails there, with the same
   * error: a documented difference (docs/how-it-works.md), tested on its own
   * in pg-flows.test.ts, so cursor cases leave these out.
   */
  readonly mlFailsOnLaterRow?: boolean;
  build(b: SqlBuilder): Shape;
}

const EXTRA_TEXTS = ['Love it, love it, love it', 'He said "broken" twice', 'mixed: great but awful'];

function text(b: SqlBuilder): string | null {
  return b.values.chance(0.05) ? null : b.values.chance(0.2) ? b.values.pick(EXTRA_TEXTS) : b.values.pick(TEXTS);
}

function lang(b: SqlBuilder): string | null {
  return b.values.weighted<string | null>([
    [10, 'en'],
    [3, 'es'],
    [2, 'fr'],
    [1, 'de'],
    [1, null],
  ]);
}

/** A lower and an upper id bound (the table has 12 to 40 rows; bounds may fall outside). */
function range(b: SqlBuilder): [string, string] {
  const lo = b.values.int(-2, 20);
  const hi = lo + b.values.int(0, 25);
  return [b.arg(lo, 'int'), b.arg(hi, 'int')];
}

/** The language argument: the row's own column or a value. */
function langExpr(b: SqlBuilder, column: string): string {
  return b.rng.chance(0.5) ? column : b.arg(lang(b), 'text');
}

/** An optional max_rows_per_batch argument. */
function batchArg(b: SqlBuilder): string {
  return b.rng.chance(0.3) ? `, ${b.arg(b.values.int(1, 5), 'int')}` : '';
}

/** Up to three model inputs for invoke_endpoint, from columns and typed values. */
function modelInputs(b: SqlBuilder, table: string): string {
  const count = b.rng.int(1, 3);
  const inputs: string[] = [];
  for (let i = 0; i < count; i++) {
    const kind = b.rng.int(0, 5);
    if (kind === 0) inputs.push(`${table}id`);
    else if (kind === 1) inputs.push(`${table}body`);
    else if (kind === 2) inputs.push(`${table}n`);
    else if (kind === 3) inputs.push(`${table}lang`);
    else if (kind === 4) inputs.push(b.typed(b.values.int(-5, 99), 'int'));
    else inputs.push(b.typed(text(b), 'text'));
  }
  return inputs.join(', ');
}

/** ORDER BY a unique key, mostly; without it the rows compare as a multiset. */
const maybeOrder = (b: SqlBuilder, by: string): [string, boolean] =>
  b.rng.chance(0.75) || b.options.ordered ? [` ORDER BY ${by}`, true] : ['', false];

const SENTIMENT = 'aws_comprehend.detect_sentiment';
const INVOKE = 'aws_sagemaker.invoke_endpoint';

const TEMPLATES: readonly Template[] = [
  {
    name: 'select-list',
    weight: 8,
    walkable: true,
    build: (b) => {
      const [lo, hi] = range(b);
      const [order, ordered] = maybeOrder(b, 'id');
      return {
        sql: `SELECT id, (${SENTIMENT}(body, ${langExpr(b, 'lang')}${batchArg(b)})).sentiment AS sentiment FROM docs WHERE id BETWEEN ${lo} AND ${hi}${order}`,
        ordered,
      };
    },
  },
  {
    name: 'from-function',
    weight: 8,
    build: (b) => ({
      sql: `SELECT * FROM ${SENTIMENT}(${b.arg(text(b), 'text')}, ${b.arg(lang(b), 'text')}${batchArg(b)})`,
      ordered: true,
    }),
  },
  {
    name: 'lateral',
    weight: 6,
    walkable: true,
    build: (b) => {
      const [order, ordered] = maybeOrder(b, 'd.id');
      const from = b.rng.chance(0.5)
        ? `docs d, ${SENTIMENT}(d.body, ${langExpr(b, 'd.lang')}) s`
        : `docs d CROSS JOIN LATERAL ${SENTIMENT}(d.body, ${langExpr(b, 'd.lang')}${batchArg(b)}) AS s`;
      return {
        sql: `SELECT d.id, s.sentiment, s.confidence FROM ${from} WHERE d.grp <> ${b.arg(b.values.int(1, 4), 'int')}${order}`,
        ordered,
      };
    },
  },
  {
    name: 'where-confidence',
    weight: 4,
    walkable: true,
    build: (b) => {
      const threshold = b.rng.pick(['0.6', '0.7', '0.85', '0.9']);
      return {
        sql: `SELECT id, body FROM docs WHERE (${SENTIMENT}(body, ${langExpr(b, 'lang')})).confidence > ${threshold} AND id <= ${b.arg(b.values.int(0, 40), 'int')} ORDER BY id`,
        ordered: true,
      };
    },
  },
  {
    name: 'order-by-limit',
    weight: 4,
    walkable: true,
    build: (b) => ({
      sql: `SELECT id, (${SENTIMENT}(body, 'en')).confidence AS c FROM docs WHERE body IS NOT NULL ORDER BY 2 DESC, id LIMIT ${b.typed(b.values.int(0, 8), 'int')}`,
      ordered: true,
    }),
  },
  {
    name: 'cte-group',
    weight: 3,
    walkable: true,
    build: (b) => ({
      sql: `WITH s AS (SELECT id, grp, ${SENTIMENT}(body, lang) AS r FROM docs WHERE id <= ${b.arg(b.values.int(0, 40), 'int')}) SELECT grp, (r).sentiment AS sentiment, count(*) AS n FROM s GROUP BY 1, 2 ORDER BY 1, 2`,
      ordered: true,
    }),
  },
  {
    name: 'aggregate',
    weight: 3,
    build: (b) => ({
      sql: `SELECT count(*) AS n, min((${SENTIMENT}(body, lang)).confidence) AS lo, max((${SENTIMENT}(body, 'en')).sentiment) AS top, round(avg((${SENTIMENT}(body, 'en')).confidence)::numeric, 4) AS mean FROM docs WHERE grp = ${b.arg(b.values.int(1, 4), 'int')}`,
      ordered: true,
    }),
  },
  {
    name: 'case',
    weight: 3,
    walkable: true,
    build: (b) => ({
      sql: `SELECT id, CASE WHEN n > ${b.arg(b.values.int(-3, 20), 'int')} THEN (${SENTIMENT}(body, 'en')).sentiment ELSE 'skipped' END AS label FROM docs ORDER BY id`,
      ordered: true,
    }),
  },
  {
    name: 'values',
    weight: 2,
    build: (b) => ({
      sql: `SELECT v.t, (${SENTIMENT}(v.t, ${b.arg(lang(b), 'text')})).* FROM (VALUES (${b.typed(text(b), 'text')}), (${b.typed(text(b), 'text')})) AS v(t)`,
      ordered: false,
    }),
  },
  {
    name: 'star-expansion',
    weight: 3,
    walkable: true,
    build: (b) => ({
      sql: `SELECT id, (${SENTIMENT}(body, lang)).* FROM docs WHERE grp = ${b.arg(b.values.int(1, 4), 'int')} ORDER BY id`,
      ordered: true,
    }),
  },
  {
    name: 'join-group',
    weight: 2,
    walkable: true,
    build: () => ({
      sql: `SELECT d.grp, count(*) FILTER (WHERE s.sentiment = 'POSITIVE') AS pos, count(s.sentiment) AS known FROM docs d JOIN LATERAL ${SENTIMENT}(d.body, 'en') s ON true GROUP BY d.grp ORDER BY d.grp`,
      ordered: true,
    }),
  },
  {
    name: 'nested',
    weight: 2,
    walkable: true,
    build: (b) => ({
      sql: `SELECT id, ${INVOKE}('${ENDPOINT}', NULL, (${SENTIMENT}(body, 'en')).sentiment) AS out FROM docs WHERE id <= ${b.arg(b.values.int(0, 40), 'int')} ORDER BY id`,
      ordered: true,
    }),
  },
  {
    name: 'invoke-rows',
    weight: 6,
    walkable: true,
    build: (b) => {
      const [lo, hi] = range(b);
      const batch = b.rng.chance(0.5) ? 'NULL' : b.arg(b.values.int(1, 4), 'int');
      const [order, ordered] = maybeOrder(b, 'id');
      return {
        sql: `SELECT id, ${INVOKE}('${ENDPOINT}', ${batch}, ${modelInputs(b, '')}) AS out FROM docs WHERE id BETWEEN ${lo} AND ${hi}${order}`,
        ordered,
      };
    },
  },
  {
    name: 'invoke-single',
    weight: 4,
    build: (b) => ({
      sql: `SELECT * FROM ${INVOKE}('${ENDPOINT}', NULL, ${b.typed(text(b), 'text')}, ${b.typed(b.values.int(-5, 99), 'int')})`,
      ordered: true,
    }),
  },
  {
    name: 'both-services',
    weight: 3,
    walkable: true,
    build: (b) => ({
      sql: `SELECT d.id, s.sentiment, ${INVOKE}('${ENDPOINT}', 2, d.id, s.sentiment) AS out FROM docs d, ${SENTIMENT}(d.body, d.lang) s WHERE d.id <= ${b.arg(b.values.int(0, 40), 'int')} ORDER BY d.id`,
      ordered: true,
    }),
  },
  {
    name: 'insert-select',
    weight: 5,
    writes: true,
    build: (b) => {
      const [lo, hi] = range(b);
      const conflict = b.rng.pick([
        '',
        ' ON CONFLICT (id) DO NOTHING',
        ' ON CONFLICT (id) DO UPDATE SET sentiment = EXCLUDED.sentiment, confidence = EXCLUDED.confidence',
      ]);
      const returning = b.rng.chance(0.3);
      return {
        sql: `INSERT INTO results (id, sentiment, confidence) SELECT id, (s).sentiment, (s).confidence FROM (SELECT id, ${SENTIMENT}(body, ${langExpr(b, 'lang')}) AS s FROM docs WHERE id BETWEEN ${lo} AND ${hi}) q${conflict}${returning ? ' RETURNING id, sentiment, confidence' : ''}`,
        ordered: !returning,
      };
    },
  },
  {
    name: 'update',
    weight: 4,
    writes: true,
    build: (b) => {
      const returning = b.rng.chance(0.3);
      return {
        sql: `UPDATE results r SET sentiment = (${SENTIMENT}(d.body, ${langExpr(b, 'd.lang')})).sentiment FROM docs d WHERE d.id = r.id AND r.id <= ${b.arg(b.values.int(0, 40), 'int')}${returning ? ' RETURNING r.id, r.sentiment' : ''}`,
        ordered: !returning,
      };
    },
  },
  {
    name: 'update-invoke',
    weight: 2,
    writes: true,
    build: (b) => {
      const [lo, hi] = range(b);
      return {
        sql: `UPDATE results SET sentiment = ${INVOKE}('${ENDPOINT}', NULL, id, sentiment) WHERE id BETWEEN ${lo} AND ${hi}`,
        ordered: true,
      };
    },
  },
  {
    name: 'insert-values',
    weight: 2,
    writes: true,
    build: (b) => ({
      sql: `INSERT INTO results VALUES (${b.arg(b.values.int(1, 45), 'int')}, (${SENTIMENT}(${b.arg(text(b), 'text')}, 'en')).sentiment, 0.25)`,
      ordered: true,
    }),
  },
  {
    name: 'delete-where',
    weight: 2,
    writes: true,
    build: (b) => ({
      sql: `DELETE FROM results WHERE id IN (SELECT id FROM docs WHERE (${SENTIMENT}(body, 'en')).sentiment = ${b.arg(b.values.pick(['POSITIVE', 'NEGATIVE', 'NEUTRAL', 'MIXED']), 'text')})`,
      ordered: true,
    }),
  },
  {
    name: 'plain-select',
    weight: 5,
    walkable: true,
    build: (b) => {
      const [order, ordered] = maybeOrder(b, 'id');
      return { sql: `SELECT id, n * 2 AS n2, body FROM docs WHERE grp <> ${b.arg(b.values.int(1, 4), 'int')}${order}`, ordered };
    },
  },
  {
    name: 'plain-aggregate',
    weight: 2,
    build: (b) => ({
      sql: `SELECT count(*) AS c, sum(n) AS s FROM docs WHERE id <= ${b.arg(b.values.int(0, 40), 'int')}`,
      ordered: true,
    }),
  },
  {
    name: 'plain-values',
    weight: 2,
    build: (b) => ({
      sql: `SELECT ${b.typed(text(b), 'text')} AS a, ${b.typed(b.values.int(-9, 9), 'int')} AS b`,
      ordered: true,
    }),
  },
  {
    name: 'plain-insert',
    weight: 2,
    writes: true,
    build: (b) => ({ sql: `INSERT INTO results VALUES (${b.arg(b.values.int(1, 45), 'int')}, 'MANUAL', 0.25)`, ordered: true }),
  },
  {
    name: 'plain-update',
    weight: 2,
    writes: true,
    build: (b) => ({
      sql: `UPDATE results SET confidence = confidence + 1 WHERE id <= ${b.arg(b.values.int(0, 40), 'int')}`,
      ordered: true,
    }),
  },
  {
    name: 'notice-with-ml',
    weight: 2,
    build: (b) => ({
      sql: `SELECT id, note(id) AS noted, (${SENTIMENT}(body, 'en')).sentiment FROM docs WHERE id <= ${b.arg(b.values.int(0, 4), 'int')} ORDER BY id`,
      ordered: true,
    }),
  },
  {
    name: 'notice-plain',
    weight: 1,
    build: (b) => ({ sql: `SELECT note(${b.arg(b.values.int(-9, 9), 'int')}) AS noted`, ordered: true }),
  },
  {
    name: 'check-results',
    weight: 3,
    walkable: true,
    build: () => ({ sql: CHECK_RESULTS, ordered: true }),
  },
  {
    name: 'division-by-zero',
    weight: 1,
    fails: true,
    walkable: true,
    build: (b) => ({
      sql: `SELECT id, 100 / (id - ${b.arg(b.values.int(1, 12), 'int')}) AS q FROM docs ORDER BY id`,
      ordered: true,
    }),
  },
  {
    name: 'ml-division-by-zero',
    weight: 1,
    fails: true,
    walkable: true,
    mlFailsOnLaterRow: true,
    build: (b) => ({
      sql: `SELECT id, (${SENTIMENT}(body, 'en')).sentiment, 100 / (id - ${b.arg(b.values.int(1, 12), 'int')}) AS q FROM docs ORDER BY id`,
      ordered: true,
    }),
  },
  { name: 'no-such-table', weight: 1, fails: true, build: () => ({ sql: 'SELECT * FROM no_such_table', ordered: true }) },
  {
    name: 'syntax-error',
    weight: 1,
    fails: true,
    build: () => ({ sql: `SELECT (${SENTIMENT}('x', 'en')).sentiment FROM`, ordered: true }),
  },
  {
    name: 'ml-bad-language',
    weight: 1,
    fails: true,
    build: (b) => ({ sql: `SELECT * FROM ${SENTIMENT}(${b.arg(text(b), 'text')}, 'xx')`, ordered: true }),
  },
  {
    name: 'ml-bad-batch',
    weight: 1,
    fails: true,
    build: (b) => ({
      sql: `SELECT id, (${SENTIMENT}(body, 'en', 0)).sentiment FROM docs WHERE id <= ${b.arg(b.values.int(1, 6), 'int')} ORDER BY id`,
      ordered: true,
    }),
  },
  {
    name: 'ml-text-too-long',
    weight: 1,
    fails: true,
    build: () => ({ sql: `SELECT * FROM ${SENTIMENT}(repeat('x', 5001), 'en')`, ordered: true }),
  },
  {
    name: 'invoke-bad-batch',
    weight: 1,
    fails: true,
    build: () => ({ sql: `SELECT ${INVOKE}('${ENDPOINT}', 0, id) FROM docs ORDER BY id`, ordered: true }),
  },
  { name: 'empty-query', weight: 1, notAStatement: true, build: () => ({ sql: '', ordered: true }) },
];

export interface TemplateFilter {
  readonly walkable?: boolean;
  readonly failing?: boolean;
  readonly writes?: boolean;
  readonly statementsOnly?: boolean;
  /** Leave out templates that call ML and fail on a later row (see Template.mlFailsOnLaterRow). */
  readonly noLateMlFailure?: boolean;
}

export function pickTemplate(rng: Rng, filter: TemplateFilter = {}): Template {
  const fits = TEMPLATES.filter(
    (t) =>
      (filter.walkable === undefined || (t.walkable ?? false) === filter.walkable) &&
      (filter.failing === undefined || (t.fails ?? false) === filter.failing) &&
      (filter.writes === undefined || (t.writes ?? false) === filter.writes) &&
      (!filter.statementsOnly || !t.notAStatement) &&
      (!filter.noLateMlFailure || !t.mlFailsOnLaterRow),
  );
  return rng.weighted(fits.map((t) => [t.weight, t] as const));
}

/**
 * Builds `template` with its shape drawn from `shapeSeed` and its values
 * from `valueSeed`: the same shapeSeed with another valueSeed gives the
 * same SQL text (extended protocol) with other parameter values.
 */
export function buildStmt(template: Template, shapeSeed: number, valueSeed: number, options: BuildOptions): Stmt {
  const b = new SqlBuilder(new Rng(shapeSeed), new Rng(valueSeed), options);
  const shape = template.build(b);
  return {
    template: template.name,
    sql: shape.sql,
    params: b.params,
    paramTypes: b.paramTypes,
    ordered: shape.ordered,
    writes: template.writes ?? false,
  };
}

export type { Template };
