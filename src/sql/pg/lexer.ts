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
 *
 * This file dispatches on the first character and scans the simple tokens;
 * string-literals.ts, escapes.ts and identifiers.ts do the quoted forms.
 */

import { RecentTexts } from '../recent-texts.ts';
import { DIGIT, DOLLAR, DQUOTE, has, ID_START, OP_CHAR, QUOTE, SPACE } from './char-class.ts';
import { applyUescape, type UescapeClause } from './escapes.ts';
import { quotedIdent, scanIdent } from './identifiers.ts';
import { bitString, dollarQuote, scanString } from './string-literals.ts';
import {
  type CommentToken,
  isKeyword,
  type LexOptions,
  type NumberToken,
  type OpToken,
  type ParamToken,
  type PunctToken,
  type QuotedIdentToken,
  type StringToken,
  type Token,
} from './tokens.ts';

/**
 * All tokens of `sql` (comments only with opts.comments). Never throws. The
 * last few short texts' tokens are kept for the statement's next reader
 * (../recent-texts.ts), hence readonly.
 */
export function tokenize(sql: string, opts: LexOptions = {}): readonly Token[] {
  const variant = (opts.standardConformingStrings === false ? 1 : 0) | (opts.comments === true ? 2 : 0);
  return recentlyScanned.get(sql, variant, () => scanAll(sql, opts));
}

const recentlyScanned = new RecentTexts<readonly Token[]>(8);

function scanAll(sql: string, opts: LexOptions): readonly Token[] {
  const lexer = new PgLexer(sql, opts);
  const out: Token[] = [];
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) out.push(t);
  return Object.freeze(out);
}

/** Single-character tokens. */
const PUNCT: Readonly<Record<string, PunctToken['kind']>> = {
  '(': 'lparen',
  ')': 'rparen',
  '[': 'lbracket',
  ']': 'rbracket',
  ',': 'comma',
  ';': 'semicolon',
};

/** Characters that make a trailing + or - legal in a multi-character operator. */
const NON_SQL_OP_CHARS = '~!@#^&|`?%';

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
        if (has(c1, DIGIT)) return parameter(sql, start);
        return dollarQuote(sql, start);
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
    const punct = PUNCT[sql.charAt(start)];
    if (punct !== undefined) return { kind: punct, start, end: start + 1 };
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
    const token = scanString(this.sql, start, contentStart, escapes === 'backslash', prefix);
    if (prefix !== 'U&') return token;
    // U& strings are unsafe when backslashes are literal quote escapes: the server refuses them.
    const unicode = this.withUescape(token);
    return this.scs ? unicode : { ...unicode, invalid: true };
  }

  /** A UESCAPE clause may follow after whitespace and comments, as the grammar sees it. */
  private withUescape<T extends StringToken | QuotedIdentToken>(token: T): T {
    return applyUescape(token, token.unterminated ? undefined : this.peekUescape(token.end));
  }

  private peekUescape(from: number): UescapeClause | undefined {
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
// Parameters, numbers and operators

/** $1, $2, ...: `start` is the `$`, a digit follows. */
function parameter(sql: string, start: number): ParamToken {
  let i = start + 1;
  while (has(sql.charCodeAt(i), DIGIT)) i++;
  return { kind: 'param', index: Number.parseInt(sql.slice(start + 1, i), 10), start, end: i };
}

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
