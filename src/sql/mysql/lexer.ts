/**
 * MySQL / MariaDB lexical scanner (MySQL 8.0's sql_lex.cc, reduced to what the
 * proxy needs).
 *
 * Why hand-written: the proxy runs this on every statement that might touch
 * ML, so it must be cheap (~µs) and must never throw. Broken input (an
 * unterminated string or comment) yields tokens flagged `unterminated`; callers
 * then pass the statement to the server, which reports the real syntax error.
 *
 * What it follows from the server's lexer:
 * - '...' and "..." strings with doubled quotes and backslash escapes (none
 *   under NO_BACKSLASH_ESCAPES); "..." is an identifier under ANSI_QUOTES;
 *   adjacent strings concatenate; `_charset` and N introducers.
 * - `...` identifiers with `` escapes; unquoted identifiers may start with a
 *   digit (`1abc`) and are lower-cased (keywords and routines ignore case).
 * - X'..', B'..', 0x.., 0b.. literals; numbers; `?`; @var, @'var', @@var.
 * - `-- ` comments only when a space or control character (or the end of the
 *   text) follows the dashes, so `5--1` is 5 - -1; `#` comments; `/* *\/`
 *   comments. `/*!`, `/*!50700` (and MariaDB `/*M!`) comments are executable:
 *   their content is scanned as SQL, as the server (version 8+) runs it.
 *   Optimizer hints `/*+ *\/` are plain comments here.
 */
import { RecentTexts } from '../recent-texts.ts';
import { isCharsetIntroducer, isSpace, scanHexBitQuoted, scanQuoted, skipSpace } from './literals.ts';
import type { CommentToken, LexOptions, OpToken, PunctToken, StringToken, Token } from './tokens.ts';

/**
 * All tokens of `sql` (comments only with opts.comments). Never throws. The
 * last few short texts' tokens are kept for the statement's next reader
 * (../recent-texts.ts), hence readonly.
 */
export function tokenize(sql: string, opts: LexOptions = {}): readonly Token[] {
  const variant =
    (opts.ansiQuotes === true ? 1 : 0) | (opts.noBackslashEscapes === true ? 2 : 0) | (opts.comments === true ? 4 : 0);
  return recentlyScanned.get(sql, variant, () => scanAll(sql, opts));
}

const recentlyScanned = new RecentTexts<readonly Token[]>(8);

function scanAll(sql: string, opts: LexOptions): readonly Token[] {
  const lexer = new MySqlLexer(sql, opts);
  const out: Token[] = [];
  for (let t = lexer.next(); t !== undefined; t = lexer.next()) out.push(t);
  return Object.freeze(out);
}

const PUNCT: Readonly<Record<string, PunctToken['kind']>> = {
  '(': 'lparen',
  ')': 'rparen',
  ',': 'comma',
  ';': 'semicolon',
};

/** Longest first, so that the first match wins. */
const OPERATORS = ['<=>', '->>', '<=', '>=', '<>', '!=', '<<', '>>', '&&', '||', ':=', '->'];
const OP_CHARS = '=<>+-*/%^~!&|:';

