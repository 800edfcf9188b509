import { describe, expect, it } from 'vitest';
import { parseCreateAs } from '../src/sql/pg/create-as.ts';
import { parseBool, parseExplain } from '../src/sql/pg/explain.ts';
import { parseAlterExtensionCommand, parseExtensionCommand } from '../src/sql/pg/extension-commands.ts';
import { tokenize } from '../src/sql/pg/lexer.ts';
import { findMlCalls, type MlCall, mightTouchMl, referencesAny } from '../src/sql/pg/ml-calls.ts';
import { parseRefreshMatview } from '../src/sql/pg/refresh-matview.ts';
import { mapRewrittenOffset, rewriteInvokeEndpoint } from '../src/sql/pg/rewrite.ts';
import { parseSetCommand, parseShowCommand } from '../src/sql/pg/settings-commands.ts';
import { firstKeywords } from '../src/sql/pg/statement-cursor.ts';
import { classifyStatement } from '../src/sql/pg/statement-kind.ts';
import { splitStatements } from '../src/sql/pg/statement-split.ts';
import { isUnterminated, type Token } from '../src/sql/pg/tokens.ts';
import { PG_SCANNER_CORPUS } from './fixtures/pg-scanner-corpus.ts';

/** [kind, value-or-text] pairs, for compact expectations. */
function lex(sql: string, scs = true): Array<[string, string | number]> {
  return tokenize(sql, { standardConformingStrings: scs }).map((t) => [t.kind, describeToken(t)]);
}

function describeToken(t: Token): string | number {
  if ('value' in t) return t.value;
  if ('text' in t) return t.text;
  if (t.kind === 'param') return t.index;
  return '';
}

function only(sql: string, scs = true): Token {
  const tokens = tokenize(sql, { standardConformingStrings: scs });
  expect(tokens).toHaveLength(1);
  return tokens[0] as Token;
}

const fns = (sql: string, scanBodies = false): string[] => findMlCalls(sql, { scanBodies }).map((c) => c.fn);

const rewrite = (sql: string, scanBodies = false): string => rewriteInvokeEndpoint(sql, findMlCalls(sql, { scanBodies })).sql;

describe('lexer: string literals', () => {
  it("decodes '' escapes", () => {
    expect(only("'it''s'")).toMatchObject({ kind: 'string', prefix: '', value: "it's", unterminated: false });
    expect(only("''")).toMatchObject({ kind: 'string', value: '' });
  });

  it('keeps backslashes literal in plain strings when standard_conforming_strings is on', () => {
    expect(lex(String.raw`'a\' , 'b'`)).toEqual([
      ['string', 'a\\'],
      ['comma', ''],
      ['string', 'b'],
    ]);
  });

  it('processes backslash escapes in plain strings when standard_conforming_strings is off', () => {
    expect(lex(String.raw`'a\'b', 'c\\d\n'`, false)).toEqual([
      ['string', "a'b"],
      ['comma', ''],
      ['string', 'c\\d\n'],
    ]);
    expect(only(String.raw`N'x\ty'`, false)).toMatchObject({ prefix: 'N', value: 'x\ty', backslashEscapes: true });
  });

  it('decodes E strings: simple, octal, hex, Unicode, UTF-8 bytes', () => {
    expect(only(String.raw`E'a\n\t\b\f\r\\\'\q'`)).toMatchObject({ prefix: 'E', value: "a\n\t\b\f\r\\'q" });
    expect(only(String.raw`e'\101\x42\x4'`)).toMatchObject({ value: 'AB\u0004' });
    expect(only(String.raw`E'\u00e9\U0001F600\uD83D\uDE00'`)).toMatchObject({ value: 'é😀😀', invalid: false });
    expect(only(String.raw`E'caf\xC3\xA9'`)).toMatchObject({ value: 'café', invalid: false });
    expect(only("E'it''s'")).toMatchObject({ value: "it's" });
  });

  it('flags E strings the server rejects', () => {
    expect(only(String.raw`E'\xC3'`)).toMatchObject({ invalid: true });
    expect(only(String.raw`E'\u12'`)).toMatchObject({ invalid: true });
    expect(only(String.raw`E'\uD83D'`)).toMatchObject({ invalid: true });
    expect(only(String.raw`E'\0'`)).toMatchObject({ invalid: true });
  });

  it('decodes U& strings with default and UESCAPE escape characters', () => {
    expect(only(String.raw`U&'d\0061t\+000061 \\'`)).toMatchObject({ prefix: 'U&', value: 'data \\', invalid: false });
    const t = only(`u&'d!0061t!!' /* c */ UESCAPE '!'`);
    expect(t).toMatchObject({ value: 'dat!', start: 0, end: 33 });
    expect(only(String.raw`U&'\zz'`)).toMatchObject({ invalid: true });
    expect(only("U&'x'", false)).toMatchObject({ invalid: true }); // unsafe without standard_conforming_strings
    expect(only(`U&'x!0041' UESCAPE 'a'`)).toMatchObject({ invalid: true }); // hex digit as escape
  });

  it('reads B and X bit strings without escapes', () => {
    expect(lex("B'0101', x'1F'")).toEqual([
      ['bit_string', '0101'],
      ['comma', ''],
      ['bit_string', '1F'],
    ]);
  });

  it('joins literals separated by a newline (and -- comments), not by spaces alone', () => {
    expect(only("'foo'\n  'bar' -- c\n 'baz'")).toMatchObject({ value: 'foobarbaz' });
    expect(only("E'a\\n'\n'\\t'")).toMatchObject({ value: 'a\n\t' });
    expect(lex("'a' 'b'")).toEqual([
      ['string', 'a'],
      ['string', 'b'],
    ]);
    expect(lex("'a' /* c */\n'b'")).toEqual([
      ['string', 'a'],
      ['string', 'b'],
    ]);
  });

  it('reads dollar quotes with and without tags', () => {
    expect(only('$$it\'s $x$ "q"$$')).toMatchObject({ kind: 'dollar_string', tag: '', value: 'it\'s $x$ "q"' });
    expect(only('$fn$ SELECT $$a$$; $fn$')).toMatchObject({ tag: 'fn', value: ' SELECT $$a$$; ' });
    expect(only('$a$ x $b$a$')).toMatchObject({ tag: 'a', value: ' x $b' });
    expect(lex('a$b$ $1 $')).toEqual([
      ['ident', 'a$b$'],
      ['param', 1],
      ['other', '$'],
    ]);
  });

  it('flags unterminated literals, identifiers and comments instead of throwing', () => {
    for (const sql of [
      "SELECT 'abc",
      "SELECT E'abc\\",
      'SELECT "abc',
      'SELECT $q$abc',
      'SELECT /* a /* b */',
      "SELECT U&'x",
      "SELECT B'01",
    ]) {
      const tokens = tokenize(sql);
      expect(isUnterminated(tokens[tokens.length - 1] as Token), sql).toBe(true);
    }
  });
});

