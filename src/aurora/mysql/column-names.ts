/**
 * A MySQL server names an unaliased expression column after the expression's
 * text, which for an ML call is the text the emulator rewrote (./rewrite.ts:
 * `aurora_ml.` and a stub suffix after the name, `JSON_ARRAY(` and `)` around
 * the direct SageMaker call's inputs). This takes exactly those insertions out
 * of every column name of an answer, so the client sees the name it wrote,
 * spelling and spacing included, as Aurora MySQL would give it.
 *
 * The server cuts names at 255 bytes of UTF-8, whatever the connection's
 * charset, and never inside a character (MariaDB 10.11; 256 on MySQL 8): a
 * name cut inside the rewritten text is rebuilt from the client's own text,
 * cut alike.
 */
import { tokenize } from '../../sql/mysql/lexer.ts';
import { MYSQL_ML_FUNCTIONS } from '../../sql/mysql/ml-calls.ts';
import type { Token } from '../../sql/mysql/tokens.ts';
import { type AnswerKind, AnswerShape, type ShapeOptions } from '../../wire/mysql/answer-shape.ts';
import { type ClientCodec, clientCodec, isAscii } from '../../wire/mysql/client-charset.ts';
import { Packet } from '../../wire/mysql/framer.ts';
import { PayloadReader, textRows } from '../../wire/mysql/messages.ts';
import { lenencBytes, packet } from '../../wire/mysql/serializer.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { SEED_DIRECT_SAGEMAKER, STUB_SCHEMA } from './stubs.ts';

/** Suffixes a stub adds to the built-in's name (utf8mb4 result, max_batch_size form), longest first. */
const STUB_SUFFIXES = ['_u_b', '_u', '_b', ''];
const BUILTINS: ReadonlySet<string> = new Set(MYSQL_ML_FUNCTIONS);
/** The bytes of UTF-8 MariaDB keeps of a name (MySQL 8 keeps 256: a longer name from the server raises it). */
const NAME_LIMIT_BYTES = 255;
/** A cut name ends at most this many bytes short of the limit (it stops before a character that does not fit). */
const LONGEST_CHARACTER = 4;

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
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes <= NAME_LIMIT_BYTES - LONGEST_CHARACTER) return restored;
  // Maybe cut by the server: the client's item may go on further than the rewritten prefix shows.
  const at = sql.indexOf(restored);
  if (at < 0) return restored;
  return cutToUtf8Bytes(itemText(sql, at), Math.max(NAME_LIMIT_BYTES, bytes));
}

/** The longest start of `text` whose UTF-8 takes at most `limit` bytes (whole characters only). */
function cutToUtf8Bytes(text: string, limit: number): string {
  let used = 0;
  let out = '';
  for (const c of text) {
    used += Buffer.byteLength(c, 'utf8');
    if (used > limit) break;
    out += c;
  }
  return out;
}

/** A ColumnDefinition41's six strings (catalog, schema, table, org_table, name, org_name) and the bytes after them. */
interface NamedColumn {
  readonly fields: Buffer[];
  readonly rest: Buffer;
}

/** The column's strings, when its name or org_name holds rewritten text (the rewrite's `aurora_ml.`); else null. */
function rewrittenColumn(p: Packet): NamedColumn | null {
  const r = new PayloadReader(p.payload);
  const fields: Buffer[] = [];
  try {
    for (let i = 0; i < 6; i++) fields.push(r.bytes(r.lenenc()));
  } catch {
    return null;
  }
  // Byte for byte, as the rewrite's text is ASCII in every charset the name can come in.
  const rewritten = [4, 5].some((i) => (fields[i] as Buffer).toString('latin1').toLowerCase().includes(`${STUB_SCHEMA}.`));
  return rewritten ? { fields, rest: r.rest() } : null;
}

/** What renaming needs of the upstream: the answer's shape, and a query for the names' charset. */
export type NamingUpstream = ShapeOptions & Pick<ControlledUpstream, 'query'>;

/**
 * The charset column names reach the client in: character_set_results (NULL:
 * none, the server's own UTF-8). One the emulator has no codec for is read
 * byte by byte, which still finds the rewrite's ASCII text and keeps every other byte.
 */
async function namesCodec(up: NamingUpstream): Promise<ClientCodec> {
  const [row] = textRows(await up.query('SELECT @@character_set_results'), 1);
  const charset = row?.[0];
  return (charset == null ? null : clientCodec(charset)) ?? (clientCodec(charset == null ? 'utf8mb4' : 'binary') as ClientCodec);
}

/** `text` in the codec's charset; a character it lacks becomes '?', as the server converts it. */
function encodeName(codec: ClientCodec, text: string): Buffer {
  const encoded = (s: string): Buffer | null => {
    try {
      return codec.encode(s);
    } catch {
      return null;
    }
  };
  return encoded(text) ?? Buffer.concat([...text].map((c) => encoded(c) ?? Buffer.from('?')));
}

/**
 * The answer with every column definition named as the client wrote it: each
 * result set of a `result` or `binary-result` answer, or the columns of a
 * COM_STMT_PREPARE_OK (`prepare`). Names come in the connection's
 * character_set_results: a name with 8-bit bytes (or a restored name with
 * non-ASCII characters) is read and written in it, which costs one query
 * (decoding latin1 as UTF-8 turned CONCAT('é', ...) into CONCAT('\uFFFD', ...)).
 */
export async function withClientColumnNames(
  answer: readonly Packet[],
  sql: string,
  kind: AnswerKind,
  up: NamingUpstream,
): Promise<Packet[]> {
  const shape = new AnswerShape(kind, up);
  const renamed = new Map<number, NamedColumn>();
  answer.forEach((p, i) => {
    if (shape.next(p.payload, 0, p.payload.length) !== 'column') return;
    const column = rewrittenColumn(p);
    if (column !== null) renamed.set(i, column);
  });
  if (renamed.size === 0) return [...answer];
  let codec: Promise<ClientCodec> | null = null;
  const charsetCodec = () => {
    codec ??= namesCodec(up);
    return codec;
  };
  const out = [...answer];
  for (const [i, { fields, rest }] of renamed) {
    let changed = false;
    for (const f of [4, 5]) {
      const bytes = fields[f] as Buffer;
      const text = isAscii(bytes) ? bytes.toString('latin1') : (await charsetCodec()).decode(bytes);
      const restored = clientColumnName(text, sql);
      if (restored === text) continue;
      const plain = Buffer.from(restored, 'latin1');
      fields[f] = isAscii(plain) && plain.toString('latin1') === restored ? plain : encodeName(await charsetCodec(), restored);
      changed = true;
    }
    if (!changed) continue;
    const p = answer[i] as Packet;
    const payload = Buffer.concat([...fields.map(lenencBytes), rest]);
    out[i] = new Packet(p.sequenceId, packet(payload, p.sequenceId), payload);
  }
  return out;
}
