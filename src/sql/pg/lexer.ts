/**
 * PostgreSQL lexical scanner (PostgreSQL 16's scan.l, reduced to what the
 * proxy needs).
 *
 * Why hand-written: node-sql-parser cannot parse `(f(...)).field`, the main
 * Aurora PostgreSQL idiom, and the proxy runs this on every statement that
 * might touch ML, so it must be cheap (~µs) and must never throw. Broken input
 * (an unterminated string or comment, a bad escape) yields tokens flagged
 * `unterminated` / `invalid`; callers then pass the statement to the server,
 * which reports the real syntax error.
 *
 * What it follows from the server's lexer:
 * - '...' with '' escapes; E'...' with backslash escapes; backslash escapes in
 *   plain '...' and N'...' too when standard_conforming_strings is off;
 *   U&'...' / U&"..." with \XXXX, \+XXXXXX and an optional `UESCAPE 'c'`;
 *   B'...' / X'...'; $$...$$ and $tag$...$tag$.
 * - Two string literals separated only by whitespace containing a newline
 *   (and `--` comments) are one literal: 'a'\n'b' is 'ab'.
 * - "..." identifiers with "" escapes; unquoted identifiers fold ASCII A-Z
 *   only (like downcase_identifier for UTF-8); both truncate to 63 bytes.
 *   Any character >= U+0080 is an identifier character, as in PostgreSQL.
 * - -- comments, nested /* /* *\/ *\/ comments.
 * - PostgreSQL 16 numbers (0x/0o/0b prefixes, _ separators), $n parameters,
 *   multi-character operators with the server's `--`, `/*` and trailing +/-
 *   rules, `::`, `:=`, `=>`, `..`.
 * Keywords are not distinguished: they come out as `ident` tokens whose value
 * is the lower-cased word.
 */
import { Buffer } from 'node:buffer';

export interface LexOptions {
  /**
   * The session's standard_conforming_strings (default true, PostgreSQL's
   * default). When false, backslash escapes apply to plain '...' strings as
   * well. Note that the server lexes a whole simple-Query string with the value
   * in force before the string runs, so track it from ParameterStatus.
   */
  readonly standardConformingStrings?: boolean;
  /** Also emit complete comments as tokens (default false). An unterminated block comment is always emitted. */
  readonly comments?: boolean;
}

interface Span {
  /** Offset of the first character in the scanned text. */
  readonly start: number;
  /** Offset just after the last character. */
  readonly end: number;
}

/** Unquoted identifier or keyword; `value` is folded to lower case (ASCII only) and truncated to 63 bytes. */
export interface IdentToken extends Span {
  readonly kind: 'ident';
  readonly value: string;
}

/** "..." or U&"..." identifier; `value` is exact (case preserved), escapes decoded. */
export interface QuotedIdentToken extends Span {
  readonly kind: 'quoted_ident';
  readonly value: string;
  readonly unicode: boolean;
  readonly unterminated: boolean;
  /** The server will reject it (zero length, bad Unicode escape, bad UESCAPE). */
  readonly invalid: boolean;
}

/** Character string constant. For U& strings the span includes a trailing `UESCAPE 'c'`. */
export interface StringToken extends Span {
  readonly kind: 'string';
  readonly prefix: '' | 'E' | 'N' | 'U&';
  readonly value: string;
  /** Backslash escapes were processed (E'' or standard_conforming_strings off). */
  readonly backslashEscapes: boolean;
  readonly unterminated: boolean;
  /** The server will reject it (bad escape, zero byte, invalid UTF-8). */
  readonly invalid: boolean;
}

/** B'0101' or X'1F'; `value` is the raw digits. */
export interface BitStringToken extends Span {
  readonly kind: 'bit_string';
  readonly prefix: 'B' | 'X';
  readonly value: string;
  readonly unterminated: boolean;
}

/** $tag$...$tag$; `value` is the verbatim body (from start + tag.length + 2). */
export interface DollarStringToken extends Span {
  readonly kind: 'dollar_string';
  readonly tag: string;
  readonly value: string;
  readonly unterminated: boolean;
}

export interface NumberToken extends Span {
  readonly kind: 'number';
  readonly text: string;
}

/** $1, $2, ... */
export interface ParamToken extends Span {
  readonly kind: 'param';
  readonly index: number;
}

/** Any operator, including `::`, `:=`, `=>`, `..` and a lone `:`. */
export interface OpToken extends Span {
  readonly kind: 'op';
  readonly text: string;
}

export interface PunctToken extends Span {
  readonly kind: 'lparen' | 'rparen' | 'lbracket' | 'rbracket' | 'comma' | 'semicolon' | 'dot';
}

