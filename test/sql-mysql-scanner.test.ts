import { describe, expect, it } from 'vitest';
import { MYSQL_BUILTINS, type MysqlBuiltin } from '../src/functions/registry.ts';
import { parseCreateFunctionAlias } from '../src/sql/mysql/create-function-alias.ts';
import { tokenize } from '../src/sql/mysql/lexer.ts';
import { acceptsArgCount, wrongArgCountCall } from '../src/sql/mysql/ml-call-counts.ts';
import { findMlCalls, mightTouchMl, referencesAny } from '../src/sql/mysql/ml-calls.ts';
import { parsePreparedStatementCommand } from '../src/sql/mysql/prepare-statements.ts';
import { reservedWordUse } from '../src/sql/mysql/reserved-words.ts';
import { classifyStatement, createTableQuery } from '../src/sql/mysql/statement-kind.ts';
import { splitStatements } from '../src/sql/mysql/statement-split.ts';
import type { LexOptions, Token } from '../src/sql/mysql/tokens.ts';
import { validateAliasFunction } from '../src/sql/mysql/validate-alias.ts';
import { writeTargets } from '../src/sql/mysql/write-targets.ts';
import { BEDROCK, CHURN, MYSQL_SCANNER_SAMPLES, PROC, SEED_SELECT, SEED_UPDATE } from './fixtures/mysql-scanner-samples.ts';

function describeToken(t: Token): string | number {
  if ('value' in t) return t.value;
  if ('text' in t) return t.text;
  if ('name' in t) return t.name;
  if (t.kind === 'param') return t.index;
  return '';
}

const lex = (sql: string, opts: LexOptions = {}): Array<[string, string | number]> =>
  tokenize(sql, opts).map((t) => [t.kind, describeToken(t)]);

function only(sql: string, opts: LexOptions = {}): Token {
  const tokens = tokenize(sql, opts);
  expect(tokens).toHaveLength(1);
  return tokens[0] as Token;
}

const fns = (sql: string): string[] => findMlCalls(sql).map((c) => c.fn);

