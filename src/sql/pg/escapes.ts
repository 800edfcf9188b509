/**
 * Escape sequences inside literals, decoded the way the server does so that
 * a name spelled with escapes (E'aws\x5fcomprehend', U&"aws\005fml") is still
 * recognised, and so that literal arguments reach the ML functions exactly:
 * - backslash escapes of E'...' (and of '...' when standard_conforming_strings
 *   is off): \b \f \n \r \t, \ooo and \xHH bytes, \uXXXX and \UXXXXXXXX;
 * - Unicode escapes of U&'...' / U&"..." with an optional `UESCAPE 'c'`.
 * Both reject what the server rejects: zero, code points past U+10FFFF and
 * surrogates that are not a high + low pair.
 */
import { BACKSLASH, digitsEnd, HEX, has, QUOTE } from './char-class.ts';
import { truncateIdentifier } from './identifiers.ts';
import type { Decoded, LiteralBuilder } from './literal-builder.ts';
import type { QuotedIdentToken, StringToken } from './tokens.ts';

/** A code point read from an escape, and the offset just after the escape; cp -1 when the server rejects it. */
interface Escaped {
  readonly cp: number;
  readonly end: number;
}

// ---------------------------------------------------------------------------
// Backslash escapes (E'')

/** Decodes one segment of an E'' literal (content between quotes): '' and backslash escapes. */
export function decodeEscapeSegment(sql: string, from: number, to: number, out: LiteralBuilder): void {
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

/** Decodes the escape at `at` (a backslash); returns the offset after it. \c for any other c is c. */
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
  const first = backslashHexAt(sql, at, to);
  if (first === undefined) {
    out.invalid = true;
    out.char(sql.charAt(at + 1), at);
    return at + 2;
  }
  const { cp, end } = completeCodePoint(first, (k) => (sql.charCodeAt(k) === BACKSLASH ? backslashHexAt(sql, k, to) : undefined));
  if (cp < 0) {
    out.invalid = true;
    out.char('\ufffd', at);
  } else {
    out.char(String.fromCodePoint(cp), at);
  }
  return end;
}

function backslashHexAt(sql: string, at: number, to: number): Escaped | undefined {
  const letter = sql.charAt(at + 1);
  const len = letter === 'u' ? 4 : letter === 'U' ? 8 : 0;
  return len === 0 ? undefined : fixedHexAt(sql, at + 2, len, to);
}

// ---------------------------------------------------------------------------
// Unicode escapes (U&'' / U&"")

/** The `UESCAPE 'c'` clause after a U& literal: its escape character and where the clause ends. */
export interface UescapeClause {
  readonly escape: string;
  readonly end: number;
}

/**
 * Finishes a U& string or identifier: extends it over its UESCAPE clause (if
 * any), decodes the Unicode escapes, then truncates an identifier (the server
 * truncates after decoding).
 */
export function applyUescape<T extends StringToken | QuotedIdentToken>(token: T, clause: UescapeClause | undefined): T {
  const escapeChar = clause?.escape ?? '\\';
  const clauseInvalid = clause !== undefined && !isValidUescape(clause.escape);
  const decoded = decodeUnicodeEscapes(token.value, escapeChar);
  const value = token.kind === 'quoted_ident' ? truncateIdentifier(decoded.value) : decoded.value;
  return { ...token, value, end: clause?.end ?? token.end, invalid: token.invalid || clauseInvalid || decoded.invalid };
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

/** The escape at `at`: a doubled escape character, \XXXX or \+XXXXXX. */
function unicodeEscapeAt(s: string, at: number, esc: string): Escaped {
  if (s.charAt(at + 1) === esc) return { cp: esc.codePointAt(0) ?? 0, end: at + 2 };
  const first = unicodeHexAt(s, at);
  if (first === undefined) return { cp: -1, end: at + 1 };
  return completeCodePoint(first, (k) => (s.charAt(k) === esc ? unicodeHexAt(s, k) : undefined));
}

function unicodeHexAt(s: string, at: number): Escaped | undefined {
  const plus = s.charAt(at + 1) === '+';
  return fixedHexAt(s, at + (plus ? 2 : 1), plus ? 6 : 4, s.length);
}

/** The server forbids hex digits, +, quotes and whitespace as UESCAPE characters. */
function isValidUescape(esc: string): boolean {
  return esc.length === 1 && !/[0-9A-Fa-f+'"\s]/.test(esc);
}

// ---------------------------------------------------------------------------
// Shared by both escape forms

/** Exactly `len` hex digits at `from`, all before `limit`. */
function fixedHexAt(s: string, from: number, len: number, limit: number): Escaped | undefined {
  const end = from + len;
  if (digitsEnd(s, from, Math.min(limit, end), 16) !== end) return undefined;
  return { cp: Number.parseInt(s.slice(from, end), 16), end };
}

/**
 * Pairs a high surrogate with the low one that `next` reads at `first.end`,
 * and rejects (cp -1) zero, values past U+10FFFF and unpaired surrogates.
 */
function completeCodePoint(first: Escaped, next: (at: number) => Escaped | undefined): Escaped {
  if (first.cp >= 0xd800 && first.cp <= 0xdbff) {
    const second = next(first.end);
    if (second === undefined || second.cp < 0xdc00 || second.cp > 0xdfff) return { cp: -1, end: first.end };
    return { cp: 0x10000 + ((first.cp - 0xd800) << 10) + (second.cp - 0xdc00), end: second.end };
  }
  if (first.cp === 0 || first.cp > 0x10ffff || (first.cp >= 0xdc00 && first.cp <= 0xdfff)) return { cp: -1, end: first.end };
  return first;
}