export interface CommentToken extends Span {
  readonly kind: 'comment';
  readonly block: boolean;
  readonly unterminated: boolean;
}

/** A character PostgreSQL's lexer does not accept (backslash, braces, a stray `$`...). */
export interface OtherToken extends Span {
  readonly kind: 'other';
  readonly text: string;
}

export type Token =
  | IdentToken
  | QuotedIdentToken
  | StringToken
  | BitStringToken
  | DollarStringToken
  | NumberToken
  | ParamToken
  | OpToken
  | PunctToken
  | CommentToken
  | OtherToken;

export type TokenKind = Token['kind'];

/** An identifier, quoted or not: the tokens that can name a schema, function or column. */
export type NameToken = IdentToken | QuotedIdentToken;

export function isNameToken(t: Token | undefined): t is NameToken {
  return t !== undefined && (t.kind === 'ident' || t.kind === 'quoted_ident');
}

/** True for an unquoted identifier / keyword equal to `word` (lower case). */
export function isKeyword(t: Token | undefined, word: string): boolean {
  return t !== undefined && t.kind === 'ident' && t.value === word;
}

export function isOp(t: Token | undefined, text: string): boolean {
  return t !== undefined && t.kind === 'op' && t.text === text;
}

/** True when a literal, quoted identifier or comment runs to the end of the text. */
export function isUnterminated(t: Token): boolean {
  return 'unterminated' in t && t.unterminated;
}

/** All tokens of `sql` (comments only with opts.comments). Never throws. */
export function tokenize(sql: string, opts: LexOptions = {}): Token[] {
  const lexer = new PgLexer(sql, opts);
  const out: Token[] = [];
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) out.push(t);
  return out;
}

// ---------------------------------------------------------------------------
// Character classes (ASCII table; everything >= 0x80 is an identifier char).

const SPACE = 1;
const ID_START = 2;
const ID_CONT = 4;
const DIGIT = 8;
const OP_CHAR = 16;
const HEX = 32;

const charClass = new Uint8Array(128);
for (const ch of ' \t\n\r\f\v') charClass[ch.charCodeAt(0)] = SPACE;
for (let c = 0; c < 128; c++) {
  const s = String.fromCharCode(c);
  if (/[A-Za-z_]/.test(s)) charClass[c] = ID_START | ID_CONT;
  if (/[0-9]/.test(s)) charClass[c] = DIGIT | ID_CONT | HEX;
  if (/[A-Fa-f]/.test(s)) charClass[c] = (charClass[c] ?? 0) | HEX;
}
charClass[0x24] = ID_CONT; // '$' continues identifiers (a$b) but never starts one
for (const ch of '~!@#^&|`?+-*/%<>=') charClass[ch.charCodeAt(0)] = OP_CHAR;

function cls(c: number): number {
  if (c >= 0x80) return ID_START | ID_CONT;
  return charClass[c] ?? 0; // NaN (past the end) also lands here
}

const has = (c: number, flag: number): boolean => (cls(c) & flag) !== 0;

const QUOTE = 0x27;
const DQUOTE = 0x22;
const BACKSLASH = 0x5c;
const DOLLAR = 0x24;

/** Characters that make a trailing + or - legal in a multi-character operator. */
const NON_SQL_OP_CHARS = '~!@#^&|`?%';

/** NAMEDATALEN - 1: PostgreSQL silently truncates longer identifiers. */
const MAX_IDENT_BYTES = 63;

// ---------------------------------------------------------------------------

/**
 * Incremental scanner: `next()` returns one token at a time, so callers that
 * only need the first few words (statement classification) stop early.
 */
export class PgLexer {
  private pos = 0;
  private readonly sql: string;
  private readonly scs: boolean;
  private readonly keepComments: boolean;

  constructor(sql: string, opts: LexOptions = {}) {
    this.sql = sql;
    this.scs = opts.standardConformingStrings ?? true;
    this.keepComments = opts.comments ?? false;
  }

  /** The next token, or undefined at the end of the text. */
  next(): Token | undefined {
    for (;;) {
      const t = this.scanNext();
      if (t === undefined) return undefined;
      if (t.kind !== 'comment' || this.keepComments || t.unterminated) return t;
    }
  }

  private scanNext(): Token | undefined {
    const sql = this.sql;
    const n = sql.length;
    while (this.pos < n && has(sql.charCodeAt(this.pos), SPACE)) this.pos++;
    if (this.pos >= n) return undefined;
    const t = this.scanToken(this.pos);
    this.pos = t.end;
    return t;
  }

