/**
 * Which calls of a MySQL statement the emulator may answer before running it,
 * and from which rows (src/sql/mysql/prefetch-plan.ts). A plan that took a
 * call the statement evaluates only sometimes, or computed its arguments
 * from other rows, would send ML requests real Aurora never sends; so every
 * doubtful shape must plan nothing. Pure: no database.
 */
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/backends/middleware/random.ts';
import { findMlCalls } from '../src/sql/mysql/ml-calls.ts';
import { planMysqlPrefetch } from '../src/sql/mysql/prefetch-plan.ts';

const S = 'aws_comprehend_detect_sentiment';
const E = 'aws_sagemaker_invoke_endpoint';

const plan = (sql: string) => planMysqlPrefetch(sql, findMlCalls(sql));

/** The plan as text: each site's call text, and the source. */
function shown(sql: string): { sites: string[]; source: string } | null {
  const p = plan(sql);
  if (p === null) return null;
  return { sites: p.sites.map((c) => sql.slice(c.start, c.close + 1)), source: p.source };
}

describe('UPDATE', () => {
  it('plans the bench statement: the call of SET, over the table filtered by WHERE', () => {
    const sql = `UPDATE tickets SET sentiment = ${S}(message, 'en') WHERE sentiment IS NULL`;
    expect(shown(sql)).toEqual({ sites: [`${S}(message, 'en')`], source: 'FROM tickets WHERE sentiment IS NULL' });
    const calls = findMlCalls(sql);
    expect(planMysqlPrefetch(sql, calls)?.sites).toEqual([calls[0]]);
    expect(planMysqlPrefetch(sql, calls)?.sites[0]).toBe(calls[0]);
  });

  it('keeps the alias and qualified or backquoted names, and leaves ORDER BY and the semicolon out', () => {
    expect(
      shown(`UPDATE LOW_PRIORITY IGNORE shop.tickets AS t SET t.s = ${S}(t.message, 'en') WHERE t.id < 5 ORDER BY t.id;`),
    ).toEqual({
      sites: [`${S}(t.message, 'en')`],
      source: 'FROM shop.tickets AS t WHERE t.id < 5',
    });
    expect(shown(`UPDATE \`my db\`.\`tickets\` \`t\` SET \`s\` = ${S}(\`t\`.\`body text\`, 'en')`)).toEqual({
      sites: [`${S}(\`t\`.\`body text\`, 'en')`],
      source: 'FROM `my db`.`tickets` `t`',
    });
  });

  it('takes every call of the SET list, in text order, and reads the rows even for a call on literals', () => {
    const sql = `UPDATE t SET a = ${S}(msg, 'en'), b = ${S}_confidence(msg, 'en'), c = 'x'`;
    expect(shown(sql)).toEqual({ sites: [`${S}(msg, 'en')`, `${S}_confidence(msg, 'en')`], source: 'FROM t' });
    // No row matching, no call: the literal call is made once per row the UPDATE changes.
    expect(shown(`UPDATE t SET a = ${S}('fixed', 'en') WHERE id = 1`)).toEqual({
      sites: [`${S}('fixed', 'en')`],
      source: 'FROM t WHERE id = 1',
    });
  });

  it('does not take a call that reads a column an earlier assignment changed (MySQL assigns left to right)', () => {
    expect(plan(`UPDATE t SET msg = TRIM(msg), s = ${S}(msg, 'en')`)).toBeNull();
    expect(plan(`UPDATE t SET t.Msg = 'x', s = ${S}(t.msg, 'en')`)).toBeNull();
    expect(plan(`UPDATE t SET \`msg\` = 'x', s = ${S}(UPPER(\`MSG\`), 'en')`)).toBeNull();
    // Assigned after the call, the column still holds its old value when the call reads it.
    expect(shown(`UPDATE t SET s = ${S}(msg, 'en'), msg = NULL`)?.sites).toEqual([`${S}(msg, 'en')`]);
    // Only the call reading the new value is left out.
    expect(shown(`UPDATE t SET lang = 'en', a = ${S}(msg, 'en'), b = ${S}(msg, lang)`)?.sites).toEqual([`${S}(msg, 'en')`]);
  });

  it.each([
    ['a comma join', `UPDATE t, u SET t.s = ${S}(u.msg, 'en') WHERE t.id = u.id`],
    ['a JOIN', `UPDATE t JOIN u ON u.id = t.id SET t.s = ${S}(u.msg, 'en')`],
    ['a derived table', `UPDATE (SELECT * FROM t) x SET s = ${S}(msg, 'en')`],
    ['a partition', `UPDATE t PARTITION (p0) SET s = ${S}(msg, 'en')`],
    ['an index hint', `UPDATE t USE INDEX (i) SET s = ${S}(msg, 'en')`],
    ['LIMIT', `UPDATE t SET s = ${S}(msg, 'en') ORDER BY id LIMIT 10`],
    ['a user variable in the arguments', `UPDATE t SET s = ${S}(@msg, 'en')`],
    ['a system variable in the arguments', `UPDATE t SET s = ${S}(msg, @@session.lc_messages)`],
    ['a variable in WHERE', `UPDATE t SET s = ${S}(msg, 'en') WHERE id > @last`],
    ['a call in WHERE', `UPDATE t SET s = ${S}(msg, 'en') WHERE ${S}(msg, 'en') IS NOT NULL`],
    ['CASE', `UPDATE t SET s = CASE WHEN ok THEN ${S}(msg, 'en') END`],
    ['IF', `UPDATE t SET s = IF(ok, ${S}(msg, 'en'), NULL)`],
  ])('plans nothing with %s', (_why, sql) => {
    expect(plan(sql)).toBeNull();
  });
});

