/**
 * A MySQL server names an unaliased expression column after the expression's
 * text, which for an ML call is the text the emulator rewrote (./rewrite.ts:
 * `aurora_ml.` and a stub suffix after the name, `JSON_ARRAY(` and `)` around
 * the direct SageMaker call's inputs). This takes exactly those insertions out
 * of every column name of an answer, so the client sees the name it wrote,
 * spelling and spacing included, as Aurora MySQL would give it.
 *
 * The server cuts names at 255 characters (MariaDB; 256 on MySQL 8): a name
 * cut inside the rewritten text is rebuilt from the client's own text, cut at
 * the same length.
 */
import { tokenize } from '../../sql/mysql/lexer.ts';
import { MYSQL_ML_FUNCTIONS } from '../../sql/mysql/ml-calls.ts';
import type { Token } from '../../sql/mysql/tokens.ts';
import { type AnswerKind, AnswerShape, type ShapeOptions } from '../../wire/mysql/answer-shape.ts';
import { Packet } from '../../wire/mysql/framer.ts';
import { PayloadReader } from '../../wire/mysql/messages.ts';
import { packet } from '../../wire/mysql/serializer.ts';
import { SEED_DIRECT_SAGEMAKER, STUB_SCHEMA } from './stubs.ts';

/** Suffixes a stub adds to the built-in's name (utf8mb4 result, max_batch_size form), longest first. */
const STUB_SUFFIXES = ['_u_b', '_u', '_b', ''];
const BUILTINS: ReadonlySet<string> = new Set(MYSQL_ML_FUNCTIONS);
/** Names at least this long may have been cut by the server. */
const NAME_LIMIT = 255;

/** The built-in a stub name stands for, and the length of the suffix the rewrite added. */
function builtinOf(stub: string): { fn: string; suffix: number } | null {
  for (const suffix of STUB_SUFFIXES) {
    if (!stub.endsWith(suffix)) continue;
    const fn = stub.slice(0, stub.length - suffix.length);
    if (BUILTINS.has(fn)) return { fn, suffix: suffix.length };
  }
  return null;
}

/** Ranges [start, end) of `text` that the rewrite inserted. */
function insertions(text: string): [number, number][] {
  if (!text.toLowerCase().includes(`${STUB_SCHEMA}.`)) return [];
  const tokens = tokenize(text);
  const out: [number, number][] = [];
  for (let i = 0; i + 2 < tokens.length; i++) {
    const schema = tokens[i];
    const dot = tokens[i + 1];
    const name = tokens[i + 2];
    if (schema?.kind !== 'ident' || schema.value !== STUB_SCHEMA || dot?.kind !== 'dot' || name?.kind !== 'ident') continue;
    if (dot.start !== schema.end || name.start !== dot.end) continue;
    const builtin = builtinOf(name.value);
    if (builtin === null) continue;
    out.push([schema.start, name.start], [name.end - builtin.suffix, name.end]);
    if (builtin.fn === SEED_DIRECT_SAGEMAKER) out.push(...jsonArrayWrapper(tokens, i + 3));
  }
  return out;
}

/** The `JSON_ARRAY(` the rewrite put before the second argument of the call opening at `open`, and its `)`. */
function jsonArrayWrapper(tokens: readonly Token[], open: number): [number, number][] {
  if (tokens[open]?.kind !== 'lparen') return [];
  let depth = 0;
  for (let k = open + 1; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen' && depth-- === 0) return [];
    else if (t.kind === 'comma' && depth === 0) {
      const fn = tokens[k + 1];
      const paren = tokens[k + 2];
      if (fn?.kind !== 'ident' || fn.value !== 'json_array' || paren?.kind !== 'lparen' || paren.start !== fn.end) return [];
      const close = matchingParen(tokens, k + 2);
      const wrapper: [number, number][] = [[fn.start, paren.end]];
      if (close !== null) wrapper.push([close.start, close.end]);
      return wrapper;
    }
  }
  return [];
}