  private scanToken(start: number): Token {
    const sql = this.sql;
    const c = sql.charCodeAt(start);
    const c1 = sql.charCodeAt(start + 1);
    switch (c) {
      case 0x2d: // -
        if (c1 === 0x2d) return lineComment(sql, start);
        break;
      case 0x2f: // /
        if (c1 === 0x2a) return blockComment(sql, start);
        break;
      case QUOTE:
        return this.characterString(start, start + 1, this.scs ? '' : 'backslash', '');
      case DQUOTE:
        return quotedIdent(sql, start, start + 1, false);
      case DOLLAR:
        return dollarToken(sql, start);
      case 0x28:
        return { kind: 'lparen', start, end: start + 1 };
      case 0x29:
        return { kind: 'rparen', start, end: start + 1 };
      case 0x5b:
        return { kind: 'lbracket', start, end: start + 1 };
      case 0x5d:
        return { kind: 'rbracket', start, end: start + 1 };
      case 0x2c:
        return { kind: 'comma', start, end: start + 1 };
      case 0x3b:
        return { kind: 'semicolon', start, end: start + 1 };
      case 0x2e: // .
        if (has(c1, DIGIT)) return scanNumber(sql, start);
        if (c1 === 0x2e) return { kind: 'op', text: '..', start, end: start + 2 };
        return { kind: 'dot', start, end: start + 1 };
      case 0x3a: // : is not an operator character; only these combinations exist
        if (c1 === 0x3a) return { kind: 'op', text: '::', start, end: start + 2 };
        if (c1 === 0x3d) return { kind: 'op', text: ':=', start, end: start + 2 };
        return { kind: 'op', text: ':', start, end: start + 1 };
    }
    if (has(c, DIGIT)) return scanNumber(sql, start);
    if (has(c, ID_START)) return this.identOrPrefixedLiteral(start, c, c1);
    if (has(c, OP_CHAR)) return scanOperator(sql, start);
    return { kind: 'other', text: sql.slice(start, start + 1), start, end: start + 1 };
  }

  /** E'', B'', X'', N'', U&'' and U&"" win over an identifier of that letter (flex longest match). */
  private identOrPrefixedLiteral(start: number, c: number, c1: number): Token {
    if (c1 === QUOTE) {
      switch (c | 0x20) {
        case 0x65: // e
          return this.characterString(start, start + 2, 'backslash', 'E');
        case 0x6e: // n: national character, otherwise an ordinary string
          return this.characterString(start, start + 2, this.scs ? '' : 'backslash', 'N');
        case 0x62: // b
          return bitString(this.sql, start, 'B');
        case 0x78: // x
          return bitString(this.sql, start, 'X');
      }
    }
    if ((c | 0x20) === 0x75 && c1 === 0x26) {
      const c2 = this.sql.charCodeAt(start + 2);
      if (c2 === QUOTE) return this.characterString(start, start + 3, '', 'U&');
      if (c2 === DQUOTE) return this.withUescape(quotedIdent(this.sql, start, start + 3, true));
    }
    return scanIdent(this.sql, start);
  }

  private characterString(
    start: number,
    contentStart: number,
    escapes: '' | 'backslash',
    prefix: StringToken['prefix'],
  ): StringToken {
    const scan = scanQuoted(this.sql, contentStart, escapes === 'backslash' ? ESCAPE_MODE : PLAIN_MODE);
    const decoded =
      escapes === 'backslash' ? decodeEscapeSegments(this.sql, scan.segments) : decodePlainSegments(this.sql, scan.segments);
    const token: StringToken = {
      kind: 'string',
      prefix,
      value: decoded.value,
      backslashEscapes: escapes === 'backslash',
      unterminated: !scan.closed,
      invalid: decoded.invalid,
      start,
      end: scan.end,
    };
    if (prefix !== 'U&') return token;
    // U& strings are unsafe when backslashes are literal quote escapes: the server refuses them.
    const unicode = this.withUescape(token);
    return this.scs ? unicode : { ...unicode, invalid: true };
  }

  /**
   * Applies an optional `UESCAPE 'c'` (which may follow after whitespace and
   * comments, as the grammar sees it) and decodes the Unicode escapes.
   */
  private withUescape<T extends StringToken | QuotedIdentToken>(token: T): T {
    let escapeChar = '\\';
    let end = token.end;
    let invalid = token.invalid;
    if (!token.unterminated) {
      const clause = this.peekUescape(token.end);
      if (clause !== undefined) {
        escapeChar = clause.escape;
        end = clause.end;
        invalid ||= !isValidUescape(escapeChar);
      }
    }
    const decoded = decodeUnicodeEscapes(token.value, escapeChar);
    const value = token.kind === 'quoted_ident' ? truncateIdentifier(decoded.value) : decoded.value;
    return { ...token, value, end, invalid: invalid || decoded.invalid };
  }