const IDENT_RUN = /[A-Za-z0-9_$\u0080-\uffff]+/y;
const NUMBER = /(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/y;
const HEX_OR_BIN = /0x[0-9a-fA-F]+|0b[01]+/y;
const EXEC_OPENER = /\/\*M?!\d{0,6}/y;

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

function match(re: RegExp, sql: string, pos: number): string | undefined {
  re.lastIndex = pos;
  return re.exec(sql)?.[0];
}

/**
 * Incremental scanner: `next()` returns one token at a time, so callers that
 * only need the first few words (statement classification) stop early.
 */
export class MySqlLexer {
  private pos = 0;
  private params = 0;
  /** Inside `/*! ... *\/`: the next `*\/` closes it rather than being two operators. */
  private inExecutable = false;
  /** Whether the previous token can end an operand (decides if `.5` is a number). */
  private afterOperand = false;
  private readonly sql: string;
  private readonly opts: LexOptions;

  constructor(sql: string, opts: LexOptions = {}) {
    this.sql = sql;
    this.opts = opts;
  }

  next(): Token | undefined {
    for (;;) {
      const t = this.scan();
      if (t === undefined) return undefined;
      if (t.kind === 'comment' && !t.unterminated && this.opts.comments !== true) continue;
      this.afterOperand = t.kind === 'ident' || t.kind === 'quoted_ident' || t.kind === 'rparen';
      return t;
    }
  }

  private scan(): Token | undefined {
    const sql = this.sql;
    this.pos = skipSpace(sql, this.pos);
    const start = this.pos;
    if (start >= sql.length) return this.endOfText();
    const c = sql[start] ?? '';
    const punct = PUNCT[c];
    if (punct !== undefined) return this.emit({ kind: punct, start, end: start + 1 });
    if (c === "'" || (c === '"' && this.opts.ansiQuotes !== true)) return this.string(start, start, '');
    if (c === '`' || c === '"') return this.quotedIdent(start);
    if (c === '#') return this.lineComment(start, '#');
    if (c === '-' && sql[start + 1] === '-' && dashCommentFollows(sql.charCodeAt(start + 2)))
      return this.lineComment(start, '--');
    if (c === '/' && sql[start + 1] === '*') return this.blockComment(start);
    if (c === '*' && sql[start + 1] === '/' && this.inExecutable) {
      this.inExecutable = false;
      return this.emit({ kind: 'comment', style: 'executable', start, end: start + 2, unterminated: false });
    }
    if (c === '?') return this.emit({ kind: 'param', index: this.params++, start, end: start + 1 });
    if (c === '@') return this.variable(start);
    if (c === '.') {
      if (!this.afterOperand && /\d/.test(sql[start + 1] ?? '')) return this.number(start);
      return this.emit({ kind: 'dot', start, end: start + 1 });
    }
    if (c >= '0' && c <= '9') return this.number(start);
    if (isIdentChar(c)) return this.word(start);
    if (OP_CHARS.includes(c)) return this.operator(start);
    return this.emit({ kind: 'other', text: c, start, end: start + 1 });
  }

  private emit<T extends Token>(t: T): T {
    this.pos = t.end;
    return t;
  }

  /** An executable comment left open is reported once, as an empty unterminated comment at the end. */
  private endOfText(): Token | undefined {
    if (!this.inExecutable) return undefined;
    this.inExecutable = false;
    const end = this.sql.length;
    return this.emit({ kind: 'comment', style: 'executable', start: end, end, unterminated: true });
  }

  private string(start: number, quoteAt: number, charset: string): StringToken {
    const backslash = this.opts.noBackslashEscapes !== true;
    let body = scanQuoted(this.sql, quoteAt, backslash);
    let value = body.value;
    // The server concatenates adjacent literals: 'a' 'b' is one string 'ab'.
    for (let next = skipSpace(this.sql, body.end); !body.unterminated && this.opensString(next); ) {
      body = scanQuoted(this.sql, next, backslash);
      value += body.value;
      next = skipSpace(this.sql, body.end);
    }
    return this.emit({ kind: 'string', charset, value, start, end: body.end, unterminated: body.unterminated });
  }

  private opensString(pos: number): boolean {
    const c = this.sql[pos];
    return c === "'" || (c === '"' && this.opts.ansiQuotes !== true);
  }

  private quotedIdent(start: number): Token {
    const body = scanQuoted(this.sql, start, false);
    const quote = this.sql[start] === '`' ? '`' : '"';
    return this.emit({ kind: 'quoted_ident', quote, value: body.value, start, end: body.end, unterminated: body.unterminated });
  }

  private lineComment(start: number, style: '--' | '#'): CommentToken {
    const nl = this.sql.indexOf('\n', start);
    return this.emit({ kind: 'comment', style, start, end: nl < 0 ? this.sql.length : nl, unterminated: false });
  }

  private blockComment(start: number): CommentToken {
    const opener = match(EXEC_OPENER, this.sql, start);
    if (opener !== undefined && !this.inExecutable) {
      this.inExecutable = true;
      return this.emit({ kind: 'comment', style: 'executable', start, end: start + opener.length, unterminated: false });
    }
    const close = this.sql.indexOf('*/', start + 2);
    const end = close < 0 ? this.sql.length : close + 2;
    return this.emit({ kind: 'comment', style: 'block', start, end, unterminated: close < 0 });
  }

  private variable(start: number): Token {
    const system = this.sql[start + 1] === '@';
    const at = start + (system ? 2 : 1);
    const q = this.sql[at];
    if (!system && (q === "'" || q === '"' || q === '`')) {
      const body = scanQuoted(this.sql, at, q !== '`' && this.opts.noBackslashEscapes !== true);
      return this.emit({ kind: 'variable', system, name: body.value, start, end: body.end, unterminated: body.unterminated });
    }
    const name = match(IDENT_RUN, this.sql, at) ?? '';
    return this.emit({ kind: 'variable', system, name, start, end: at + name.length, unterminated: false });
  }

  private number(start: number): Token {
    const sql = this.sql;
    const text = match(HEX_OR_BIN, sql, start) ?? match(NUMBER, sql, start) ?? '';
    // A digit run glued to letters is an identifier (`1abc`, `0xZZ`), as in the server.
    if (isIdentChar(sql[start + text.length]) && !text.includes('.')) return this.word(start);
    if (text.startsWith('0x') || text.startsWith('0b')) {
      const prefix = text.startsWith('0x') ? '0x' : '0b';
      return this.emit({
        kind: 'hex_bit',
        prefix,
        charset: '',
        value: text.slice(2),
        start,
        end: start + text.length,
        unterminated: false,
      });
    }
    return this.emit({ kind: 'number', text, start, end: start + text.length });
  }

  private word(start: number): Token {
    const sql = this.sql;
    const raw = match(IDENT_RUN, sql, start) ?? '';
    const end = start + raw.length;
    const lower = raw.toLowerCase();
    if (sql[end] === "'") {
      if (lower === 'x' || lower === 'b') return this.hexBitQuoted(start, start, lower === 'x' ? "X'" : "B'", '');
      if (lower === 'n') return this.string(start, end, 'national');
    }
    if (isCharsetIntroducer(raw)) {
      const at = skipSpace(sql, end);
      const charset = lower.slice(1);
      if (this.opensString(at)) return this.string(start, at, charset);
      const x = sql[at]?.toLowerCase();
      if ((x === 'x' || x === 'b') && sql[at + 1] === "'") return this.hexBitQuoted(start, at, x === 'x' ? "X'" : "B'", charset);
      const hex = match(HEX_OR_BIN, sql, at);
      if (hex !== undefined && !isIdentChar(sql[at + hex.length])) {
        const prefix = hex.startsWith('0x') ? '0x' : '0b';
        return this.emit({
          kind: 'hex_bit',
          prefix,
          charset,
          value: hex.slice(2),
          start,
          end: at + hex.length,
          unterminated: false,
        });
      }
    }
    return this.emit({ kind: 'ident', value: lower, start, end });
  }

  private hexBitQuoted(start: number, at: number, prefix: "X'" | "B'", charset: string): Token {
    const body = scanHexBitQuoted(this.sql, at);
    return this.emit({
      kind: 'hex_bit',
      prefix,
      charset,
      value: body.value,
      start,
      end: body.end,
      unterminated: body.unterminated,
    });
  }

  private operator(start: number): OpToken {
    const sql = this.sql;
    const text = OPERATORS.find((op) => sql.startsWith(op, start)) ?? sql[start] ?? '';
    return this.emit({ kind: 'op', text, start, end: start + text.length });
  }
}

/** `--` starts a comment only before whitespace, a control character or the end of the text. */
function dashCommentFollows(c: number): boolean {
  return Number.isNaN(c) || c < 0x20 || c === 0x7f || isSpace(c);
}
