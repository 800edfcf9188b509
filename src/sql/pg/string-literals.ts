/**
 * Quoted literals: where a '...', E'...', B'...', X'...' or $tag$...$tag$
 * literal ends and what it says. '...' literals follow SQL's continuation rule
 * ('a'<newline>'b' is 'ab'), so a literal is a list of raw segments that are
 * decoded together. U& strings are finished in the lexer, which can see the
 * UESCAPE clause after them.
 */
import { BACKSLASH, DOLLAR, has, ID_CONT, ID_START, QUOTE } from './char-class.ts';
import { decodeEscapeSegment } from './escapes.ts';
import { type Decoded, LiteralBuilder } from './literal-builder.ts';
import type { BitStringToken, DollarStringToken, OtherToken, StringToken } from './tokens.ts';

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

/**
 * A character string whose content starts at `contentStart`, decoded with
 * backslash escapes or with '' as the only escape. For U& strings the value
 * still holds the Unicode escapes.
 */
export function scanString(
  sql: string,
  start: number,
  contentStart: number,
  backslashEscapes: boolean,
  prefix: StringToken['prefix'],
): StringToken {
  const scan = scanQuoted(sql, contentStart, backslashEscapes ? ESCAPE_MODE : PLAIN_MODE);
  const decoded = decodeSegments(sql, scan.segments, backslashEscapes);
  return {
    kind: 'string',
    prefix,
    value: decoded.value,
    backslashEscapes,
    unterminated: !scan.closed,
    invalid: decoded.invalid,
    start,
    end: scan.end,
  };
}

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
  return { value: decodeSegments(sql, scan.segments, token.backslashEscapes, map).value, map };
}

function decodeSegments(sql: string, segments: readonly number[], backslashEscapes: boolean, map?: number[]): Decoded {
  const out = new LiteralBuilder(map);
  const decodeSegment = backslashEscapes ? decodeEscapeSegment : decodeDoubledQuotes;
  for (let k = 0; k < segments.length; k += 2) decodeSegment(sql, segments[k] ?? 0, segments[k + 1] ?? 0, out);
  // The last segment ends at the closing quote (or the end of an unterminated text).
  return { value: out.finish(segments[segments.length - 1] ?? 0), invalid: out.invalid };
}

/** One segment of a '...' literal without backslash escapes: '' is the only escape. */
function decodeDoubledQuotes(sql: string, from: number, to: number, out: LiteralBuilder): void {
  let runStart = from;
  for (let i = sql.indexOf("''", from); i >= 0 && i < to; i = sql.indexOf("''", i)) {
    out.run(sql, runStart, i);
    out.char("'", i);
    i += 2;
    runStart = i;
  }
  out.run(sql, runStart, to);
}

/** B'0101' or X'1F' starting at `start` (the letter). */
export function bitString(sql: string, start: number, prefix: 'B' | 'X'): BitStringToken {
  const scan = scanQuoted(sql, start + 2, BITS_MODE);
  let value = '';
  for (let k = 0; k < scan.segments.length; k += 2) value += sql.slice(scan.segments[k] ?? 0, scan.segments[k + 1] ?? 0);
  return { kind: 'bit_string', prefix, value, unterminated: !scan.closed, start, end: scan.end };
}

/** $tag$...$tag$ starting at `start`; a `$` that opens no delimiter is an 'other' token. */
export function dollarQuote(sql: string, start: number): DollarStringToken | OtherToken {
  // Tag characters: identifier characters except '$'.
  let i = start + 1;
  if (has(sql.charCodeAt(i), ID_START)) {
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