  private peekUescape(from: number): { escape: string; end: number } | undefined {
    const saved = this.pos;
    this.pos = from;
    try {
      const kw = this.skipComments();
      if (!isKeyword(kw, 'uescape')) return undefined;
      const lit = this.skipComments();
      if (lit?.kind !== 'string' || lit.prefix === 'U&' || lit.unterminated) return { escape: '', end: kw?.end ?? from };
      return { escape: lit.value, end: lit.end };
    } finally {
      this.pos = saved;
    }
  }

  private skipComments(): Token | undefined {
    for (;;) {
      const t = this.scanNext();
      if (t === undefined || t.kind !== 'comment' || t.unterminated) return t;
    }
  }
}

// ---------------------------------------------------------------------------
// Comments

function lineComment(sql: string, start: number): CommentToken {
  let i = start + 2;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 0x0a || c === 0x0d) break;
    i++;
  }
  return { kind: 'comment', block: false, unterminated: false, start, end: i };
}

/** Block comments nest in PostgreSQL (unlike the SQL standard's other dialects). */
function blockComment(sql: string, start: number): CommentToken {
  let depth = 1;
  let i = start + 2;
  const n = sql.length;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 0x2a && sql.charCodeAt(i + 1) === 0x2f) {
      i += 2;
      if (--depth === 0) return { kind: 'comment', block: true, unterminated: false, start, end: i };
    } else if (c === 0x2f && sql.charCodeAt(i + 1) === 0x2a) {
      i += 2;
      depth++;
    } else {
      i++;
    }
  }
  return { kind: 'comment', block: true, unterminated: true, start, end: n };
}

// ---------------------------------------------------------------------------
// Quoted literals

const PLAIN_MODE = 0; // '' doubles a quote
const ESCAPE_MODE = 1; // '' and \' both escape a quote
const BITS_MODE = 2; // no escapes at all

interface QuotedScan {
  /** Offset after the closing quote (or the text length). */
  readonly end: number;
  readonly closed: boolean;
  /** Flat [from, to) pairs of raw content: one pair per continued segment. */
  readonly segments: readonly number[];
}

/** Scans a '...' body starting just after the opening quote, following continuations. */
function scanQuoted(sql: string, contentStart: number, mode: number): QuotedScan {
  const n = sql.length;
  const segments: number[] = [];
  let segStart = contentStart;
  let i = contentStart;
  for (;;) {
    if (mode === ESCAPE_MODE) {
      while (i < n && sql.charCodeAt(i) !== QUOTE) i += sql.charCodeAt(i) === BACKSLASH ? 2 : 1;
    } else {
      i = sql.indexOf("'", i);
      if (i < 0) i = n;
    }
    if (i >= n) {
      segments.push(segStart, n);
      return { end: n, closed: false, segments };
    }
    if (mode !== BITS_MODE && sql.charCodeAt(i + 1) === QUOTE) {
      i += 2;
      continue;
    }
    segments.push(segStart, i);
    const next = continuation(sql, i + 1);
    if (next < 0) return { end: i + 1, closed: true, segments };
    segStart = i = next;
  }
}

/**
 * SQL's string continuation: after a closing quote, whitespace that contains
 * at least one newline (and `--` comments, but not block comments) followed
 * by a quote continues the same literal. Returns the offset after that quote,
 * or -1.
 */
function continuation(sql: string, from: number): number {
  const n = sql.length;
  let sawNewline = false;
  let i = from;
  while (i < n) {
    const c = sql.charCodeAt(i);
    if (c === 0x20 || c === 0x09 || c === 0x0c || c === 0x0b) i++;
    else if (c === 0x0a || c === 0x0d) {
      sawNewline = true;
      i++;
    } else if (c === 0x2d && sql.charCodeAt(i + 1) === 0x2d) {
      while (i < n && sql.charCodeAt(i) !== 0x0a && sql.charCodeAt(i) !== 0x0d) i++;
    } else return c === QUOTE && sawNewline ? i + 1 : -1;
  }
  return -1;
}

interface Decoded {
  readonly value: string;
  readonly invalid: boolean;
}

function decodePlainSegments(sql: string, segments: readonly number[]): Decoded {
  let value = '';
  for (let k = 0; k < segments.length; k += 2) {
    const raw = sql.slice(segments[k] ?? 0, segments[k + 1] ?? 0);
    value += raw.includes("''") ? raw.replaceAll("''", "'") : raw;
  }
  return { value, invalid: false };
}