function matchingParen(tokens: readonly Token[], open: number): Token | null {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const t = tokens[k] as Token;
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen' && --depth === 0) return t;
  }
  return null;
}

function withoutRanges(text: string, ranges: readonly [number, number][]): string {
  let out = '';
  let at = 0;
  for (const [start, end] of [...ranges].sort((a, b) => a[0] - b[0])) {
    out += text.slice(at, start);
    at = Math.max(at, end);
  }
  return out + text.slice(at);
}

/** Words that end a select-list item (its text is its column name). */
const ITEM_END: ReadonlySet<string> = new Set([
  'from',
  'where',
  'group',
  'having',
  'order',
  'limit',
  'into',
  'union',
  'except',
  'intersect',
  'window',
  'for',
  'lock',
  'procedure',
  'as',
]);

/** The select-list item of `sql` that starts at `start`, as the server would name its column. */
function itemText(sql: string, start: number): string {
  const tokens = tokenize(sql.slice(start));
  let depth = 0;
  for (const t of tokens) {
    if (t.kind === 'lparen') depth++;
    else if (t.kind === 'rparen' && depth-- === 0) return sql.slice(start, start + t.start).trimEnd();
    else if (depth === 0 && (t.kind === 'comma' || t.kind === 'semicolon')) return sql.slice(start, start + t.start).trimEnd();
    else if (depth === 0 && t.kind === 'ident' && ITEM_END.has(t.value)) return sql.slice(start, start + t.start).trimEnd();
  }
  return sql.slice(start).trimEnd();
}

/** The name the client's own text gives a column the server named `name`; `sql` is the client's statement. */
export function clientColumnName(name: string, sql: string): string {
  const ranges = insertions(name);
  if (ranges.length === 0) return name;
  const restored = withoutRanges(name, ranges);
  const chars = [...name].length;
  if (chars < NAME_LIMIT) return restored;
  // Cut by the server: the client's item goes on further than the rewritten prefix shows.
  const at = sql.indexOf(restored);
  if (at < 0) return restored;
  return [...itemText(sql, at)].slice(0, chars).join('');
}

function lenencBytes(value: Buffer): Buffer {
  const n = value.length;
  let prefix: Buffer;
  if (n < 0xfb) prefix = Buffer.from([n]);
  else if (n <= 0xffff) prefix = Buffer.from([0xfc, n & 0xff, n >> 8]);
  else prefix = Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]);
  return Buffer.concat([prefix, value]);
}

/** A ColumnDefinition41 with its name and org_name as the client wrote them, or null if they need nothing. */
function restoreColumnName(p: Packet, sql: string): Packet | null {
  const r = new PayloadReader(p.payload);
  const fields: Buffer[] = [];
  try {
    for (let i = 0; i < 6; i++) fields.push(r.bytes(r.lenenc()));
  } catch {
    return null;
  }
  let changed = false;
  for (const i of [4, 5]) {
    const text = (fields[i] as Buffer).toString('utf8');
    const restored = clientColumnName(text, sql);
    if (restored === text) continue;
    fields[i] = Buffer.from(restored, 'utf8');
    changed = true;
  }
  if (!changed) return null;
  const payload = Buffer.concat([...fields.map(lenencBytes), r.rest()]);
  return new Packet(p.sequenceId, packet(payload, p.sequenceId), payload);
}

/**
 * The answer with every column definition named as the client wrote it: each
 * result set of a `result` or `binary-result` answer, or the columns of a
 * COM_STMT_PREPARE_OK (`prepare`).
 */
export function withClientColumnNames(answer: readonly Packet[], sql: string, kind: AnswerKind, options: ShapeOptions): Packet[] {
  const shape = new AnswerShape(kind, options);
  return answer.map((p) => {
    if (shape.next(p.payload, 0, p.payload.length) !== 'column') return p;
    return restoreColumnName(p, sql) ?? p;
  });
}
