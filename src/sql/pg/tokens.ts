/**
 * The tokens the PostgreSQL scanner produces, and the small predicates every
 * consumer uses to read them. Kept apart from the scanner so that the statement
 * parsers and the ML-call finder depend on the token shapes, not on how they
 * are scanned.
 */

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

export { isKeyword, isNameToken, isOp, isUnterminated } from '../token-predicates.ts';