describe('lexer: identifiers, comments, numbers, operators', () => {
  it('folds unquoted identifiers (ASCII only) and keeps quoted ones exact', () => {
    expect(lex('SELECT Foo, "Foo", "a""b", ÉtÉ, a$b')).toEqual([
      ['ident', 'select'],
      ['ident', 'foo'],
      ['comma', ''],
      ['quoted_ident', 'Foo'],
      ['comma', ''],
      ['quoted_ident', 'a"b'],
      ['comma', ''],
      ['ident', 'ÉtÉ'],
      ['comma', ''],
      ['ident', 'a$b'],
    ]);
    expect(only(String.raw`U&"d\0061t\+000061"`)).toMatchObject({ kind: 'quoted_ident', value: 'data', unicode: true });
    expect(only('""')).toMatchObject({ invalid: true });
  });

  it('truncates identifiers to 63 bytes like the server', () => {
    expect(only('a'.repeat(70))).toMatchObject({ value: 'a'.repeat(63), end: 70 });
    expect(only(`"${'é'.repeat(40)}"`)).toMatchObject({ value: 'é'.repeat(31) });
  });

  it('skips line and nested block comments', () => {
    expect(lex('a -- x\n/* 1 /* 2 */ still */ b')).toEqual([
      ['ident', 'a'],
      ['ident', 'b'],
    ]);
    expect(tokenize('a /* c */ b -- d', { comments: true }).map((t) => t.kind)).toEqual(['ident', 'comment', 'ident', 'comment']);
  });

  it('reads PostgreSQL 16 numbers', () => {
    expect(lex('42 3.14 .5 1e10 1.5E-3 0x1F 0o17 0b101 1_000 1..10 2.')).toEqual([
      ['number', '42'],
      ['number', '3.14'],
      ['number', '.5'],
      ['number', '1e10'],
      ['number', '1.5E-3'],
      ['number', '0x1F'],
      ['number', '0o17'],
      ['number', '0b101'],
      ['number', '1_000'],
      ['number', '1'],
      ['op', '..'],
      ['number', '10'],
      ['number', '2.'],
    ]);
  });

  it('splits operators like the server', () => {
    expect(lex('a::int x := 1 k => v a<>b a@>b c=-1 d@-1 e*--x\n f/*x*/+g [1:2]')).toEqual([
      ['ident', 'a'],
      ['op', '::'],
      ['ident', 'int'],
      ['ident', 'x'],
      ['op', ':='],
      ['number', '1'],
      ['ident', 'k'],
      ['op', '=>'],
      ['ident', 'v'],
      ['ident', 'a'],
      ['op', '<>'],
      ['ident', 'b'],
      ['ident', 'a'],
      ['op', '@>'],
      ['ident', 'b'],
      ['ident', 'c'],
      ['op', '='],
      ['op', '-'],
      ['number', '1'],
      ['ident', 'd'],
      ['op', '@-'],
      ['number', '1'],
      ['ident', 'e'],
      ['op', '*'],
      ['ident', 'f'],
      ['op', '+'],
      ['ident', 'g'],
      ['lbracket', ''],
      ['number', '1'],
      ['op', ':'],
      ['number', '2'],
      ['rbracket', ''],
    ]);
  });

  it('gives offsets into the original text', () => {
    const sql = "SELECT (x).y, $1, 'a''b' ;";
    for (const t of tokenize(sql)) expect(t.end).toBeGreaterThan(t.start);
    expect(tokenize(sql).map((t) => sql.slice(t.start, t.end))).toEqual([
      'SELECT',
      '(',
      'x',
      ')',
      '.',
      'y',
      ',',
      '$1',
      ',',
      "'a''b'",
      ';',
    ]);
  });
});

