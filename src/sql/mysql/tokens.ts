/**
 * The tokens the MySQL/MariaDB scanner produces, and the small predicates every
 * consumer uses to read them. Same shape as ../pg/tokens.ts so that a reader of
 * one dialect knows the other; kept apart from the scanner so that statement
 * parsers depend on token shapes, not on how they are scanned.
 */

export interface LexOptions {
  /** sql_mode ANSI_QUOTES: "..." is an identifier, not a string. */
  readonly ansiQuotes?: boolean;
  /** sql_mode NO_BACKSLASH_ESCAPES: a backslash in a string is an ordinary character. */
  readonly noBackslashEscapes?: boolean;
  /** Also emit complete comments (and executable-comment markers) as tokens (default false). */
  readonly comments?: boolean;
}

interface Span {
  /** Offset of the first character in the scanned text. */
  readonly start: number;
  /** Offset just after the last character. */
  readonly end: number;
}

/** Unquoted identifier or keyword; `value` is lower-cased (MySQL keywords and function names are case-insensitive). */
export interface IdentToken extends Span {
  readonly kind: 'ident';
  readonly value: string;
}

/** `...` (or "..." under ANSI_QUOTES); `value` is exact, doubled quotes decoded. */
export interface QuotedIdentToken extends Span {
  readonly kind: 'quoted_ident';
  readonly quote: '`' | '"';
  readonly value: string;
  readonly unterminated: boolean;
}

/**
 * '...' or "..." string. Adjacent literals separated by whitespace are one
 * token, as the server concatenates them ('a' 'b' is 'ab').
 */
export interface StringToken extends Span {
  readonly kind: 'string';
  /** _utf8mb4'x' introducer (lower case, without `_`), 'national' for N'x', '' for none. */
  readonly charset: string;
  readonly value: string;
  readonly unterminated: boolean;
}

/** X'1F' / 0x1F (hex) or B'01' / 0b01 (bit); `value` is the digits. */
export interface HexBitToken extends Span {
  readonly kind: 'hex_bit';
  readonly prefix: "X'" | "B'" | '0x' | '0b';
  readonly charset: string;
  readonly value: string;
  readonly unterminated: boolean;
}

export interface NumberToken extends Span {
  readonly kind: 'number';
  readonly text: string;
}

/** `?` placeholder; `index` counts placeholders from 0 in text order. */
export interface ParamToken extends Span {
  readonly kind: 'param';
  readonly index: number;
}

/** @name / @'name' (user variable) or @@name (system variable; `@@global.x` is @@global, dot, x). */
export interface VariableToken extends Span {
  readonly kind: 'variable';
  readonly system: boolean;
  readonly name: string;
  readonly unterminated: boolean;
}

export interface OpToken extends Span {
  readonly kind: 'op';
  readonly text: string;
}

export interface PunctToken extends Span {
  readonly kind: 'lparen' | 'rparen' | 'comma' | 'semicolon' | 'dot';
}

/**
 * A comment. `executable` marks the `/*!` or `/*!50700` opener and the `*\/`
 * closer of an executable comment, whose content is scanned as SQL.
 */
export interface CommentToken extends Span {
  readonly kind: 'comment';
  readonly style: '--' | '#' | 'block' | 'executable';
  readonly unterminated: boolean;
}

/** A character the server's lexer does not accept here (a stray backslash, braces...). */
export interface OtherToken extends Span {
  readonly kind: 'other';
  readonly text: string;
}

export type Token =
  | IdentToken
  | QuotedIdentToken
  | StringToken
  | HexBitToken
  | NumberToken
  | ParamToken
  | VariableToken
  | OpToken
  | PunctToken
  | CommentToken
  | OtherToken;

export type TokenKind = Token['kind'];

/** An identifier, quoted or not: the tokens that can name a schema, function or column. */
export type NameToken = IdentToken | QuotedIdentToken;

export { isKeyword, isNameToken, isOp, isUnterminated } from '../token-predicates.ts';