describe('mysql lexer: literals', () => {
  it('decodes doubled quotes and backslash escapes', () => {
    expect(only("'it''s'")).toMatchObject({ kind: 'string', value: "it's", unterminated: false });
    expect(only(String.raw`'a\'b\n\\c\%'`)).toMatchObject({ kind: 'string', value: "a'b\n\\c\\%" });
    expect(only('"say ""hi"""')).toMatchObject({ kind: 'string', value: 'say "hi"' });
  });
  it('keeps backslashes under NO_BACKSLASH_ESCAPES', () => {
    expect(only(String.raw`'a\n'`, { noBackslashEscapes: true })).toMatchObject({ value: String.raw`a\n` });
    // 'a\' ends the string when backslash is ordinary, so the rest is a new token.
    expect(lex(String.raw`'a\' 'b'`, { noBackslashEscapes: true })).toEqual([['string', String.raw`a\b`]]);
    // With escapes, \' is a quote: the string ends at the space's quote and b' opens a bit string.
    expect(lex(String.raw`'a\' 'b'`)).toEqual([
      ['string', "a' "],
      ['hex_bit', ''],
    ]);
  });
  it('concatenates adjacent strings', () => {
    expect(only("'a' 'b'\n\"c\"")).toMatchObject({ kind: 'string', value: 'abc' });
  });
  it('reads "..." as an identifier under ANSI_QUOTES', () => {
    expect(only('"My Col"', { ansiQuotes: true })).toMatchObject({ kind: 'quoted_ident', quote: '"', value: 'My Col' });
    expect(only('"My Col"')).toMatchObject({ kind: 'string' });
  });
  it('reads backquoted identifiers with `` escapes', () => {
    expect(only('`a``b`')).toMatchObject({ kind: 'quoted_ident', quote: '`', value: 'a`b' });
    expect(only('`open')).toMatchObject({ kind: 'quoted_ident', unterminated: true });
  });
  it('reads charset introducers and N strings', () => {
    expect(only("_utf8mb4'x'")).toMatchObject({ kind: 'string', charset: 'utf8mb4', value: 'x', start: 0 });
    expect(only("_latin1 'y'")).toMatchObject({ kind: 'string', charset: 'latin1', value: 'y' });
    expect(only("N'z'")).toMatchObject({ kind: 'string', charset: 'national' });
    expect(only("_binary X'4A'")).toMatchObject({ kind: 'hex_bit', prefix: "X'", charset: 'binary', value: '4A' });
    expect(lex("_col 'alias'")).toEqual([
      ['ident', '_col'],
      ['string', 'alias'],
    ]);
  });
  it('reads hex and bit literals, numbers, identifiers starting with digits', () => {
    expect(lex("X'0F' b'101' 0x1F 0b01 0xZZ 1abc 1.5e3 .5 42")).toEqual([
      ['hex_bit', '0F'],
      ['hex_bit', '101'],
      ['hex_bit', '1F'],
      ['hex_bit', '01'],
      ['ident', '0xzz'],
      ['ident', '1abc'],
      ['number', '1.5e3'],
      ['number', '.5'],
      ['number', '42'],
    ]);
    expect(lex('t.col')).toEqual([
      ['ident', 't'],
      ['dot', ''],
      ['ident', 'col'],
    ]);
  });
  it('reads placeholders and variables', () => {
    expect(lex("? @a @'b c' @@global.max_connections ?")).toEqual([
      ['param', 0],
      ['variable', 'a'],
      ['variable', 'b c'],
      ['variable', 'global'],
      ['dot', ''],
      ['ident', 'max_connections'],
      ['param', 1],
    ]);
    expect(tokenize('@@x')[0]).toMatchObject({ system: true });
  });
  it('reads operators', () => {
    expect(lex('a<=>b->>c:=d!=e').filter(([k]) => k === 'op')).toEqual([
      ['op', '<=>'],
      ['op', '->>'],
      ['op', ':='],
      ['op', '!='],
    ]);
  });
  it('never throws on unterminated input', () => {
    expect(only("'abc")).toMatchObject({ unterminated: true });
    expect(only('/* abc')).toMatchObject({ kind: 'comment', unterminated: true });
    expect(only("X'12")).toMatchObject({ kind: 'hex_bit', unterminated: true });
  });
});

describe('mysql lexer: comments', () => {
  it('needs a space or control character after --', () => {
    expect(lex('5--1')).toEqual([
      ['number', '5'],
      ['op', '-'],
      ['op', '-'],
      ['number', '1'],
    ]);
    expect(lex('5 -- 1\n+2')).toEqual([
      ['number', '5'],
      ['op', '+'],
      ['number', '2'],
    ]);
    expect(lex('1 --\t2')).toEqual([['number', '1']]);
    expect(lex('1 --')).toEqual([['number', '1']]);
  });
  it('skips # and /* */ comments, or emits them on request', () => {
    expect(lex('1 # x\n2 /* y */ 3')).toEqual([
      ['number', '1'],
      ['number', '2'],
      ['number', '3'],
    ]);
    expect(tokenize('1 # x', { comments: true })[1]).toMatchObject({ kind: 'comment', style: '#' });
  });
  it('scans the content of executable comments as SQL', () => {
    expect(lex('SELECT /*! STRAIGHT_JOIN */ 1 /*!50700 , 2 */')).toEqual([
      ['ident', 'select'],
      ['ident', 'straight_join'],
      ['number', '1'],
      ['comma', ''],
      ['number', '2'],
    ]);
    const t = tokenize('/*!50700 SELECT 1 */', { comments: true });
    expect(t.map((x) => x.kind)).toEqual(['comment', 'ident', 'number', 'comment']);
    expect(t[0]).toMatchObject({ style: 'executable', end: 8 });
    expect(tokenize('/*! SELECT 1').at(-1)).toMatchObject({ kind: 'comment', unterminated: true });
  });
});