describe('splitStatements', () => {
  it('splits on top-level semicolons only and drops empty statements', () => {
    const sql = "SELECT 1; ;\n SELECT ';', \";\" /* ; */ -- ;\n; SELECT $$;$$, f(';'); SELECT (SELECT 1);";
    // Leading and trailing comments are not part of a statement's text.
    expect(splitStatements(sql).map((s) => s.text)).toEqual([
      'SELECT 1',
      `SELECT ';', ";"`,
      "SELECT $$;$$, f(';')",
      'SELECT (SELECT 1)',
    ]);
    const [first] = splitStatements('  select 1 ; ');
    expect(first).toEqual({ text: 'select 1', start: 2, end: 10, unterminated: false });
  });

  it('keeps BEGIN ATOMIC bodies (with CASE ... END) in one statement', () => {
    const fn = `CREATE OR REPLACE FUNCTION f(x int) RETURNS int LANGUAGE sql
BEGIN ATOMIC
  SELECT CASE WHEN x > 0 THEN 1 ELSE 0 END AS end;
  SELECT x.end FROM t x;
END`;
    const proc = 'CREATE PROCEDURE p() BEGIN ATOMIC INSERT INTO t VALUES (1); END';
    expect(splitStatements(`${fn}; ${proc}; SELECT 2`).map((s) => s.text)).toEqual([fn, proc, 'SELECT 2']);
    // BEGIN outside a routine is a transaction start, not a body.
    expect(splitStatements('BEGIN; SELECT 1; END;').map((s) => s.text)).toEqual(['BEGIN', 'SELECT 1', 'END']);
  });

  it('keeps a trailing unterminated token so the server can report it', () => {
    expect(splitStatements("SELECT 1; SELECT 'oops; SELECT 2")).toEqual([
      { text: 'SELECT 1', start: 0, end: 8, unterminated: false },
      { text: "SELECT 'oops; SELECT 2", start: 10, end: 32, unterminated: true },
    ]);
    expect(splitStatements('SELECT 1; /* open').map((s) => s.unterminated)).toEqual([false, true]);
  });

  it('follows standard_conforming_strings', () => {
    const sql = String.raw`SELECT 'a\'; SELECT 2; SELECT ''`;
    expect(splitStatements(sql)).toHaveLength(3);
    expect(splitStatements(sql, { standardConformingStrings: false })).toHaveLength(1);
  });
});

