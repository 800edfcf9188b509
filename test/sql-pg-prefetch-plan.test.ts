/**
 * Which calls of a statement the emulator answers before running it, and
 * from which rows (src/sql/pg/prefetch-plan.ts). A plan that took a call the
 * statement evaluates only sometimes would make calls real Aurora never
 * makes; a plan over the wrong rows would miss calls (slow, still right) or
 * make extra ones. Pure: no database.
 */
import { describe, expect, it } from 'vitest';
import { planPrefetch } from '../src/sql/pg/prefetch-plan.ts';

const SCALAR = new Set(['aws_comprehend.detect_sentiment', 'aws_sagemaker.invoke_endpoint', 'aws_bedrock.invoke_model']);
const plan = (sql: string) => planPrefetch(sql, (fn) => SCALAR.has(fn));
const S = 'aws_comprehend.detect_sentiment';

/** The plan as text: each site's call text (and field), and the source. */
function shown(sql: string) {
  const p = plan(sql);
  if (p === null) return null;
  return {
    sites: p.sites.map((s) => ({
      call: sql.slice(s.call.start, s.call.close + 1),
      field: s.field === undefined ? undefined : { text: sql.slice(s.field.start, s.field.end), name: s.field.name },
    })),
    source: p.source,
  };
}

describe('SELECT', () => {
  it('takes a field of a call in the target list, with the FROM ... WHERE ... the rows come from, not ORDER BY', () => {
    const sql = `SELECT id, (${S}(txt, 'en')).sentiment AS s FROM reviews r WHERE r.id > 3 ORDER BY id DESC`;
    expect(shown(sql)).toEqual({
      sites: [{ call: `${S}(txt, 'en')`, field: { text: `(${S}(txt, 'en')).sentiment`, name: 'sentiment' } }],
      source: 'FROM reviews r WHERE r.id > 3',
    });
  });

  it('keeps GROUP BY and HAVING, and takes every call of the list', () => {
    const sql = `SELECT lang, ${S}(string_agg(txt, ' '), lang), aws_sagemaker.invoke_endpoint('e', NULL, json_build_array(count(*))) FROM d GROUP BY lang HAVING count(*) > 1;`;
    const p = shown(sql);
    expect(p?.sites.map((s) => s.call)).toEqual([
      `${S}(string_agg(txt, ' '), lang)`,
      "aws_sagemaker.invoke_endpoint('e', NULL, json_build_array(count(*)))",
    ]);
    expect(p?.source).toBe('FROM d GROUP BY lang HAVING count(*) > 1');
  });

  it('needs no rows for a call in FROM, nor without FROM, when every argument is a literal or parameter', () => {
    expect(shown(`SELECT * FROM ${S}('I love it', 'en')`)).toEqual({ sites: [{ call: `${S}('I love it', 'en')` }], source: '' });
    expect(shown(`SELECT ${S}($1, 'en')`)?.source).toBe('');
    expect(shown(`SELECT s.sentiment FROM t, ${S}('x', 'en') s WHERE t.id = 1`)?.sites).toHaveLength(1);
  });

  it('reads the rows for a call on literals in the target list or SET: a statement matching no row calls nothing', () => {
    expect(shown(`SELECT ${S}($1, 'en') FROM t WHERE false`)?.source).toBe('FROM t WHERE false');
    expect(shown(`SELECT (${S}('x', 'en')).sentiment WHERE false`)?.source).toBe('WHERE false');
    expect(shown(`UPDATE t SET s = (${S}('x', 'xx')).sentiment WHERE id > 100`)?.source).toBe('FROM t WHERE id > 100');
  });

  it('reads `a IS DISTINCT FROM b` as an expression, not as the FROM clause', () => {
    const sql = `SELECT a IS DISTINCT FROM b, ${S}(txt, 'en') FROM t`;
    expect(shown(sql)?.source).toBe('FROM t');
  });

  it.each([
    ['LIMIT (the rows a limit keeps depend on the order)', `SELECT ${S}(txt, 'en') FROM t ORDER BY id LIMIT 5`],
    ['OFFSET', `SELECT ${S}(txt, 'en') FROM t OFFSET 2`],
    ['FETCH FIRST', `SELECT ${S}(txt, 'en') FROM t FETCH FIRST 3 ROWS ONLY`],
    ['UNION', `SELECT ${S}(txt, 'en') FROM t UNION ALL SELECT ${S}(txt, 'en') FROM u`],
    ['FOR UPDATE (the prefetch would lock)', `SELECT ${S}(txt, 'en') FROM t FOR UPDATE`],
    ['SELECT INTO', `SELECT ${S}(txt, 'en') INTO x FROM t`],
    ['WITH (a data-modifying CTE would run twice)', `WITH x AS (SELECT txt FROM t) SELECT ${S}(txt, 'en') FROM x`],
    ['GROUP BY a position (the prefetch has other columns)', `SELECT lang, ${S}(max(txt), lang) FROM t GROUP BY 1`],
    ['CASE', `SELECT CASE WHEN id = 1 THEN (${S}(txt, 'en')).sentiment END FROM t`],
    ['COALESCE', `SELECT coalesce(note, (${S}(txt, 'en')).sentiment) FROM t`],
    ['AND / OR', `SELECT ok AND (${S}(txt, 'en')).sentiment = 'POSITIVE' FROM t`],
    ['FILTER', `SELECT count(*) FILTER (WHERE (${S}(txt, 'en')).sentiment = 'POSITIVE') FROM t`],
    ['a window', `SELECT lag((${S}(txt, 'en')).sentiment) OVER (ORDER BY id) FROM t`],
    ['a subquery', `SELECT (SELECT (${S}(u.txt, 'en')).sentiment FROM u WHERE u.id = t.id) FROM t`],
    ['a call in WHERE over columns', `SELECT id FROM t WHERE (${S}(txt, 'en')).sentiment = 'POSITIVE'`],
    ['a call in ORDER BY', `SELECT id FROM t ORDER BY (${S}(txt, 'en')).confidence`],
    ['named arguments', `SELECT ${S}(input_text => txt, language_code => 'en') FROM t`],
    ['a call nested in a call', `SELECT ${S}((${S}(txt, 'en')).sentiment, 'en') FROM t`],
    ['a set-returning function', `SELECT aws_comprehend.detect_key_phrases(txt, 'en') FROM t`],
    ['a catalog-qualified name', `SELECT test.${S}(txt, 'en') FROM t`],
    ['EXPLAIN', `EXPLAIN ANALYZE SELECT ${S}(txt, 'en') FROM t`],
    ['DELETE', `DELETE FROM t WHERE (${S}(txt, 'en')).sentiment = 'NEGATIVE'`],
    ['an unterminated string', `SELECT ${S}('x, 'en') FROM t`],
  ])('plans nothing with %s', (_why, sql) => {
    expect(plan(sql)).toBeNull();
  });

  it('takes only the literal calls when the source calls ML functions itself', () => {
    const sql = `SELECT ${S}(txt, 'en'), ${S}('fixed', 'en') FROM t WHERE (${S}(txt, 'en')).sentiment = 'POSITIVE'`;
    expect(shown(sql)).toEqual({ sites: [{ call: `${S}('fixed', 'en')` }], source: '' });
  });
});