describe('SELECT', () => {
  it('takes the calls of the select list, over FROM ... WHERE ..., not ORDER BY', () => {
    const sql = `SELECT id, ${S}(message, 'en') AS s FROM tickets t WHERE t.id > 3 ORDER BY id DESC`;
    expect(shown(sql)).toEqual({ sites: [`${S}(message, 'en')`], source: 'FROM tickets t WHERE t.id > 3' });
  });

  it('keeps comments inside WHERE and ends the source at its last token, not inside a trailing comment', () => {
    const sql = `SELECT ${S}(msg, 'en') FROM t -- all of them\nWHERE /* open */ state = 'open' # still\n  AND id < 9 -- done\n;`;
    expect(shown(sql)?.source).toBe(`FROM t -- all of them\nWHERE /* open */ state = 'open' # still\n  AND id < 9`);
  });

  it('takes literal calls without FROM, with no source', () => {
    expect(shown(`SELECT ${S}('I love it', 'en'), ${S}_confidence('I love it', 'en');`)).toEqual({
      sites: [`${S}('I love it', 'en')`, `${S}_confidence('I love it', 'en')`],
      source: '',
    });
    // Without rows a column argument cannot be read: nothing to plan.
    expect(plan(`SELECT ${S}(CONCAT('a', 'b'), 'en')`)).toBeNull();
    // Without FROM, WHERE can make the statement call nothing.
    expect(plan(`SELECT ${S}('x', 'en') WHERE 1 = 0`)).toBeNull();
  });

  it('skips the select modifiers and reads joins, backquoted names and ORDER BY calls', () => {
    const sql = `SELECT DISTINCT SQL_NO_CACHE HIGH_PRIORITY \`t\`.\`id\`, ${E}('ep', \`t\`.\`body\`, 2) FROM \`tickets\` \`t\` JOIN notes n ON n.id = t.id ORDER BY ${S}(t.body, 'en')`;
    expect(shown(sql)).toEqual({
      sites: [`${E}('ep', \`t\`.\`body\`, 2)`],
      source: 'FROM `tickets` `t` JOIN notes n ON n.id = t.id',
    });
  });

  it('takes a call evaluated before anything else of its item: first in a comparison or in JSON_EXTRACT', () => {
    expect(shown(`SELECT ${S}(msg, 'en') = 'POSITIVE' AS good FROM t`)?.sites).toEqual([`${S}(msg, 'en')`]);
    const sql = `SELECT JSON_UNQUOTE(JSON_EXTRACT(${E}('ep', body), '$.label')) FROM t`;
    expect(shown(sql)).toEqual({ sites: [`${E}('ep', body)`], source: 'FROM t' });
  });

  it('takes only the calls that qualify when others do not', () => {
    const sql = `SELECT ${S}(a, 'en'), CONCAT(note, ${S}(b, 'en')), ${S}(c, 'en') FROM t`;
    expect(shown(sql)?.sites).toEqual([`${S}(a, 'en')`, `${S}(c, 'en')`]);
    // The right operand is skipped when the left one is NULL: only the left call is made for every row.
    expect(shown(`SELECT ${S}(a, 'en') = ${S}(b, 'en') FROM t`)?.sites).toEqual([`${S}(a, 'en')`]);
  });

  it('reads a double-quoted argument from the rows, as it names a column under ANSI_QUOTES', () => {
    expect(shown(`SELECT ${S}('x', "en") FROM t`)).toEqual({ sites: [`${S}('x', "en")`], source: 'FROM t' });
    expect(plan(`SELECT ${S}('x', "en")`)).toBeNull();
  });

  it.each([
    ['GROUP BY', `SELECT lang, ${S}(MAX(msg), lang) FROM t GROUP BY lang`],
    ['HAVING', `SELECT ${S}(msg, 'en') FROM t HAVING id > 1`],
    ['LIMIT', `SELECT ${S}(msg, 'en') FROM t ORDER BY id LIMIT 5`],
    ['OFFSET', `SELECT ${S}(msg, 'en') FROM t LIMIT 5 OFFSET 2`],
    ['FETCH', `SELECT ${S}(msg, 'en') FROM t FETCH FIRST 3 ROWS ONLY`],
    ['UNION', `SELECT ${S}(msg, 'en') FROM t UNION ALL SELECT ${S}(msg, 'en') FROM u`],
    ['EXCEPT', `SELECT ${S}(msg, 'en') FROM t EXCEPT SELECT 'x'`],
    ['INTO', `SELECT ${S}(msg, 'en') INTO @s FROM t`],
    ['INTO OUTFILE', `SELECT ${S}(msg, 'en') FROM t INTO OUTFILE '/tmp/x'`],
    ['FOR UPDATE', `SELECT ${S}(msg, 'en') FROM t FOR UPDATE`],
    ['LOCK IN SHARE MODE', `SELECT ${S}(msg, 'en') FROM t LOCK IN SHARE MODE`],
    ['WINDOW', `SELECT ${S}(msg, 'en') FROM t WINDOW w AS (ORDER BY id)`],
    ['an aggregate in the list', `SELECT COUNT(*), ${S}(msg, 'en') FROM t`],
    ['an aggregate in another item, nested', `SELECT ${S}(msg, 'en'), ROUND(AVG(score), 2) FROM t`],
    ['an aggregate in ORDER BY', `SELECT ${S}(msg, 'en') FROM t ORDER BY MAX(id)`],
    ['a stored function in the list (it may aggregate)', `SELECT ${S}(msg, 'en'), my_agg(id) FROM t`],
    ['a qualified stored function', `SELECT ${S}(msg, 'en'), db.concat(id) FROM t`],
    ['a window', `SELECT ${S}(msg, 'en'), ROW_NUMBER() OVER (ORDER BY id) FROM t`],
    ['CASE', `SELECT CASE WHEN id = 1 THEN ${S}(msg, 'en') END FROM t`],
    ['CASE with the call first', `SELECT CASE ${S}(msg, 'en') WHEN 'POSITIVE' THEN 1 END FROM t`],
    ['IF', `SELECT IF(ok, ${S}(msg, 'en'), NULL) FROM t`],
    ['IFNULL', `SELECT IFNULL(${S}(msg, 'en'), 'none') FROM t`],
    ['COALESCE', `SELECT COALESCE(note, ${S}(msg, 'en')) FROM t`],
    ['NULLIF', `SELECT NULLIF(${S}(msg, 'en'), 'NEUTRAL') FROM t`],
    ['AND', `SELECT ok AND ${S}(msg, 'en') = 'POSITIVE' FROM t`],
    ['OR', `SELECT ${S}(msg, 'en') = 'POSITIVE' OR ok FROM t`],
    ['&&', `SELECT ok && ${S}(msg, 'en') = 'POSITIVE' FROM t`],
    ['||', `SELECT ok || ${S}(msg, 'en') = 'POSITIVE' FROM t`],
    ['NOT', `SELECT NOT ${S}(msg, 'en') = 'POSITIVE' FROM t`],
    ['!', `SELECT !(${S}(msg, 'en') = 'POSITIVE') FROM t`],
    ['BETWEEN', `SELECT ${S}_confidence(msg, 'en') BETWEEN 0 AND 1 FROM t`],
    ['IN', `SELECT ${S}(msg, 'en') IN ('POSITIVE', 'NEUTRAL') FROM t`],
    ['GREATEST', `SELECT GREATEST(${S}_confidence(msg, 'en'), 0.5) FROM t`],
    ['a subquery', `SELECT (SELECT ${S}(u.msg, 'en') FROM u WHERE u.id = t.id) FROM t`],
    ['a call after a column it is compared with (NULL skips it)', `SELECT label = ${S}(msg, 'en') FROM t`],
    ['a call after another argument of CONCAT', `SELECT CONCAT(note, ${S}(msg, 'en')) FROM t`],
    ['a nested ML call', `SELECT ${S}(${S}(msg, 'en'), 'en') FROM t`],
    ['a call in WHERE', `SELECT id, ${S}(msg, 'en') FROM t WHERE ${S}(msg, 'en') = 'POSITIVE'`],
    ['a call in a derived table of FROM', `SELECT ${S}(s, 'en') FROM (SELECT ${S}(msg, 'en') AS s FROM t) d`],
    ['a placeholder', `SELECT ${S}(msg, ?) FROM t`],
    ['a placeholder in WHERE', `SELECT ${S}(msg, 'en') FROM t WHERE id = ?`],
    ['a user variable in the arguments', `SELECT ${S}(@msg, 'en') FROM t`],
    ['RAND in WHERE', `SELECT ${S}(msg, 'en') FROM t WHERE RAND() < 0.1`],
    ['UUID in the arguments', `SELECT ${S}(CONCAT(msg, UUID()), 'en') FROM t`],
    ['the clock in the arguments', `SELECT ${S}(CONCAT(msg, NOW()), 'en') FROM t`],
    ['CURRENT_TIMESTAMP in the arguments', `SELECT ${S}(CONCAT(msg, CURRENT_TIMESTAMP), 'en') FROM t`],
    ['a sequence', `SELECT ${S}(CONCAT(msg, NEXT VALUE FOR s), 'en') FROM t`],
    ['FOUND_ROWS (the prefetch would change it)', `SELECT ${S}(msg, 'en'), FOUND_ROWS() FROM t`],
    ['a stored function in the arguments', `SELECT ${S}(clean(msg), 'en') FROM t`],
    ['an executable comment', `SELECT ${S}(msg, 'en') FROM t /*!80000 WHERE id > 3 */`],
    ['a MariaDB executable comment', `SELECT ${S}(msg, 'en') FROM t /*M!100500 WHERE id > 3 */`],
    ['an unterminated string', `SELECT ${S}(msg, 'en') FROM t WHERE a = 'open`],
    ['an unterminated comment', `SELECT ${S}(msg, 'en') FROM t /* open`],
    ['a character MySQL does not accept', `SELECT ${S}(msg, 'en') FROM t WHERE a = {b}`],
    ['a backslash (read otherwise under NO_BACKSLASH_ESCAPES)', `SELECT ${S}(msg, 'en') FROM t WHERE a = 'it\\'s'`],
    ['adjacent strings (split under ANSI_QUOTES)', `SELECT ${S}(msg, 'en') FROM t WHERE a = 'x' "y"`],
    ['two statements', `SELECT ${S}(msg, 'en') FROM t; SELECT 1`],
    ['a call without its closing parenthesis', `SELECT ${S}(msg, 'en' FROM t`],
    ['a call without arguments', `SELECT ${S}() FROM t`],
  ])('plans nothing with %s', (_why, sql) => {
    expect(findMlCalls(sql).length).toBeGreaterThan(0);
    expect(plan(sql)).toBeNull();
  });
});