describe('statement helpers', () => {
  it('firstKeywords and classifyStatement', () => {
    expect(firstKeywords('/* hi */ Create Extension IF not exists aws_ml', 3)).toEqual(['create', 'extension', 'if']);
    expect(firstKeywords('SELECT "x"', 5)).toEqual(['select']);
    const cases: Array<[string, string]> = [
      ['SELECT 1', 'select'],
      ['(SELECT 1) UNION (SELECT 2)', 'select'],
      ['WITH x AS (SELECT 1) UPDATE t SET a = 1', 'with'],
      ['INSERT INTO t SELECT 1', 'insert'],
      ['CREATE EXTENSION aws_ml', 'create_extension'],
      ['DROP EXTENSION aws_ml', 'drop_extension'],
      ['ALTER EXTENSION aws_ml UPDATE', 'alter_extension'],
      ['CREATE TEMP TABLE t AS SELECT 1', 'create_table_as'],
      ['CREATE TABLE t (a int GENERATED ALWAYS AS (1) STORED)', 'ddl'],
      ['CREATE MATERIALIZED VIEW v AS SELECT 1', 'create_matview'],
      ['REFRESH MATERIALIZED VIEW v', 'refresh_matview'],
      ['CREATE VIEW v AS SELECT 1', 'ddl'],
      ['GRANT EXECUTE ON FUNCTION f() TO u', 'ddl'],
      ['COMMENT ON TABLE t IS $$x$$', 'ddl'],
      ['EXPLAIN ANALYZE SELECT 1', 'explain'],
      ['SET aurora_ml.strict = on', 'set'],
      ['RESET ALL', 'reset'],
      ['SHOW search_path', 'show'],
      ['BEGIN', 'transaction'],
      ['PREPARE TRANSACTION $$x$$', 'transaction'],
      ['PREPARE q AS SELECT 1', 'prepare'],
      ['DECLARE c CURSOR FOR SELECT 1', 'declare'],
      ['MOVE 1 IN c', 'fetch'],
      ['  -- nothing', 'empty'],
      ['VACUUM', 'other'],
    ];
    for (const [sql, kind] of cases) expect(classifyStatement(sql), sql).toBe(kind);
  });

  it('parseExtensionCommand', () => {
    expect(parseExtensionCommand('CREATE EXTENSION aws_ml')).toEqual({
      kind: 'create',
      name: 'aws_ml',
      ifNotExists: false,
      cascade: false,
    });
    expect(parseExtensionCommand(`create extension if not exists "aws_ml" with schema public version '2.0' cascade;`)).toEqual({
      kind: 'create',
      name: 'aws_ml',
      ifNotExists: true,
      cascade: true,
      schema: 'public',
      version: '2.0',
    });
    expect(parseExtensionCommand('CREATE EXTENSION aws_commons CASCADE VERSION "1.2"')).toMatchObject({
      name: 'aws_commons',
      version: '1.2',
      cascade: true,
    });
    expect(parseExtensionCommand('CREATE EXTENSION "AWS_ML"')).toBeNull();
    expect(parseExtensionCommand('CREATE EXTENSION postgis')).toBeNull();
    expect(parseExtensionCommand('CREATE EXTENSION aws_ml CASCADE CASCADE')).toBeNull();
    expect(parseExtensionCommand('CREATE EXTENSION aws_ml VERSION 2.0')).toBeNull();
    expect(parseExtensionCommand('DROP EXTENSION IF EXISTS hstore, AWS_ML CASCADE')).toEqual({
      kind: 'drop',
      ifExists: true,
      names: ['hstore', 'aws_ml'],
      cascade: true,
    });
    expect(parseExtensionCommand('DROP EXTENSION aws_commons RESTRICT')).toEqual({
      kind: 'drop',
      ifExists: false,
      names: ['aws_commons'],
      cascade: false,
    });
    expect(parseExtensionCommand('DROP EXTENSION hstore')).toBeNull();
    expect(parseExtensionCommand("CREATE EXTENSION aws_ml VERSION '2.0")).toBeNull();
    expect(parseAlterExtensionCommand("ALTER EXTENSION aws_ml UPDATE TO '2.0'")).toEqual({
      kind: 'alter',
      name: 'aws_ml',
      action: 'update',
      version: '2.0',
    });
    expect(parseAlterExtensionCommand('ALTER EXTENSION aws_ml SET SCHEMA x')).toEqual({
      kind: 'alter',
      name: 'aws_ml',
      action: 'other',
    });
  });

  it('parseSetCommand', () => {
    expect(parseSetCommand('SET aurora_ml.strict = on')).toEqual({ name: 'aurora_ml.strict', value: 'on', local: false });
    expect(parseSetCommand("set local Aurora_ML_Inference_Timeout TO '5000'")).toEqual({
      name: 'aurora_ml_inference_timeout',
      value: '5000',
      local: true,
    });
    expect(parseSetCommand('SET SESSION statement_timeout = -1')).toEqual({
      name: 'statement_timeout',
      value: '-1',
      local: false,
    });
    expect(parseSetCommand('SET search_path TO a, "B", public')).toEqual({
      name: 'search_path',
      value: 'a, B, public',
      local: false,
    });
    expect(parseSetCommand('SET apg_enable_function_migration = DEFAULT')).toEqual({
      name: 'apg_enable_function_migration',
      value: null,
      local: false,
    });
    expect(parseSetCommand("SET TIME ZONE 'UTC'")).toEqual({ name: 'timezone', value: 'UTC', local: false });
    expect(parseSetCommand('SET TIME ZONE LOCAL')).toEqual({ name: 'timezone', value: null, local: false });
    expect(parseSetCommand("SET NAMES 'UTF8'")).toEqual({ name: 'client_encoding', value: 'UTF8', local: false });
    expect(parseSetCommand('SET SESSION AUTHORIZATION bob')).toEqual({
      name: 'session_authorization',
      value: 'bob',
      local: false,
    });
    expect(parseSetCommand('RESET aurora_ml.strict')).toEqual({ name: 'aurora_ml.strict', value: null, local: false });
    expect(parseSetCommand('RESET ALL')).toEqual({ name: 'all', value: null, local: false });
    expect(parseSetCommand('SET TRANSACTION ISOLATION LEVEL SERIALIZABLE')).toBeNull();
    expect(parseSetCommand('SET x FROM CURRENT')).toBeNull();
    expect(parseSetCommand('SET x =')).toBeNull();
    expect(parseShowCommand('SHOW aurora_ml_inference_timeout')).toBe('aurora_ml_inference_timeout');
    expect(parseShowCommand('show "Aurora_ML".Strict;')).toBe('aurora_ml.strict');
    expect(parseShowCommand('SHOW TIME ZONE')).toBe('timezone');
    expect(parseShowCommand('SHOW TRANSACTION ISOLATION LEVEL')).toBe('transaction_isolation');
    expect(parseShowCommand('SHOW a b')).toBeNull();
  });

  it('parseExplain, parseCreateAs, parseRefreshMatview, parseBool', () => {
    const e1 = 'EXPLAIN ANALYZE VERBOSE SELECT 1';
    expect(parseExplain(e1)).toEqual({ analyze: true, statementStart: e1.indexOf('SELECT') });
    expect(parseExplain('EXPLAIN (FORMAT JSON, ANALYZE off) SELECT 1')).toMatchObject({ analyze: false });
    expect(parseExplain("EXPLAIN (ANALYZE 'on', BUFFERS) UPDATE t SET a = 1")).toMatchObject({ analyze: true });
    expect(parseExplain('EXPLAIN (ANALYZE) SELECT 1')).toMatchObject({ analyze: true });
    expect(parseExplain('EXPLAIN SELECT 1')).toMatchObject({ analyze: false });
    expect(parseExplain('EXPLAIN (ANALYZE maybe) SELECT 1')).toBeNull();

    const c1 = 'CREATE UNLOGGED TABLE s (a, b) WITH (fillfactor = 70) AS SELECT x, y FROM t WITH NO DATA';
    expect(parseCreateAs(c1)).toEqual({
      kind: 'table',
      queryStart: c1.indexOf('SELECT'),
      queryEnd: c1.indexOf(' WITH NO'),
      withData: false,
    });
    const c2 = 'CREATE MATERIALIZED VIEW IF NOT EXISTS v AS WITH q AS (SELECT 1) SELECT * FROM q;';
    expect(parseCreateAs(c2)).toEqual({
      kind: 'materialized_view',
      queryStart: c2.indexOf('WITH q'),
      queryEnd: c2.length - 1,
      withData: true,
    });
    expect(parseCreateAs('CREATE TABLE t (a int)')).toBeNull();

    expect(parseRefreshMatview('REFRESH MATERIALIZED VIEW CONCURRENTLY public."V" WITH DATA')).toEqual({
      name: ['public', 'V'],
      concurrently: true,
      withData: true,
    });
    expect(parseRefreshMatview('REFRESH MATERIALIZED VIEW v WITH NO DATA')).toEqual({
      name: ['v'],
      concurrently: false,
      withData: false,
    });

    expect(['t', 'TRUE', 'yes', 'on', '1'].map(parseBool)).toEqual([true, true, true, true, true]);
    expect(['f', 'no', 'off', 'of', '0'].map(parseBool)).toEqual([false, false, false, false, false]);
    expect(['o', 'maybe', ''].map(parseBool)).toEqual([undefined, undefined, undefined]);
  });
});

