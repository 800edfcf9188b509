/**
 * Assembling a decoded literal piece by piece: verbatim runs, decoded
 * characters and raw bytes from octal/hex escapes, which the server reads as
 * UTF-8. Optionally keeps a source-offset map so that positions inside a
 * decoded function body can be reported in the original statement.
 */

/** A decoded literal; `invalid` when the server would reject it. */
export interface Decoded {
  readonly value: string;
  readonly invalid: boolean;
}

/**
 * Accumulates a decoded literal and, optionally, a map from each decoded
 * UTF-16 unit to the offset in the source where the text producing it begins
 * (map[value.length] = the offset of the closing quote), so callers can map
 * positions inside a decoded function body back to the original statement.
 */
export class LiteralBuilder {
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