describe('INSERT ... SELECT', () => {
  it('plans the SELECT, which ends where ON DUPLICATE KEY UPDATE starts', () => {
    const sql = `INSERT INTO results (id, s) SELECT id, ${S}(body, 'en') FROM docs WHERE id < 9 ON DUPLICATE KEY UPDATE s = ${S}(VALUES(s), 'en')`;
    expect(shown(sql)).toEqual({ sites: [`${S}(body, 'en')`], source: 'FROM docs WHERE id < 9' });
  });

  it('accepts REPLACE, the priority words, IGNORE, a qualified target and a partition', () => {
    expect(shown(`REPLACE LOW_PRIORITY INTO db.results SELECT ${S}(body, 'en') FROM docs;`)?.source).toBe('FROM docs');
    expect(shown(`INSERT HIGH_PRIORITY IGNORE results PARTITION (p1) (s) SELECT ${S}(body, 'en') FROM docs`)?.source).toBe(
      'FROM docs',
    );
    expect(shown(`INSERT INTO results (s) SELECT ${S}('x', 'en')`)).toEqual({ sites: [`${S}('x', 'en')`], source: '' });
  });

  it.each([
    ['VALUES', `INSERT INTO results VALUES (1, ${S}('x', 'en'))`],
    ['VALUE', `INSERT INTO results (s) VALUE (${S}('x', 'en'))`],
    ['SET', `INSERT INTO results SET s = ${S}('x', 'en')`],
    ['TABLE', `INSERT INTO results TABLE docs`],
    ['a SELECT in parentheses', `INSERT INTO results (SELECT ${S}(body, 'en') FROM docs)`],
    ['a SELECT in parentheses after the columns', `INSERT INTO results (s) (SELECT ${S}(body, 'en') FROM docs)`],
    ['a CTE', `INSERT INTO results (s) WITH d AS (SELECT body FROM docs) SELECT ${S}(body, 'en') FROM d`],
    ['LIMIT in the SELECT', `INSERT INTO results (s) SELECT ${S}(body, 'en') FROM docs LIMIT 3`],
    [
      'a call only in ON DUPLICATE KEY UPDATE',
      `INSERT INTO results (s) SELECT body FROM docs ON DUPLICATE KEY UPDATE s = ${S}(s, 'en')`,
    ],
  ])('plans nothing with %s', (_why, sql) => {
    expect(plan(sql)).toBeNull();
  });
});