describe('mysql ML calls', () => {
  it('finds the seed statements', () => {
    const [call] = findMlCalls(SEED_SELECT);
    expect(call).toMatchObject({ fn: 'aws_sagemaker_invoke_endpoint', depth: 0 });
    expect(call?.args.map((a) => a.text)).toEqual(["'recommendation-endpoint'", "CONCAT(user_id, ',', product_id)"]);
    expect(call?.args[0]?.literal).toEqual({ kind: 'string', value: 'recommendation-endpoint' });
    expect(SEED_SELECT.slice(call?.open, (call?.close ?? 0) + 1)).toMatch(/^\(.*\)\)$/);
    const [u] = findMlCalls(SEED_UPDATE);
    expect(u?.fn).toBe('aws_comprehend_detect_sentiment');
    expect(u?.args.map((a) => a.literal)).toEqual([undefined, { kind: 'string', value: 'en' }]);
  });
  it('decodes literal arguments and nesting', () => {
    const calls = findMlCalls(
      'SELECT AWS_COMPREHEND_DETECT_SENTIMENT_CONFIDENCE (?, NULL, -5), aws_comprehend_detect_dominant_language(aws_comprehend_detect_key_phrases(t, "en"))',
    );
    expect(calls.map((c) => [c.fn, c.depth])).toEqual([
      ['aws_comprehend_detect_sentiment_confidence', 0],
      ['aws_comprehend_detect_dominant_language', 0],
      ['aws_comprehend_detect_key_phrases', 1],
    ]);
    expect(calls[0]?.args.map((a) => a.literal)).toEqual([
      { kind: 'param', index: 0 },
      { kind: 'null' },
      { kind: 'number', text: '-5' },
    ]);
  });
  it('ignores names in strings, comments, qualified names and signatures', () => {
    expect(fns("SELECT 'aws_comprehend_detect_sentiment(x)' # aws_comprehend_detect_entities(y)")).toEqual([]);
    expect(fns('SELECT 1 /* aws_comprehend_detect_sentiment(a, b) */ -- aws_comprehend_detect_sentiment(a,b)')).toEqual([]);
    expect(fns('SELECT db.aws_comprehend_detect_sentiment(a, b), `aws_comprehend_detect_sentiment`(a, b)')).toEqual([]);
    expect(fns('DROP FUNCTION IF EXISTS aws_comprehend_detect_entities')).toEqual([]);
    expect(fns('SELECT /*!80000 aws_comprehend_detect_entities(a, "en") */')).toEqual(['aws_comprehend_detect_entities']);
  });
  it('ignores a name that names a table, view, index, CTE or procedure before its parenthesis', () => {
    const name = 'aws_comprehend_detect_sentiment';
    for (const sql of [
      `CREATE TABLE ${name} (a TEXT, b TEXT)`,
      `CREATE TABLE IF NOT EXISTS ${name} (a TEXT)`,
      `INSERT INTO ${name} (a, b) VALUES (1, 2)`,
      `INSERT IGNORE ${name} (a) VALUES (1)`,
      `REPLACE ${name} (a) VALUES (1)`,
      `CREATE TABLE t (a INT, KEY ${name} (a), FOREIGN KEY (a) REFERENCES ${name} (id))`,
      `CREATE VIEW ${name} (a) AS SELECT 1`,
      `WITH RECURSIVE ${name} (n) AS (SELECT 1) SELECT n FROM ${name}`,
      `CALL ${name}('a', 'en')`,
    ]) {
      expect(fns(sql), sql).toEqual([]);
    }
    // Calls still count after other words, including in the values of those statements.
    expect(fns(`INSERT INTO t (a) VALUES (${name}('x', 'en'))`)).toEqual([name]);
    expect(fns(`SELECT * FROM t JOIN u ON ${name}(t.a, 'en') = u.b`)).toEqual([name]);
  });
  it('pre-checks cheaply and finds user-function references', () => {
    expect(mightTouchMl(SEED_UPDATE)).toBe(true);
    expect(mightTouchMl('SELECT 1')).toBe(false);
    const names = new Set(['will_churn', 'ml.scores_view']);
    expect(referencesAny('SELECT WILL_CHURN(a) FROM t', names)).toBe(true);
    expect(referencesAny('SELECT * FROM `ml`.`scores_view`', names)).toBe(true);
    expect(referencesAny('SELECT * FROM other.scores_view', names)).toBe(false);
    expect(referencesAny("SELECT 'will_churn(a)'", names)).toBe(false);
  });
});