function decodeEscapeSegments(sql: string, segments: readonly number[], map?: number[]): Decoded {
  const out = new LiteralBuilder(map);
  for (let k = 0; k < segments.length; k += 2) decodeEscapeSegment(sql, segments[k] ?? 0, segments[k + 1] ?? 0, out);
  // The last segment ends at the closing quote (or the end of an unterminated text).
  return { value: out.finish(segments[segments.length - 1] ?? 0), invalid: out.invalid };
}

/** E'' escapes: \b \f \n \r \t, \ooo and \xHH (raw bytes, UTF-8 decoded), \uXXXX, \UXXXXXXXX, \c = c. */
function decodeEscapeSegment(sql: string, from: number, to: number, out: LiteralBuilder): void {
  let runStart = from;
  let i = from;
  while (i < to) {
    const c = sql.charCodeAt(i);
    if (c !== BACKSLASH && c !== QUOTE) {
      i++;
      continue;
    }
    out.run(sql, runStart, i);
    if (c === QUOTE) {
      out.char("'", i); // a doubled quote
      i += 2;
    } else {
      i = decodeBackslash(sql, i, to, out);
    }
    runStart = i;
  }
  out.run(sql, runStart, to);
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

/** Decodes the escape at `at` (a backslash); returns the offset after it. */
function decodeBackslash(sql: string, at: number, to: number, out: LiteralBuilder): number {
  if (at + 1 >= to) return to; // a lone trailing backslash: only possible when unterminated
  const d = sql.charAt(at + 1);
  if (d >= '0' && d <= '7') {
    const end = digitsEnd(sql, at + 1, Math.min(to, at + 4), 8);
    out.byte(Number.parseInt(sql.slice(at + 1, end), 8) & 0xff, at);
    return end;
  }
  if (d === 'x' && has(sql.charCodeAt(at + 2), HEX)) {
    const end = digitsEnd(sql, at + 2, Math.min(to, at + 4), 16);
    out.byte(Number.parseInt(sql.slice(at + 2, end), 16), at);
    return end;
  }
  if (d === 'u' || d === 'U') return decodeBackslashUnicode(sql, at, to, out);
  const simple = SIMPLE_ESCAPES[d];
  if (simple !== undefined) {
    out.char(simple, at);
    return at + 2;
  }
  const cp = sql.codePointAt(at + 1) ?? 0;
  const ch = String.fromCodePoint(cp);
  out.char(ch, at);
  return at + 1 + ch.length;
}

/** \uXXXX / \UXXXXXXXX, where a high surrogate must be followed by an escaped low one. */
function decodeBackslashUnicode(sql: string, at: number, to: number, out: LiteralBuilder): number {
  const first = hexEscapeAt(sql, at, to);
  if (first === undefined) {
    out.invalid = true;
    out.char(sql.charAt(at + 1), at);
    return at + 2;
  }
  let cp = first.cp;
  let end = first.end;
  if (cp >= 0xd800 && cp <= 0xdbff) {
    const second = sql.charCodeAt(end) === BACKSLASH ? hexEscapeAt(sql, end, to) : undefined;
    if (second === undefined || second.cp < 0xdc00 || second.cp > 0xdfff) {
      out.invalid = true;
      out.char('\ufffd', at);
      return end;
    }
    cp = 0x10000 + ((cp - 0xd800) << 10) + (second.cp - 0xdc00);
    end = second.end;
  }
  if (cp === 0 || cp > 0x10ffff || (cp >= 0xdc00 && cp <= 0xdfff)) {
    out.invalid = true;
    out.char('\ufffd', at);
  } else {
    out.char(String.fromCodePoint(cp), at);
  }
  return end;
}

function hexEscapeAt(sql: string, at: number, to: number): { cp: number; end: number } | undefined {
  const letter = sql.charAt(at + 1);
  const len = letter === 'u' ? 4 : letter === 'U' ? 8 : 0;
  if (len === 0 || digitsEnd(sql, at + 2, Math.min(to, at + 2 + len), 16) !== at + 2 + len) return undefined;
  return { cp: Number.parseInt(sql.slice(at + 2, at + 2 + len), 16), end: at + 2 + len };
}

function digitsEnd(sql: string, from: number, limit: number, radix: 8 | 16): number {
  let i = from;
  while (i < limit) {
    const c = sql.charCodeAt(i);
    if (radix === 8 ? c < 0x30 || c > 0x37 : !has(c, HEX)) break;
    i++;
  }
  return i;
}

/**
 * Accumulates a decoded literal and, optionally, a map from each decoded
 * UTF-16 unit to the offset in the source where the text producing it begins
 * (map[value.length] = the offset of the closing quote), so callers can map
 * positions inside a decoded function body back to the original statement.
 */
class LiteralBuilder {
  invalid = false;
  private readonly parts: string[] = [];
  private bytes: number[] = [];
  private byteSrc: number[] = [];
  private readonly map: number[] | undefined;

  constructor(map: number[] | undefined) {
    this.map = map;
  }

  run(sql: string, from: number, to: number): void {
    if (from >= to) return;
    this.flushBytes();
    this.parts.push(sql.slice(from, to));
    if (this.map) for (let k = from; k < to; k++) this.map.push(k);
  }

  char(s: string, src: number): void {
    this.flushBytes();
    this.parts.push(s);
    if (this.map) for (let k = 0; k < s.length; k++) this.map.push(src);
  }

  /** Raw bytes from \ooo / \xHH: the server reads them in its encoding (UTF-8). */
  byte(b: number, src: number): void {
    if (b === 0) this.invalid = true; // the server refuses zero bytes in text
    this.bytes.push(b);
    this.byteSrc.push(src);
  }

  finish(endSrc: number): string {
    this.flushBytes();
    this.map?.push(endSrc);
    return this.parts.join('');
  }

  private flushBytes(): void {
    if (this.bytes.length === 0) return;
    const bytes = this.bytes;
    const src = this.byteSrc;
    this.bytes = [];
    this.byteSrc = [];
    let i = 0;
    while (i < bytes.length) {
      const decoded = decodeUtf8At(bytes, i);
      if (decoded.cp < 0) this.invalid = true;
      const s = String.fromCodePoint(decoded.cp < 0 ? 0xfffd : decoded.cp);
      this.parts.push(s);
      if (this.map) for (let k = 0; k < s.length; k++) this.map.push(src[i] ?? 0);
      i += decoded.len;
    }
  }
}

/** One UTF-8 sequence at `i`; cp = -1 (len 1) when malformed. */
function decodeUtf8At(bytes: readonly number[], i: number): { cp: number; len: number } {
  const b0 = bytes[i] ?? 0;
  if (b0 < 0x80) return { cp: b0, len: 1 };
  const len = b0 >= 0xf0 && b0 <= 0xf4 ? 4 : b0 >= 0xe0 ? 3 : b0 >= 0xc2 && b0 < 0xe0 ? 2 : 0;
  if (len === 0 || (b0 >= 0xf0 && len !== 4)) return { cp: -1, len: 1 };
  let cp = b0 & (0xff >> (len + 1));
  for (let k = 1; k < len; k++) {
    const b = bytes[i + k];
    if (b === undefined || (b & 0xc0) !== 0x80) return { cp: -1, len: 1 };
    cp = (cp << 6) | (b & 0x3f);
  }
  const min = len === 2 ? 0x80 : len === 3 ? 0x800 : 0x10000;
  if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return { cp: -1, len: 1 };
  return { cp, len };
}

/** U&'' / U&"" escapes, applied after quote doubling like the server does. */
function decodeUnicodeEscapes(s: string, esc: string): Decoded {
  if (esc === '' || !s.includes(esc)) return { value: s, invalid: esc === '' };
  let value = '';
  let invalid = false;
  let i = 0;
  while (i < s.length) {
    const j = s.indexOf(esc, i);
    if (j < 0) break;
    value += s.slice(i, j);
    const step = unicodeEscapeAt(s, j, esc);
    if (step.cp < 0) invalid = true;
    value += step.cp < 0 ? s.charAt(j) : String.fromCodePoint(step.cp);
    i = step.end;
  }
  return { value: value + s.slice(i), invalid };
}

function unicodeEscapeAt(s: string, at: number, esc: string): { cp: number; end: number } {
  if (s.charAt(at + 1) === esc) return { cp: esc.codePointAt(0) ?? 0, end: at + 2 };
  const one = unicodeHexAt(s, at);
  if (one === undefined) return { cp: -1, end: at + 1 };
  if (one.cp >= 0xd800 && one.cp <= 0xdbff) {
    const two = s.charAt(one.end) === esc ? unicodeHexAt(s, one.end) : undefined;
    if (two === undefined || two.cp < 0xdc00 || two.cp > 0xdfff) return { cp: -1, end: one.end };
    return { cp: 0x10000 + ((one.cp - 0xd800) << 10) + (two.cp - 0xdc00), end: two.end };
  }
  if (one.cp === 0 || one.cp > 0x10ffff || (one.cp >= 0xdc00 && one.cp <= 0xdfff)) return { cp: -1, end: one.end };
  return one;
}

function unicodeHexAt(s: string, at: number): { cp: number; end: number } | undefined {
  const plus = s.charAt(at + 1) === '+';
  const from = at + (plus ? 2 : 1);
  const len = plus ? 6 : 4;
  if (digitsEnd(s, from, from + len, 16) !== from + len) return undefined;
  return { cp: Number.parseInt(s.slice(from, from + len), 16), end: from + len };
}

/** The server forbids hex digits, +, quotes and whitespace as UESCAPE characters. */
function isValidUescape(esc: string): boolean {
  return esc.length === 1 && !/[0-9A-Fa-f+'"\s]/.test(esc);
}

function bitString(sql: string, start: number, prefix: 'B' | 'X'): BitStringToken {
  const scan = scanQuoted(sql, start + 2, BITS_MODE);
  let value = '';
  for (let k = 0; k < scan.segments.length; k += 2) value += sql.slice(scan.segments[k] ?? 0, scan.segments[k + 1] ?? 0);
  return { kind: 'bit_string', prefix, value, unterminated: !scan.closed, start, end: scan.end };
}

// ---------------------------------------------------------------------------
// Identifiers

function quotedIdent(sql: string, start: number, contentStart: number, unicode: boolean): QuotedIdentToken {
  const n = sql.length;
  let i = contentStart;
  for (;;) {
    i = sql.indexOf('"', i);
    if (i < 0) {
      const value = sql.slice(contentStart).replaceAll('""', '"');
      return { kind: 'quoted_ident', value, unicode, unterminated: true, invalid: false, start, end: n };
    }
    if (sql.charCodeAt(i + 1) !== DQUOTE) break;
    i += 2;
  }
  const raw = sql.slice(contentStart, i);
  const value = raw.includes('""') ? raw.replaceAll('""', '"') : raw;
  // U& identifiers are truncated after their escapes are decoded (withUescape).
  return {
    kind: 'quoted_ident',
    value: unicode ? value : truncateIdentifier(value),
    unicode,
    unterminated: false,
    invalid: value.length === 0, // zero-length delimited identifier
    start,
    end: i + 1,
  };
}

function scanIdent(sql: string, start: number): IdentToken {
  const n = sql.length;
  let i = start + 1;
  let upper = false;
  let nonAscii = false;
  for (; i < n; i++) {
    const c = sql.charCodeAt(i);
    if (!has(c, ID_CONT)) break;
    if (c >= 0x41 && c <= 0x5a) upper = true;
    else if (c >= 0x80) nonAscii = true;
  }
  const first = sql.charCodeAt(start);
  if (first >= 0x41 && first <= 0x5a) upper = true;
  else if (first >= 0x80) nonAscii = true;
  let value = sql.slice(start, i);
  // The server folds ASCII only in UTF-8 databases; String#toLowerCase would also fold É.
  if (upper) value = nonAscii ? value.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : value.toLowerCase();
  return { kind: 'ident', value: truncateIdentifier(value), start, end: i };
}

/** NAMEDATALEN truncation: at most 63 bytes of UTF-8, cut at a character boundary. */
export function truncateIdentifier(s: string): string {
  if (s.length <= 21) return s; // 21 UTF-16 units never exceed 63 UTF-8 bytes
  if (Buffer.byteLength(s, 'utf8') <= MAX_IDENT_BYTES) return s;
  let bytes = 0;
  let i = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0) ?? 0;
    const size = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    if (bytes + size > MAX_IDENT_BYTES) break;
    bytes += size;
    i += ch.length;
  }
  return s.slice(0, i);
}