describe('other statements', () => {
  it.each([
    ['DELETE', `DELETE FROM t WHERE ${S}(msg, 'en') = 'NEGATIVE'`],
    ['WITH', `WITH x AS (SELECT msg FROM t) SELECT ${S}(msg, 'en') FROM x`],
    ['a SELECT in parentheses', `(SELECT ${S}(msg, 'en') FROM t)`],
    ['CREATE TABLE ... SELECT', `CREATE TABLE r AS SELECT ${S}(msg, 'en') AS s FROM t`],
    ['SET', `SET @s = ${S}('x', 'en')`],
    ['DO', `DO ${S}('x', 'en')`],
    ['EXPLAIN', `EXPLAIN SELECT ${S}(msg, 'en') FROM t`],
  ])('plans nothing for %s', (_why, sql) => {
    expect(plan(sql)).toBeNull();
  });

  it('plans nothing without calls', () => {
    expect(planMysqlPrefetch('SELECT id FROM t', [])).toBeNull();
  });
});

/** A piece of a generated statement, with what the planner must make of it. */
interface Piece {
  readonly text: string;
  /** The calls of the piece that must be sites when the statement is planned at all. */
  readonly sites?: readonly string[];
  /** The sites need rows (an argument is not a literal); false for literal-only sites. */
  readonly rows?: boolean;
  /** The piece reads `msg` in a call's arguments (UPDATE: not a site after `msg = ...`). */
  readonly readsMsg?: boolean;
  /** The piece makes the whole statement unplannable. */
  readonly refuses?: boolean;
  /** Only where the statement is a SELECT (an aggregate is an error in UPDATE). */
  readonly selectOnly?: boolean;
}