describe('mysql ML calls: argument counts', () => {
  const wrong = (sql: string) => {
    const call = wrongArgCountCall(findMlCalls(sql));
    return call === null ? null : sql.slice(call.start, call.nameEnd);
  };
  it("takes each built-in's counts from the registry, the direct SageMaker call variadic", () => {
    const builtin = (name: string) => MYSQL_BUILTINS.find((b) => b.name === name) as MysqlBuiltin;
    const sentiment = builtin('aws_comprehend_detect_sentiment');
    expect([0, 1, 2, 3, 4].map((n) => acceptsArgCount(sentiment, n))).toEqual([false, false, true, true, false]);
    const language = builtin('aws_comprehend_detect_dominant_language');
    expect([0, 1, 2].map((n) => acceptsArgCount(language, n))).toEqual([false, true, false]);
    const direct = builtin('aws_sagemaker_invoke_endpoint');
    expect([0, 1, 2, 3, 101].map((n) => acceptsArgCount(direct, n))).toEqual([false, false, true, true, true]);
  });
  it('finds the call the parser refuses first: the one whose ) comes first, as spelt', () => {
    expect(wrong("SELECT aws_comprehend_detect_sentiment('a', 'en'), aws_comprehend_detect_sentiment(b, 'en', 5)")).toBeNull();
    expect(wrong("SELECT AWS_Comprehend_Detect_Sentiment('a')")).toBe('AWS_Comprehend_Detect_Sentiment');
    expect(wrong('SELECT aws_comprehend_detect_sentiment_confidence ()')).toBe('aws_comprehend_detect_sentiment_confidence');
    expect(wrong("SELECT aws_comprehend_detect_sentiment('a', 'en', 25, 1)")).toBe('aws_comprehend_detect_sentiment');
    expect(wrong("SELECT aws_comprehend_detect_sentiment(aws_comprehend_detect_dominant_language('a', 'b'))")).toBe(
      'aws_comprehend_detect_dominant_language',
    );
    expect(wrong("SELECT aws_comprehend_detect_entities('a'), aws_comprehend_detect_key_phrases('b')")).toBe(
      'aws_comprehend_detect_entities',
    );
    expect(wrong("SELECT 1; SELECT aws_sagemaker_invoke_endpoint('ep')")).toBe('aws_sagemaker_invoke_endpoint');
    // One argument, whatever commas its expressions hold.
    expect(wrong("SELECT aws_comprehend_detect_sentiment(CONCAT(a, ','), IF(b, 'en', 'fr'))")).toBeNull();
    expect(wrong('SELECT aws_comprehend_detect_sentiment((SELECT x FROM t LIMIT 1, 1))')).toBe('aws_comprehend_detect_sentiment');
  });
  it('leaves alone what is not the built-in, and a call without its )', () => {
    expect(wrong("SELECT aws_comprehend_detect_sentiment2('a'), db.aws_comprehend_detect_sentiment('a')")).toBeNull();
    expect(wrong("SELECT `aws_comprehend_detect_sentiment`('a'), 'aws_comprehend_detect_sentiment(1)'")).toBeNull();
    expect(wrong("CALL aws_comprehend_detect_sentiment('a')")).toBeNull();
    expect(wrong("SELECT aws_comprehend_detect_sentiment('a'")).toBeNull();
  });
});

