/**
 * Statement text in the connection's character_set_client, byte for byte.
 *
 * The statement handler works on JS strings, and what it sends upstream must
 * be the client's own bytes wherever it did not rewrite: a literal the client
 * wrote in latin1 must reach the server in latin1 (decoding it as UTF-8 and
 * encoding it back turned 'Crème' into 'Cr\uFFFDme'). Every codec here
 * therefore round-trips any byte string exactly:
 * - the UTF-8 family keeps bytes that are not valid UTF-8 as lone surrogates
 *   U+DC80..U+DCFF (Python's "surrogateescape"), so the server, not the
 *   emulator, judges them (1366 Incorrect string value, or fine after
 *   _binary);
 * - latin1 is MariaDB's: Windows-1252, with 0x81 0x8D 0x8F 0x90 0x9D kept as
 *   the C1 controls of the same number;
 * - ascii and binary keep each byte as the code point of the same number.
 * A charset without a codec (sjis, gbk, cp1251...) gets null: the caller
 * refuses the statement rather than guess.
 */

export interface ClientCodec {
  /** The server's name for the charset (character_set_client). */
  readonly charset: string;
  decode(bytes: Buffer): string;
  encode(text: string): Buffer;
}

/** Whether every byte is 7-bit: then every ASCII-compatible charset reads the same text. */
export function isAscii(bytes: Buffer): boolean {
  for (const b of bytes) if (b >= 0x80) return false;
  return true;
}

// ---- UTF-8 with surrogate escapes ----

const ESCAPE_BASE = 0xdc00;
/** A lone low surrogate standing for one byte (0x80..0xFF) that was not valid UTF-8. */
const LONE_ESCAPE = /(?<![\uD800-\uDBFF])[\uDC80-\uDCFF]/;

/** The length of the valid UTF-8 sequence at `i`, or 0 when the byte there starts none. */
function sequenceLength(bytes: Buffer, i: number): number {
  const b0 = bytes[i] ?? 0;
  const cont = (k: number) => {
    const b = bytes[i + k];
    return b !== undefined && (b & 0xc0) === 0x80;
  };
  if (b0 < 0x80) return 1;
  if (b0 >= 0xc2 && b0 <= 0xdf) return cont(1) ? 2 : 0;
  if (b0 >= 0xe0 && b0 <= 0xef) {
    const b1 = bytes[i + 1] ?? 0;
    // No overlong forms (E0 80..9F) and no encoded surrogates (ED A0..BF).
    if ((b0 === 0xe0 && b1 < 0xa0) || (b0 === 0xed && b1 >= 0xa0)) return 0;
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (b0 >= 0xf0 && b0 <= 0xf4) {
    const b1 = bytes[i + 1] ?? 0;
    if ((b0 === 0xf0 && b1 < 0x90) || (b0 === 0xf4 && b1 >= 0x90)) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

function decodeUtf8(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // Fast path: Node replaces what is not UTF-8 with U+FFFD, so valid input has none (or wrote it).
  if (!text.includes('\uFFFD') || Buffer.from(text, 'utf8').equals(bytes)) return text;
  let out = '';
  let runStart = 0;
  let i = 0;
  while (i < bytes.length) {
    const n = sequenceLength(bytes, i);
    if (n > 0) {
      i += n;
      continue;
    }
    out += bytes.toString('utf8', runStart, i) + String.fromCharCode(ESCAPE_BASE + (bytes[i] ?? 0));
    i += 1;
    runStart = i;
  }
  return out + bytes.toString('utf8', runStart);
}

function encodeUtf8(text: string): Buffer {
  if (!LONE_ESCAPE.test(text)) return Buffer.from(text, 'utf8');
  const parts: Buffer[] = [];
  let runStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const previous = i > 0 ? text.charCodeAt(i - 1) : 0;
    const lone = c >= 0xdc80 && c <= 0xdcff && !(previous >= 0xd800 && previous <= 0xdbff);
    if (!lone) continue;
    parts.push(Buffer.from(text.slice(runStart, i), 'utf8'), Buffer.from([c - ESCAPE_BASE]));
    runStart = i + 1;
  }
  parts.push(Buffer.from(text.slice(runStart), 'utf8'));
  return Buffer.concat(parts);
}

// ---- single-byte tables ----

/** MariaDB's latin1 (strings/ctype-latin1.c): Windows-1252, the five bytes it leaves undefined kept as C1 controls. */
const CP1252_HIGH = [
  0x20ac, 0x0081, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008d, 0x017d, 0x008f,
  0x0090, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x009d, 0x017e, 0x0178,
];

class SingleByteCodec implements ClientCodec {
  private readonly toText: string[];
  private readonly toByte = new Map<number, number>();

  constructor(
    readonly charset: string,
    codePointOf: (byte: number) => number,
  ) {
    this.toText = Array.from({ length: 256 }, (_, b) => String.fromCharCode(codePointOf(b)));
    for (let b = 0; b < 256; b++) this.toByte.set(codePointOf(b), b);
  }

  decode(bytes: Buffer): string {
    let out = '';
    for (const b of bytes) out += this.toText[b];
    return out;
  }

  encode(text: string): Buffer {
    const out = Buffer.allocUnsafe(text.length);
    for (let i = 0; i < text.length; i++) {
      const byte = this.toByte.get(text.charCodeAt(i));
      if (byte === undefined) {
        throw new RangeError(`U+${text.charCodeAt(i).toString(16).toUpperCase().padStart(4, '0')} has no ${this.charset} byte`);
      }
      out[i] = byte;
    }
    return out;
  }
}

const UTF8_CODEC = (charset: string): ClientCodec => ({ charset, decode: decodeUtf8, encode: encodeUtf8 });

const CODECS: ReadonlyMap<string, ClientCodec> = new Map([
  ['utf8mb4', UTF8_CODEC('utf8mb4')],
  ['utf8mb3', UTF8_CODEC('utf8mb3')],
  ['utf8', UTF8_CODEC('utf8')],
  ['latin1', new SingleByteCodec('latin1', (b) => (b >= 0x80 && b <= 0x9f ? (CP1252_HIGH[b - 0x80] ?? b) : b))],
  ['ascii', new SingleByteCodec('ascii', (b) => b)],
  ['binary', new SingleByteCodec('binary', (b) => b)],
]);

/** The codec of a character_set_client value, or null when the emulator cannot keep its bytes exact. */
export function clientCodec(charset: string): ClientCodec | null {
  return CODECS.get(charset.toLowerCase()) ?? null;
}

/** Text for a statement whose bytes are all 7-bit: every supported charset agrees on it. */
export const ASCII_CODEC: ClientCodec = CODECS.get('ascii') as ClientCodec;