// ---------------------------------------------------------------------------
// Dollar quotes and parameters

function dollarToken(sql: string, start: number): Token {
  const c1 = sql.charCodeAt(start + 1);
  if (has(c1, DIGIT)) {
    let i = start + 1;
    while (has(sql.charCodeAt(i), DIGIT)) i++;
    return { kind: 'param', index: Number.parseInt(sql.slice(start + 1, i), 10), start, end: i };
  }
  // Tag characters: identifier characters except '$'.
  let i = start + 1;
  if (has(c1, ID_START)) {
    i++;
    while (i < sql.length && sql.charCodeAt(i) !== DOLLAR && has(sql.charCodeAt(i), ID_CONT)) i++;
  }
  if (sql.charCodeAt(i) !== DOLLAR) return { kind: 'other', text: '$', start, end: start + 1 };
  const delimiter = sql.slice(start, i + 1);
  const tag = delimiter.slice(1, -1);
  const bodyStart = i + 1;
  // indexOf gives the server's answer: inside a body the first occurrence of the exact delimiter closes it.
  const close = sql.indexOf(delimiter, bodyStart);
  if (close < 0) return { kind: 'dollar_string', tag, value: sql.slice(bodyStart), unterminated: true, start, end: sql.length };
  return {
    kind: 'dollar_string',
    tag,
    value: sql.slice(bodyStart, close),
    unterminated: false,
    start,
    end: close + delimiter.length,
  };
}