describe('mysql CREATE FUNCTION ... ALIAS', () => {
  it("parses AWS's churn example", () => {
    const fn = parseCreateFunctionAlias(CHURN);
    expect(fn).toMatchObject({ kind: 'sagemaker', name: 'will_churn', ifNotExists: false, endpointName: 'churn-endpoint' });
    expect(fn?.params).toEqual([
      { name: 'state', type: 'varchar(2048)' },
      { name: 'acc_length', type: 'bigint(20)' },
      { name: 'area_code', type: 'bigint(20)' },
      { name: 'int_plan', type: 'varchar(2048)' },
    ]);
    expect(fn?.returns).toEqual({ type: 'varchar(2048) CHARSET utf8mb4', base: 'varchar' });
    expect(CHURN.slice(0, fn?.aliasStart).trimEnd()).toBe(CHURN.slice(0, CHURN.indexOf(' alias')));
    expect(fn?.aliasEnd).toBe(CHURN.length);
    expect(fn && validateAliasFunction(fn)).toEqual([]);
  });
  it('parses DEFINER, IF NOT EXISTS, schema, characteristics and MAX_BATCH_SIZE', () => {
    const sql =
      "CREATE DEFINER=`admin`@`%` FUNCTION IF NOT EXISTS ml.`Score`(x DOUBLE) RETURNS DOUBLE SQL SECURITY INVOKER NOT DETERMINISTIC COMMENT 'c' LANGUAGE SQL ALIAS AWS_SAGEMAKER_INVOKE_ENDPOINT ENDPOINT NAME 'ep' MAX_BATCH_SIZE 100;";
    expect(parseCreateFunctionAlias(sql)).toMatchObject({
      definer: '`admin`@`%`',
      ifNotExists: true,
      schema: 'ml',
      name: 'Score',
      sqlSecurity: 'invoker',
      deterministic: false,
      comment: 'c',
      language: 'sql',
      maxBatchSize: 100,
      returns: { base: 'double' },
    });
  });
  it('accepts DEFINER after the parameter list, as AWS documents it', () => {
    expect(
      parseCreateFunctionAlias(
        "CREATE FUNCTION f(a INT) DEFINER = CURRENT_USER RETURNS INT ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME 'e'",
      ),
    ).toMatchObject({ definer: 'CURRENT_USER' });
  });
  it('parses the Bedrock form', () => {
    const fn = parseCreateFunctionAlias(BEDROCK);
    expect(fn).toMatchObject({
      kind: 'bedrock',
      modelId: 'amazon.titan-text-express-v1',
      contentType: 'application/json',
      accept: 'application/json',
      timeoutMs: 5000,
      returns: { base: 'text' },
    });
    expect(fn && validateAliasFunction(fn)).toEqual([]);
  });
  it('reports violations', () => {
    const codes = (sql: string): string[] => {
      const fn = parseCreateFunctionAlias(sql);
      return fn === null ? ['unparsed'] : validateAliasFunction(fn).map((v) => v.code);
    };
    for (const t of ['JSON', 'BLOB', 'TEXT', 'DATE', 'BIT(1)', 'LONGTEXT', 'DATETIME']) {
      expect(codes(`CREATE FUNCTION f(a INT) RETURNS ${t} ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME 'e'`)).toEqual([
        'sagemaker_return_type',
      ]);
    }
    expect(
      codes("CREATE FUNCTION f(a INT) RETURNS INTEGER UNSIGNED ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME 'e'"),
    ).toEqual([]);
    expect(codes("CREATE FUNCTION f(a TEXT) RETURNS JSON ALIAS aws_bedrock_invoke_model MODEL ID 'm'")).toEqual([
      'bedrock_returns_json',
    ]);
    expect(
      codes(
        "CREATE FUNCTION f(a INT) RETURNS INT READS SQL DATA ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME 'e' MAX_BATCH_SIZE 0",
      ),
    ).toEqual(['sql_data_access', 'max_batch_size']);
    expect(
      codes("CREATE FUNCTION f(a INT) RETURNS INT ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME 'e' MAX_BATCH_SIZE -3"),
    ).toEqual(['max_batch_size']);
  });
  it('returns null for other functions and malformed clauses', () => {
    expect(parseCreateFunctionAlias('CREATE FUNCTION f(a INT) RETURNS INT RETURN a + 1')).toBeNull();
    expect(
      parseCreateFunctionAlias('CREATE FUNCTION f() RETURNS INT ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME'),
    ).toBeNull();
    expect(
      parseCreateFunctionAlias("CREATE FUNCTION f() RETURNS INT ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME 'e' junk"),
    ).toBeNull();
    expect(
      parseCreateFunctionAlias("CREATE FUNCTION f() RETURNS INT ALIAS aws_sagemaker_invoke_endpoint ENDPOINT NAME 'e'")?.params,
    ).toEqual([]);
  });
});

