/**
 * The quoted forms of the MySQL lexer: '...' / "..." strings, `...`
 * identifiers, and the charset introducers that may precede a literal. Apart
 * from lexer.ts so that each file stays small.
 */

export interface QuotedBody {
  readonly value: string;
  /** Offset just after the closing quote (or the end of the text). */
  readonly end: number;
  readonly unterminated: boolean;
}

/** MySQL's string escapes; anything else after a backslash stands for itself. */
const ESCAPES: Readonly<Record<string, string>> = {
  '0': '\0',
  b: '\b',
  n: '\n',
  r: '\r',
  t: '\t',
  Z: '\x1a',
  // \% and \_ keep their backslash so that LIKE patterns still see an escaped wildcard.
  '%': '\\%',
  _: '\\_',
};

/**
 * Body of a quoted token whose opening quote is at `pos`: a doubled quote is
 * one quote; with `backslash`, \x escapes apply (strings only, never `...`).
 */
export function scanQuoted(sql: string, pos: number, backslash: boolean): QuotedBody {
  const quote = sql[pos] ?? '';
  let value = '';
  let i = pos + 1;
  let from = i;
  while (i < sql.length) {
    const c = sql.charCodeAt(i);
    if (backslash && c === 0x5c) {
      value += sql.slice(from, i);
      const e = sql[i + 1];
      if (e === undefined) return { value, end: sql.length, unterminated: true };
      value += ESCAPES[e] ?? e;
      i += 2;
      from = i;
    } else if (sql[i] === quote) {
      value += sql.slice(from, i);
      if (sql[i + 1] !== quote) return { value, end: i + 1, unterminated: false };
      value += quote;
      i += 2;
      from = i;
    } else i++;
  }
  return { value: value + sql.slice(from), end: sql.length, unterminated: true };
}

/** `X'..'` / `B'..'`: digits up to the closing quote (no escapes). */
export function scanHexBitQuoted(sql: string, pos: number): QuotedBody {
  const close = sql.indexOf("'", pos + 2);
  if (close < 0) return { value: sql.slice(pos + 2), end: sql.length, unterminated: true };
  return { value: sql.slice(pos + 2, close), end: close + 1, unterminated: false };
}

/**
 * Character sets the server knows: `_name` is an introducer only for these,
 * otherwise it is an ordinary identifier (a column called `_x`).
 */
const CHARSETS: ReadonlySet<string> = new Set(
  (
    'armscii8 ascii big5 binary cp1250 cp1251 cp1256 cp1257 cp850 cp852 cp866 cp932 dec8 eucjpms euckr ' +
    'filename gb18030 gb2312 gbk geostd8 greek hebrew hp8 keybcs2 koi8r koi8u latin1 latin2 latin5 latin7 ' +
    'macce macroman sjis swe7 tis620 ucs2 ujis utf16 utf16le utf32 utf8 utf8mb3 utf8mb4'
  ).split(' '),
);

export function isCharsetIntroducer(word: string): boolean {
  return word.length > 1 && word.startsWith('_') && CHARSETS.has(word.slice(1).toLowerCase());
}

/** Offset of the first non-whitespace character at or after `pos`. */
export function skipSpace(sql: string, pos: number): number {
  let i = pos;
  while (i < sql.length && isSpace(sql.charCodeAt(i))) i++;
  return i;
}

export function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}
