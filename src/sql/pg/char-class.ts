/**
 * Character classes for the PostgreSQL scanner: an ASCII table plus the rule
 * that every character >= U+0080 is an identifier character, as in the
 * server. A table lookup per character keeps the scanner cheap.
 */

export const SPACE = 1;
export const ID_START = 2;
export const ID_CONT = 4;
export const DIGIT = 8;
export const OP_CHAR = 16;
export const HEX = 32;

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

/** Does character code `c` belong to class `flag`? False past the end of the text (NaN). */
export const has = (c: number, flag: number): boolean => (cls(c) & flag) !== 0;

export const QUOTE = 0x27;
export const DQUOTE = 0x22;
export const BACKSLASH = 0x5c;
export const DOLLAR = 0x24;

/** Offset of the first character at or after `from` (before `limit`) that is not an octal or hex digit. */
export function digitsEnd(s: string, from: number, limit: number, radix: 8 | 16): number {
  let i = from;
  while (i < limit) {
    const c = s.charCodeAt(i);
    if (radix === 8 ? c < 0x30 || c > 0x37 : !has(c, HEX)) break;
    i++;
  }
  return i;
}