describe('mysql statements', () => {
  it('splits on top-level semicolons, not inside compound bodies', () => {
    const parts = splitStatements(`SELECT 1; ${PROC}; SELECT ';' ; # done\n;`);
    expect(parts.map((p) => p.text)).toEqual(['SELECT 1', PROC, "SELECT ';'"]);
    const trig = 'CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW BEGIN SET NEW.a = 1; SET NEW.b = 2; END';
    expect(splitStatements(`${trig};DO 1`).map((p) => p.text)).toEqual([trig, 'DO 1']);
    const ev = 'CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO BEGIN CASE WHEN 1 THEN DELETE FROM t; END CASE; END';
    expect(splitStatements(`${ev}; SELECT 2`)).toHaveLength(2);
    expect(splitStatements("BEGIN; SELECT 'x")).toMatchObject([{ text: 'BEGIN' }, { unterminated: true }]);
  });
  it('classifies by leading keywords', () => {
    const cases: Array<[string, string]> = [
      [SEED_SELECT, 'select'],
      [SEED_UPDATE, 'update'],
      ['/*!40101 SET NAMES utf8mb4 */', 'set'],
      ['(SELECT 1)', 'select'],
      ['WITH a AS (SELECT 1) SELECT * FROM a', 'with'],
      ['INSERT INTO t VALUES (1)', 'insert'],
      ['REPLACE INTO t VALUES (1)', 'replace'],
      ['DELETE FROM t', 'delete'],
      [CHURN, 'create_function_alias'],
      [BEDROCK, 'create_function_alias'],
      ['CREATE FUNCTION f() RETURNS INT RETURN 1', 'create_function'],
      ["CREATE OR REPLACE ALGORITHM=MERGE DEFINER='a'@'%' SQL SECURITY INVOKER VIEW v AS SELECT 1", 'create_view'],
      ['CREATE TABLE t2 AS SELECT * FROM t', 'create_table_select'],
      ['CREATE TABLE t2 (a INT) SELECT a FROM t', 'create_table_select'],
      ['CREATE TABLE t2 (a INT, b VARCHAR(10))', 'ddl'],
      ['CREATE DEFINER=CURRENT_USER TRIGGER tr BEFORE INSERT ON t FOR EACH ROW SET NEW.a = 1', 'create_trigger'],
      ['DROP FUNCTION IF EXISTS will_churn', 'drop_function'],
      ['show create function will_churn', 'show_create_function'],
      ["SHOW FUNCTION STATUS LIKE 'will%'", 'show_function_status'],
      ["SHOW GLOBAL STATUS LIKE 'Aurora_ml%'", 'show_status'],
      ["SHOW SESSION VARIABLES LIKE 'aws_default%'", 'show_variables'],
      ['SHOW TABLES', 'show'],
      ['FLUSH STATUS', 'flush_status'],
      ['FLUSH LOCAL STATUS', 'flush_status'],
      ['FLUSH TABLES', 'other'],
      ['EXPLAIN SELECT 1', 'explain'],
      ['SET ROLE ALL', 'set'],
      ['GRANT AWS_SAGEMAKER_ACCESS TO u@h', 'grant'],
      ['REVOKE EXECUTE ON FUNCTION f FROM u', 'revoke'],
      ['KILL QUERY 12', 'kill'],
      ['START TRANSACTION', 'transaction'],
      ['COMMIT', 'transaction'],
      ['ALTER TABLE t ADD c INT', 'ddl'],
      ['CALL p()', 'call'],
      ['  -- only\n', 'empty'],
      ['USE db', 'other'],
    ];
    for (const [sql, kind] of cases) expect([sql, classifyStatement(sql)]).toEqual([sql, kind]);
  });
});

describe('mysql scanner robustness', () => {
  it('never throws on any prefix of the samples, in any mode', () => {
    for (const s of MYSQL_SCANNER_SAMPLES) {
      for (let n = 0; n <= s.length; n++) {
        const p = s.slice(0, n);
        for (const opts of [{}, { ansiQuotes: true, noBackslashEscapes: true }]) {
          expect(() => {
            tokenize(p, opts);
            splitStatements(p, opts);
            classifyStatement(p, opts);
            findMlCalls(p, opts);
            parseCreateFunctionAlias(p, opts);
          }).not.toThrow();
        }
      }
    }
  });
});