describe('UPDATE and INSERT ... SELECT', () => {
  it('UPDATE ... SET ... FROM ... WHERE ... RETURNING: the target joined with the FROM list, filtered', () => {
    const sql = `UPDATE results r SET sentiment = (${S}(d.body, d.lang)).sentiment FROM docs d WHERE d.id = r.id AND r.id <= 40 RETURNING r.id`;
    expect(shown(sql)).toEqual({
      sites: [{ call: `${S}(d.body, d.lang)`, field: { text: `(${S}(d.body, d.lang)).sentiment`, name: 'sentiment' } }],
      source: 'FROM results r, docs d WHERE d.id = r.id AND r.id <= 40',
    });
  });

  it('UPDATE without FROM, and without WHERE', () => {
    expect(shown(`UPDATE ONLY t AS x SET s = ${S}(x.txt, 'en') WHERE x.id < 3`)?.source).toBe('FROM ONLY t AS x WHERE x.id < 3');
    expect(shown(`UPDATE t SET s = aws_sagemaker.invoke_endpoint('e', NULL, json_build_array(id))`)?.source).toBe('FROM t');
  });

  it('plans nothing for WHERE CURRENT OF', () => {
    expect(plan(`UPDATE t SET s = ${S}(txt, 'en') WHERE CURRENT OF c`)).toBeNull();
  });

  it('INSERT ... SELECT stops the source at ON CONFLICT and RETURNING', () => {
    const sql = `INSERT INTO results (id, s) SELECT id, (${S}(body, 'en')).sentiment FROM docs WHERE id < 9 ON CONFLICT (id) DO UPDATE SET s = EXCLUDED.s RETURNING id`;
    expect(shown(sql)?.source).toBe('FROM docs WHERE id < 9');
    expect(plan(`INSERT INTO results VALUES (1, ${S}('x', 'en'))`)).toBeNull();
  });
});