// ---------------------------------------------------------------------------
// Numbers and operators

/** Decimal digits with single '_' separators between digits (PostgreSQL 16). */
function decimalEnd(sql: string, from: number): number {
  let i = from;
  for (;;) {
    const c = sql.charCodeAt(i);
    if (has(c, DIGIT)) i++;
    else if (c === 0x5f && i > from && has(sql.charCodeAt(i + 1), DIGIT)) i++;
    else return i;
  }
}

const RADIX_DIGIT: Readonly<Record<string, RegExp>> = { x: /[0-9A-Fa-f]/, o: /[0-7]/, b: /[01]/ };

function scanNumber(sql: string, start: number): NumberToken {
  const radixDigit = sql.charAt(start) === '0' ? RADIX_DIGIT[sql.charAt(start + 1).toLowerCase()] : undefined;
  if (radixDigit !== undefined) {
    let i = start + 2;
    while (radixDigit.test(sql.charAt(i)) || (sql.charAt(i) === '_' && radixDigit.test(sql.charAt(i + 1)))) i++;
    if (i > start + 2) return { kind: 'number', text: sql.slice(start, i), start, end: i };
  }
  let i = decimalEnd(sql, start);
  // `1..10` is 1 followed by `..` (PL/pgSQL ranges), not 1. followed by .10
  if (sql.charCodeAt(i) === 0x2e && sql.charCodeAt(i + 1) !== 0x2e) i = decimalEnd(sql, i + 1);
  if ((sql.charCodeAt(i) | 0x20) === 0x65) {
    let j = i + 1;
    if (sql.charCodeAt(j) === 0x2b || sql.charCodeAt(j) === 0x2d) j++;
    if (has(sql.charCodeAt(j), DIGIT)) i = decimalEnd(sql, j);
  }
  return { kind: 'number', text: sql.slice(start, i), start, end: i };
}