// ---------------------------------------------------------------------------

describe('findMlCalls', () => {
  it(`finds every call in ${PG_SCANNER_CORPUS.length} statements, and nothing else`, () => {
    expect(PG_SCANNER_CORPUS.length).toBeGreaterThanOrEqual(40);
    for (const [sql, expected] of PG_SCANNER_CORPUS) expect(fns(sql), sql).toEqual(expected);
  });

  it('reports name, parenthesis and argument offsets', () => {
    const sql = "SELECT (aws_comprehend.detect_sentiment(t.c, 'it''s', f(a, b), ARRAY[1, 2])).sentiment FROM t";
    const [call] = findMlCalls(sql);
    expect(call).toBeDefined();
    const c = call as MlCall;
    expect(sql.slice(c.start, c.nameEnd)).toBe('aws_comprehend.detect_sentiment');
    expect(sql[c.open]).toBe('(');
    expect(sql.slice(c.open, c.close + 1)).toBe("(t.c, 'it''s', f(a, b), ARRAY[1, 2])");
    expect(c.args.map((a) => a.text)).toEqual(['t.c', "'it''s'", 'f(a, b)', 'ARRAY[1, 2]']);
    expect(c.args[1]?.literal).toEqual({ kind: 'string', value: "it's" });
    expect(c.args.map((a) => sql.slice(a.start, a.end))).toEqual(c.args.map((a) => a.text));
    expect(c).toMatchObject({ depth: 0, quoting: 'none' });
  });

  it('reads named notation, VARIADIC and literals', () => {
    const sql =
      "SELECT aws_sagemaker.invoke_endpoint(endpoint_name => 'ep', max_rows_per_batch := -5, VARIADIC model_input => ARRAY[$1, NULL])";
    const args = findMlCalls(sql)[0]?.args ?? [];
    expect(args.map((a) => [a.name, a.variadic ?? false, a.valueText, a.literal])).toEqual([
      ['endpoint_name', false, "'ep'", { kind: 'string', value: 'ep' }],
      ['max_rows_per_batch', false, '-5', { kind: 'number', text: '-5' }],
      ['model_input', true, 'ARRAY[$1, NULL]', undefined],
    ]);
    expect(args[2]?.text).toBe('VARIADIC model_input => ARRAY[$1, NULL]');
    const lits = findMlCalls(
      "SELECT aws_comprehend.detect_sentiment($2, NULL, true), aws_bedrock.invoke_model($$m$$, 'a'::text, E'\\n', 1.5)",
    )
      .flatMap((c) => c.args)
      .map((a) => a.literal);
    expect(lits).toEqual([
      { kind: 'param', index: 2 },
      { kind: 'null' },
      { kind: 'boolean', value: true },
      { kind: 'string', value: 'm' },
      undefined,
      { kind: 'string', value: '\n' },
      { kind: 'number', text: '1.5' },
    ]);
  });

  it('reports nested calls in order of appearance with their depth', () => {
    const sql =
      "SELECT aws_sagemaker.invoke_endpoint('a', NULL, aws_comprehend.detect_sentiment(aws_bedrock.invoke_model('m','c','a',x), 'en')::text)";
    expect(findMlCalls(sql).map((c) => [c.fn, c.depth])).toEqual([
      ['aws_sagemaker.invoke_endpoint', 0],
      ['aws_comprehend.detect_sentiment', 1],
      ['aws_bedrock.invoke_model', 2],
    ]);
  });

  it('looks inside dollar-quoted bodies only with scanBodies, with offsets in the original text', () => {
    const sql = `CREATE FUNCTION churn(age int, income int) RETURNS float LANGUAGE sql PARALLEL SAFE COST 5000 AS $$ SELECT aws_sagemaker.invoke_endpoint('ep', NULL, $1, $2)::float $$`;
    expect(findMlCalls(sql)).toEqual([]);
    const [call] = findMlCalls(sql, { scanBodies: true });
    expect(call?.quoting).toBe('dollar');
    expect(sql.slice(call?.start, call?.nameEnd)).toBe('aws_sagemaker.invoke_endpoint');
    expect(call?.args.map((a) => sql.slice(a.start, a.end))).toEqual(["'ep'", 'NULL', '$1', '$2']);
    const doBlock =
      "DO $do$ BEGIN PERFORM aws_comprehend.detect_sentiment('x', 'en'); EXECUTE $q$SELECT aws_bedrock.invoke_model('a','b','c','d')$q$; END $do$";
    expect(fns(doBlock, true)).toEqual(['aws_comprehend.detect_sentiment', 'aws_bedrock.invoke_model']);
  });

  it('looks inside single-quoted routine bodies and maps offsets through the quoting', () => {
    const sql = `CREATE OR REPLACE FUNCTION s(t text) RETURNS text LANGUAGE plpgsql AS 'BEGIN RETURN (aws_comprehend.detect_sentiment(t, ''en'')).sentiment; END'`;
    const [call] = findMlCalls(sql, { scanBodies: true });
    expect(call).toMatchObject({ fn: 'aws_comprehend.detect_sentiment', quoting: 'string' });
    expect(sql.slice(call?.start, call?.nameEnd)).toBe('aws_comprehend.detect_sentiment');
    expect(sql[call?.close ?? 0]).toBe(')');
    expect(call?.args.map((a) => a.text)).toEqual(['t', "''en''"]);
    expect(call?.args[1]?.literal).toEqual({ kind: 'string', value: 'en' });
    // An escape-string body, and a plain string that is not a body.
    const escaped = String.raw`CREATE FUNCTION g() RETURNS text LANGUAGE sql AS E'SELECT aws\x5fcomprehend.detect_dominant_language(\'x\')'`;
    const [e] = findMlCalls(escaped, { scanBodies: true });
    expect(escaped.slice(e?.start, e?.nameEnd)).toBe(String.raw`aws\x5fcomprehend.detect_dominant_language`);
    expect(fns("SELECT 'aws_comprehend.detect_sentiment(x, y)'", true)).toEqual([]);
    expect(fns("DO 'BEGIN PERFORM aws_comprehend.detect_sentiment(''x'', ''en''); END'", true)).toEqual([
      'aws_comprehend.detect_sentiment',
    ]);
  });

  it('follows standard_conforming_strings', () => {
    const sql = String.raw`SELECT 'a\', aws_comprehend.detect_sentiment('x', 'en') -- '`;
    expect(fns(sql)).toEqual(['aws_comprehend.detect_sentiment']);
    expect(findMlCalls(sql, { standardConformingStrings: false })).toEqual([]);
  });
});