describe('write targets', () => {
  it('finds the tables an INSERT, REPLACE, UPDATE or DELETE writes, schema and case kept', () => {
    expect(writeTargets('INSERT INTO Tickets (a) VALUES (1)')).toEqual([{ name: 'Tickets' }]);
    expect(writeTargets('insert low_priority ignore app.t select 1')).toEqual([{ schema: 'app', name: 't' }]);
    expect(writeTargets('REPLACE `my t` VALUES (1)')).toEqual([{ name: 'my t' }]);
    expect(writeTargets('UPDATE t SET s = 1')).toEqual([{ name: 't' }]);
    expect(writeTargets('UPDATE a AS x JOIN b y ON x.id = y.id SET x.s = y.s')).toEqual([{ name: 'a' }, { name: 'b' }]);
    expect(writeTargets('UPDATE a, db2.b SET a.s = 1')).toEqual([{ name: 'a' }, { schema: 'db2', name: 'b' }]);
    expect(writeTargets('DELETE FROM t WHERE id = 1')).toEqual([{ name: 't' }]);
    expect(writeTargets('DELETE t1 FROM t1 JOIN t2 ON t1.id = t2.id')).toEqual([{ name: 't1' }]);
    expect(writeTargets('DELETE FROM t1, t2 USING t1 JOIN t2')).toEqual([{ name: 't1' }, { name: 't2' }]);
    expect(writeTargets('SELECT 1')).toEqual([]);
  });
});

describe('CREATE TABLE ... SELECT', () => {
  it('gives the query the new table is filled from', () => {
    expect(createTableQuery('CREATE TABLE t AS SELECT a FROM b;')).toBe('SELECT a FROM b');
    expect(createTableQuery('CREATE TABLE t (id INT) SELECT id FROM b')).toBe('SELECT id FROM b');
    expect(createTableQuery('create table t as (select 1)')).toBe('(select 1)');
    expect(createTableQuery('CREATE TABLE t (id INT)')).toBeNull();
  });
});

describe('SQL-level prepared statements', () => {
  it('parses PREPARE FROM a literal or a variable, EXECUTE and DEALLOCATE / DROP PREPARE', () => {
    expect(parsePreparedStatementCommand("PREPARE S1 FROM 'SELECT ?'")).toEqual({
      kind: 'prepare',
      name: 's1',
      text: 'SELECT ?',
    });
    expect(parsePreparedStatementCommand('PREPARE s1 FROM @q')).toEqual({ kind: 'prepare', name: 's1', text: null });
    expect(parsePreparedStatementCommand('EXECUTE s1 USING @a, @b')).toEqual({ kind: 'execute', name: 's1' });
    expect(parsePreparedStatementCommand('DEALLOCATE PREPARE `s1`;')).toEqual({ kind: 'deallocate', name: 's1' });
    expect(parsePreparedStatementCommand('DROP PREPARE s1')).toEqual({ kind: 'deallocate', name: 's1' });
    expect(parsePreparedStatementCommand('EXECUTE')).toBeNull();
  });
});

describe("Aurora MySQL 3.06's reserved words", () => {
  it('flags them unquoted as identifiers, not quoted, after a dot, in strings, in ALIAS clauses or a seed call', () => {
    expect(reservedWordUse('CREATE TABLE t (accept INT)')).toEqual({ word: 'accept', at: 16 });
    expect(reservedWordUse('SELECT 1 AS TIMEOUT_MS')).toEqual({ word: 'TIMEOUT_MS', at: 12 });
    expect(reservedWordUse('CREATE TABLE t (`accept` INT)')).toBeNull();
    expect(reservedWordUse('SELECT t.content_type FROM t')).toBeNull();
    expect(reservedWordUse("SELECT 'accept'")).toBeNull();
    expect(reservedWordUse("SELECT aws_sagemaker_invoke_endpoint('ep', 1)")).toBeNull();
    expect(
      reservedWordUse(
        "CREATE FUNCTION f(x TEXT) RETURNS TEXT ALIAS AWS_BEDROCK_INVOKE_MODEL MODEL ID 'm' ACCEPT 'a' TIMEOUT_MS 5",
      ),
    ).toBeNull();
  });
});