function scanOperator(sql: string, start: number): OpToken {
  let i = start + 1;
  for (; i < sql.length; i++) {
    const c = sql.charCodeAt(i);
    if (!has(c, OP_CHAR)) break;
    // An operator never swallows the start of a comment.
    const d = sql.charCodeAt(i + 1);
    if ((c === 0x2d && d === 0x2d) || (c === 0x2f && d === 0x2a)) break;
  }
  let text = sql.slice(start, i);
  // SQL compatibility: a multi-char operator may end in + or - only if it
  // contains a character outside SQL's operators (so `=-1` is `=` then `-1`).
  if (text.length > 1 && /[+-]$/.test(text) && ![...text.slice(0, -1)].some((ch) => NON_SQL_OP_CHARS.includes(ch))) {
    text = text.replace(/(?<=.)[+-]+$/, '');
  }
  return { kind: 'op', text, start, end: start + text.length };
}

// ---------------------------------------------------------------------------
// Function bodies

/**
 * Decodes a string token with a map from every decoded UTF-16 unit to its
 * source offset (map.length = value.length + 1; the last entry is the offset
 * of the closing quote). Used to report offsets of calls found inside a
 * single-quoted function body in the original statement. Returns undefined for
 * unterminated literals and U& strings (whose bodies are not scanned).
 */
export function decodeStringWithMap(sql: string, token: StringToken): { value: string; map: number[] } | undefined {
  if (token.unterminated || token.prefix === 'U&') return undefined;
  const contentStart = token.start + token.prefix.length + 1;
  const scan = scanQuoted(sql, contentStart, token.backslashEscapes ? ESCAPE_MODE : PLAIN_MODE);
  const map: number[] = [];
  if (token.backslashEscapes) return { value: decodeEscapeSegments(sql, scan.segments, map).value, map };
  const out = new LiteralBuilder(map);
  for (let k = 0; k < scan.segments.length; k += 2)
    decodeEscapeFreeSegment(sql, scan.segments[k] ?? 0, scan.segments[k + 1] ?? 0, out);
  return { value: out.finish(token.end - 1), map };
}

function decodeEscapeFreeSegment(sql: string, from: number, to: number, out: LiteralBuilder): void {
  let runStart = from;
  for (let i = sql.indexOf("''", from); i >= 0 && i < to; i = sql.indexOf("''", i)) {
    out.run(sql, runStart, i);
    out.char("'", i);
    i += 2;
    runStart = i;
  }
  out.run(sql, runStart, to);
}