describe('mightTouchMl and referencesAny', () => {
  it('mightTouchMl is a cheap superset', () => {
    expect(mightTouchMl("select AWS_SAGEMAKER.invoke_endpoint('x', null, 1)")).toBe(true);
    expect(mightTouchMl("select 'aws_bedrock'")).toBe(true);
    expect(mightTouchMl(String.raw`select U&"aws\005fbedrock".invoke_model()`)).toBe(true);
    expect(mightTouchMl('select * from orders where id = $1')).toBe(false);
  });

  it('matches folded unquoted names, exact quoted names, every dotted component', () => {
    const names = new Set(['sentiment_view', 'MixedCase', 'score_fn', 'has space']);
    expect(referencesAny('SELECT * FROM Sentiment_View', names)).toBe(true);
    expect(referencesAny('SELECT * FROM public.sentiment_view v', names)).toBe(true);
    expect(referencesAny('SELECT * FROM "sentiment_view"', names)).toBe(true);
    expect(referencesAny('SELECT * FROM "Sentiment_View"', names)).toBe(false);
    expect(referencesAny('SELECT * FROM "MixedCase"', names)).toBe(true);
    expect(referencesAny('SELECT * FROM MixedCase', names)).toBe(false);
    expect(referencesAny('SELECT app.score_fn(x) FROM t', names)).toBe(true);
    expect(referencesAny('SELECT * FROM "has space"', names)).toBe(true);
    expect(referencesAny(String.raw`SELECT * FROM U&"sentiment\005fview"`, names)).toBe(true);
    expect(referencesAny("SELECT 'sentiment_view' -- score_fn", names)).toBe(false);
    expect(referencesAny('SELECT * FROM orders', names)).toBe(false);
    expect(referencesAny('SELECT 1', new Set())).toBe(false);
  });

  it('gives the same answers with a large name set (word-scan path)', () => {
    const names = new Set([
      ...Array.from({ length: 200 }, (_, i) => `view_${i}`),
      'MixedCase',
      'has space',
      'q"uote',
      'x'.repeat(63),
    ]);
    expect(referencesAny('SELECT * FROM View_7', names)).toBe(true);
    expect(referencesAny('SELECT * FROM "View_7"', names)).toBe(false);
    expect(referencesAny('SELECT * FROM "MixedCase"', names)).toBe(true);
    expect(referencesAny('SELECT * FROM "has space"', names)).toBe(true);
    expect(referencesAny('SELECT * FROM "q""uote"', names)).toBe(true);
    expect(referencesAny(`SELECT * FROM ${'X'.repeat(70)}`, names)).toBe(true); // truncated to 63 bytes
    expect(referencesAny("SELECT 'view_7' FROM view_700", names)).toBe(false);
  });

  it('looks into bodies with scanBodies', () => {
    const names = new Set(['score_fn']);
    const sql = 'DO $$ BEGIN PERFORM score_fn(1); END $$';
    expect(referencesAny(sql, names)).toBe(false);
    expect(referencesAny(sql, names, { scanBodies: true })).toBe(true);
    expect(
      referencesAny("CREATE FUNCTION g() RETURNS int LANGUAGE sql AS 'SELECT score_fn(2)'", names, { scanBodies: true }),
    ).toBe(true);
  });
});