const PLAIN = `${S}(msg, 'en')`;
const EXPRESSIONS: readonly Piece[] = [
  { text: PLAIN, sites: [PLAIN], rows: true, readsMsg: true },
  { text: `${S}('fixed', 'en')`, sites: [`${S}('fixed', 'en')`], rows: false },
  {
    text: `JSON_UNQUOTE(JSON_EXTRACT(${E}('ep', msg), '$.s'))`,
    sites: [`${E}('ep', msg)`],
    rows: true,
    readsMsg: true,
  },
  { text: `${PLAIN} = 'POSITIVE'`, sites: [PLAIN], rows: true, readsMsg: true },
  { text: 'id' },
  { text: `CASE WHEN ok THEN ${PLAIN} END` },
  { text: `IF(ok, ${PLAIN}, NULL)` },
  { text: `COALESCE(note, ${PLAIN})` },
  { text: `${PLAIN} = 'NEGATIVE' OR ok` },
  { text: `CONCAT(note, ${PLAIN})` },
  { text: `${S}(${PLAIN}, 'en')` },
  { text: `(SELECT ${S}(u.msg, 'en') FROM u WHERE u.id = 1)` },
  { text: `${S}(@note, 'en')` },
  { text: `${S}(msg, ?)`, refuses: true },
  { text: `/*!80000 ${PLAIN} */`, refuses: true },
  { text: `${S}(CONCAT(msg, RAND()), 'en')`, refuses: true },
  { text: 'COUNT(*)', refuses: true, selectOnly: true },
];

