/**
 * Identifiers as the server reads them: "..." with "" escapes (U&"..." is
 * finished by the UESCAPE step in the lexer), unquoted words folded to lower
 * case, both truncated to NAMEDATALEN - 1 bytes.
 */
import { Buffer } from 'node:buffer';
import { DQUOTE, has, ID_CONT } from './char-class.ts';
import type { IdentToken, QuotedIdentToken } from './tokens.ts';

/** NAMEDATALEN - 1: PostgreSQL silently truncates longer identifiers. */
const MAX_IDENT_BYTES = 63;

/** A "..." identifier whose content starts at `contentStart` (after `"` or `U&"`). */
export function quotedIdent(sql: string, start: number, contentStart: number, unicode: boolean): QuotedIdentToken {
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
  // U& identifiers are truncated after their escapes are decoded (applyUescape).
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

/** An unquoted identifier or keyword starting at `start`, folded and truncated. */
export function scanIdent(sql: string, start: number): IdentToken {
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
  // Pure ASCII words take the native fast path; others must keep É and the like.
  if (upper) value = nonAscii ? foldAsciiCase(value) : value.toLowerCase();
  return { kind: 'ident', value: truncateIdentifier(value), start, end: i };
}

/**
 * Lower-cases A-Z only, as the server's downcase_identifier does in UTF-8
 * databases (String#toLowerCase would also fold É).
 */
export function foldAsciiCase(s: string): string {
  return s.replace(/[A-Z]+/g, (m) => m.toLowerCase());
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