describe('rewriteInvokeEndpoint', () => {
  it('packs variadic inputs into json_build_array, keeping the function name', () => {
    expect(rewrite("SELECT aws_sagemaker.invoke_endpoint('churn', NULL, age, income)::float FROM c")).toBe(
      "SELECT aws_sagemaker.invoke_endpoint('churn', NULL, json_build_array(age, income))::float FROM c",
    );
    expect(rewrite(`SELECT "aws_sagemaker".Invoke_Endpoint('e', 5, 'a' /* c */, b)`)).toBe(
      `SELECT "aws_sagemaker".Invoke_Endpoint('e', 5, json_build_array('a' /* c */, b))`,
    );
  });

  it('turns VARIADIC arrays into array_to_json', () => {
    expect(rewrite("SELECT aws_sagemaker.invoke_endpoint('e', NULL, VARIADIC ARRAY[a, b])")).toBe(
      "SELECT aws_sagemaker.invoke_endpoint('e', NULL, array_to_json(ARRAY[a, b]))",
    );
  });

  it("accepts the seed's two-argument form and counts it", () => {
    const sql =
      "SELECT aws_sagemaker.invoke_endpoint('fraud-ep', json_build_object('amount', amount, 'merchant', merchant)::text) AS verdict FROM transactions";
    const r = rewriteInvokeEndpoint(sql, findMlCalls(sql));
    expect(r.sql).toBe(
      "SELECT aws_sagemaker.invoke_endpoint('fraud-ep', NULL, json_build_array(json_build_object('amount', amount, 'merchant', merchant)::text)) AS verdict FROM transactions",
    );
    expect(r).toMatchObject({ seedTwoArgCalls: 1, errors: [], tooManyArguments: false });
  });

  it('leaves calls the server must reject alone', () => {
    for (const sql of [
      "SELECT aws_sagemaker.invoke_endpoint('e')",
      "SELECT aws_sagemaker.invoke_endpoint('e', 10)",
      "SELECT aws_sagemaker.invoke_endpoint('e', NULL)",
      "SELECT aws_sagemaker.invoke_endpoint('e', VARIADIC a)",
      "SELECT aws_sagemaker.invoke_endpoint('e', 1, x, VARIADIC a)",
      "SELECT aws_sagemaker.invoke_endpoint('e', 1, bogus => x)",
      "SELECT aws_comprehend.detect_sentiment('x', 'en', 5)",
    ]) {
      const r = rewriteInvokeEndpoint(sql, findMlCalls(sql));
      expect(r.sql, sql).toBe(sql);
      expect(r.seedTwoArgCalls).toBe(0);
    }
  });

  it('handles named notation', () => {
    expect(rewrite("SELECT aws_sagemaker.invoke_endpoint(endpoint_name => 'e', max_rows_per_batch => 5, model_input => x)")).toBe(
      "SELECT aws_sagemaker.invoke_endpoint(endpoint_name => 'e', max_rows_per_batch => 5, model_input => json_build_array(x))",
    );
    expect(rewrite("SELECT aws_sagemaker.invoke_endpoint('e', NULL, VARIADIC model_input := ARRAY['a'])")).toBe(
      "SELECT aws_sagemaker.invoke_endpoint('e', NULL, model_input => array_to_json(ARRAY['a']))",
    );
  });

  it('rewrites nested calls correctly', () => {
    expect(
      rewrite("SELECT aws_sagemaker.invoke_endpoint('a', NULL, aws_sagemaker.invoke_endpoint('b', NULL, x, y)::float, z)"),
    ).toBe(
      "SELECT aws_sagemaker.invoke_endpoint('a', NULL, json_build_array(aws_sagemaker.invoke_endpoint('b', NULL, json_build_array(x, y))::float, z))",
    );
    expect(rewrite("SELECT aws_sagemaker.invoke_endpoint('a', aws_sagemaker.invoke_endpoint('b', p))")).toBe(
      "SELECT aws_sagemaker.invoke_endpoint('a', NULL, json_build_array(aws_sagemaker.invoke_endpoint('b', NULL, json_build_array(p))))",
    );
  });

  it('rewrites inside function bodies in place', () => {
    const dollar = `CREATE FUNCTION churn(a int, b int) RETURNS float LANGUAGE sql PARALLEL SAFE COST 5000 AS $$ SELECT aws_sagemaker.invoke_endpoint('ep', NULL, $1, $2)::float $$`;
    expect(rewrite(dollar, true)).toBe(
      `CREATE FUNCTION churn(a int, b int) RETURNS float LANGUAGE sql PARALLEL SAFE COST 5000 AS $$ SELECT aws_sagemaker.invoke_endpoint('ep', NULL, json_build_array($1, $2))::float $$`,
    );
    const quoted = `CREATE FUNCTION f(t text) RETURNS text LANGUAGE sql AS 'SELECT aws_sagemaker.invoke_endpoint(''ep'', $1)'`;
    expect(rewrite(quoted, true)).toBe(
      `CREATE FUNCTION f(t text) RETURNS text LANGUAGE sql AS 'SELECT aws_sagemaker.invoke_endpoint(''ep'', NULL, json_build_array($1))'`,
    );
  });

  it('reports more than 100 arguments (54023) and accepts exactly 100', () => {
    const call = (n: number): string => `SELECT aws_sagemaker.invoke_endpoint('e', NULL${', x'.repeat(n - 2)})`;
    const ok = rewriteInvokeEndpoint(call(100), findMlCalls(call(100)));
    expect(ok.errors).toEqual([]);
    expect(ok.sql.startsWith("SELECT aws_sagemaker.invoke_endpoint('e', NULL, json_build_array(x, ")).toBe(true);
    const bad = rewriteInvokeEndpoint(call(101), findMlCalls(call(101)));
    expect(bad.errors).toEqual([
      { code: 'TooManyArguments', message: 'cannot pass more than 100 arguments to a function', position: 7, argCount: 101 },
    ]);
    expect(bad.tooManyArguments).toBe(true);
  });

  it('maps rewritten offsets back to the original', () => {
    const sql = "SELECT aws_sagemaker.invoke_endpoint('e', NULL, a, b), zz";
    const r = rewriteInvokeEndpoint(sql, findMlCalls(sql));
    expect(mapRewrittenOffset(r.edits, r.sql.indexOf('zz'))).toBe(sql.indexOf('zz'));
    expect(mapRewrittenOffset(r.edits, r.sql.indexOf('json_build_array') + 3)).toBe(sql.indexOf('a, b'));
    expect(mapRewrittenOffset(r.edits, 3)).toBe(3);
  });
});