const FROMS: readonly string[] = ['', 'FROM t', 'FROM tickets AS t JOIN notes n ON n.id = t.id', 'FROM `my tickets` t'];
const WHERES: readonly Piece[] = [
  { text: '' },
  { text: 'WHERE id > 3' },
  { text: 'WHERE note IS NULL -- pending\n  AND id < 100' },
  { text: `WHERE ${PLAIN} = 'POSITIVE'`, refuses: true },
  { text: 'WHERE id = @last', refuses: true },
  { text: 'WHERE RAND() < 0.5', refuses: true },
];
const SELECT_TAILS: readonly Piece[] = [
  { text: '' },
  { text: '' },
  { text: 'ORDER BY id DESC' },
  { text: 'GROUP BY id', refuses: true },
  { text: 'HAVING id > 1', refuses: true },
  { text: 'LIMIT 5', refuses: true },
  { text: 'UNION SELECT 1', refuses: true },
  { text: 'FOR UPDATE', refuses: true },
];
const OTHER_STATEMENTS: readonly string[] = [
  `DELETE FROM t WHERE ${PLAIN} = 'NEGATIVE'`,
  `WITH x AS (SELECT msg FROM t) SELECT ${PLAIN} FROM x`,
  `UPDATE t JOIN u ON u.id = t.id SET t.s = ${S}(u.msg, 'en')`,
  `INSERT INTO results VALUES (${S}('x', 'en'))`,
];

interface Generated {
  readonly sql: string;
  readonly kind: 'select' | 'update' | 'other';
  /** The plan the statement must get: null, or its sites' texts and its source. */
  readonly expected: { readonly sites: readonly string[]; readonly source: string } | null;
}