describe('robustness', () => {
  const samples = [
    ...PG_SCANNER_CORPUS.map(([sql]) => sql),
    String.raw`SELECT E'a\'b', U&'\0041' UESCAPE '!', $q$x$q$, "a""b", B'01', 'x'
'y' /* a /* b */ */ -- c`,
    "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT aws_sagemaker.invoke_endpoint(''e'', 1, $1)'; SELECT 1",
    'CREATE PROCEDURE p() BEGIN ATOMIC SELECT CASE WHEN true THEN 1 END; END; DO $$ $$',
    "SET aurora_ml.strict = 'on'; SHOW x; EXPLAIN (ANALYZE, FORMAT JSON) SELECT 1; CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE",
  ];

  it('never throws on any prefix of any sample, with either string mode', () => {
    for (const sql of samples) {
      for (let i = 0; i <= sql.length; i++) {
        const prefix = sql.slice(0, i);
        for (const scs of [true, false]) {
          const opts = { standardConformingStrings: scs, scanBodies: true };
          const tokens = tokenize(prefix, { ...opts, comments: true });
          // Tokens are ordered and every gap between them is whitespace.
          let at = 0;
          for (const t of tokens) {
            expect(/^\s*$/.test(prefix.slice(at, t.start)), `${JSON.stringify(prefix)} @${at}`).toBe(true);
            expect(t.end).toBeGreaterThan(t.start);
            at = t.end;
          }
          expect(/^\s*$/.test(prefix.slice(at))).toBe(true);
          splitStatements(prefix, opts);
          const calls = findMlCalls(prefix, opts);
          rewriteInvokeEndpoint(prefix, calls);
          for (const c of calls) expect(c.close).toBeLessThan(prefix.length);
          classifyStatement(prefix, opts);
          parseExtensionCommand(prefix, opts);
          parseSetCommand(prefix, opts);
          parseShowCommand(prefix, opts);
          parseExplain(prefix, opts);
          parseCreateAs(prefix, opts);
          referencesAny(prefix, new Set(['t', 'x']), opts);
        }
      }
    }
  });
});