function generator(random: () => number) {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
  /** A piece that refuses the statement one time in ten, and otherwise holds sites one time in two, so that many statements are planned. */
  const piece = (xs: readonly Piece[]): Piece => {
    const refusing = xs.filter((p) => p.refuses === true);
    if (refusing.length > 0 && random() < 0.1) return pick(refusing);
    const withSites = xs.filter((p) => p.sites !== undefined);
    if (withSites.length > 0 && random() < 0.5) return pick(withSites);
    return pick(xs.filter((p) => p.refuses !== true && p.sites === undefined));
  };
  const join = (...parts: string[]) => parts.filter((p) => p !== '').join(' ');

  /** Expected plan from the chosen pieces' sites (a site with rows needs a FROM; every site reads the rows there are). */
  function expectedPlan(
    refused: boolean,
    sites: ReadonlyArray<{ text: string; rows: boolean }>,
    source: string,
  ): Generated['expected'] {
    if (refused || sites.length === 0) return null;
    return { sites: sites.map((s) => s.text), source };
  }

  function select(prefix: string): Generated {
    const items = Array.from({ length: 1 + Math.floor(random() * 3) }, () => piece(EXPRESSIONS));
    const from = pick(FROMS);
    const where = piece(WHERES);
    const tail = piece(SELECT_TAILS);
    const dup = prefix !== '' && random() < 0.5 ? `ON DUPLICATE KEY UPDATE s = ${S}(VALUES(s), 'en')` : '';
    const semicolon = random() < 0.3 ? ';' : '';
    const sql = join(prefix, 'SELECT', items.map((i) => i.text).join(', '), from, where.text, tail.text, dup) + semicolon;
    // Without FROM, WHERE refuses and only literal calls can be sites.
    const refused = [...items, where, tail].some((p) => p.refuses === true) || (from === '' && where.text !== '');
    const sites = items.flatMap((i) => (i.sites ?? []).map((text) => ({ text, rows: i.rows === true })));
    const usable = from === '' ? sites.filter((s) => !s.rows) : sites;
    return { sql, kind: 'select', expected: expectedPlan(refused, usable, join(from, where.text)) };
  }

  function update(): Generated {
    const table = pick(['tickets', 'tickets AS t', '`my tickets` t']);
    const where = piece(WHERES);
    const tail = piece([{ text: '' }, { text: 'ORDER BY id' }, { text: 'ORDER BY id LIMIT 3', refuses: true }]);
    const assignments: string[] = [];
    const sites: Array<{ text: string; rows: boolean }> = [];
    let refused = where.refuses === true || tail.refuses === true;
    let msgAssigned = false;
    for (let k = 0; k < 1 + Math.floor(random() * 3); k++) {
      if (random() < 0.2) {
        assignments.push("msg = 'x'");
        msgAssigned = true;
        continue;
      }
      const rhs = piece(EXPRESSIONS.filter((p) => p.selectOnly !== true));
      assignments.push(`s${k} = ${rhs.text}`);
      refused ||= rhs.refuses === true;
      if (!(msgAssigned && rhs.readsMsg === true))
        sites.push(...(rhs.sites ?? []).map((text) => ({ text, rows: rhs.rows === true })));
    }
    const sql = join('UPDATE', table, 'SET', assignments.join(', '), where.text, tail.text);
    return { sql, kind: 'update', expected: expectedPlan(refused, sites, join('FROM', table, where.text)) };
  }

  return (): Generated => {
    const r = random();
    if (r < 0.4) return select('');
    if (r < 0.65) return update();
    if (r < 0.9) return select(pick(['INSERT INTO results (a, b)', 'INSERT IGNORE results', 'REPLACE INTO results (s)']));
    return { sql: pick(OTHER_STATEMENTS), kind: 'other', expected: null };
  };
}

describe('generated statements', () => {
  const next = generator(seededRandom(20240611));
  const cases = Array.from({ length: 200 }, next);

  it('mix planned and refused statements of every kind', () => {
    const planned = cases.filter((c) => c.expected !== null);
    expect(planned.length).toBeGreaterThan(50);
    expect(cases.length - planned.length).toBeGreaterThan(50);
    expect(planned.filter((c) => c.kind === 'update').length).toBeGreaterThan(10);
    expect(planned.filter((c) => c.sql.startsWith('INSERT') || c.sql.startsWith('REPLACE')).length).toBeGreaterThan(10);
    // SELECTs without FROM: the only plans without rows to read.
    expect(planned.filter((c) => c.expected?.source === '').length).toBeGreaterThanOrEqual(5);
  });

  it.each(cases.map((c, i) => [i, c] as const))('#%i', (_i, { sql, kind, expected }) => {
    const calls = findMlCalls(sql);
    const p = planMysqlPrefetch(sql, calls);
    for (const site of p?.sites ?? []) {
      expect(calls).toContain(site);
      expect(site.depth).toBe(0);
    }
    if (p !== null && p.source !== '') {
      expect(p.source).toMatch(/^from\b/i);
      // A SELECT's source is a slice of it; an UPDATE's joins its table and its WHERE behind FROM.
      const parts = kind === 'select' ? [p.source] : p.source.replace(/^FROM /, '').split(/ (?=WHERE )/);
      for (const part of parts) {
        const at = sql.indexOf(part);
        expect(at, sql).toBeGreaterThanOrEqual(0);
        for (const site of p.sites) expect(site.start >= at && site.start < at + part.length, sql).toBe(false);
      }
    }
    const got = p === null ? null : { sites: p.sites.map((c) => sql.slice(c.start, c.close + 1)), source: p.source };
    expect(got, sql).toEqual(expected === null ? null : { sites: expected.sites, source: expected.source });
  });
});
