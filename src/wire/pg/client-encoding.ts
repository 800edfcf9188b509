/**
 * The session's client_encoding as text codecs. The server reads the client's
 * statements and sends every text (rows, notices) in this encoding, so the
 * emulator must read and write statement text in it too: decoding a LATIN1
 * statement as UTF-8 and encoding it back would change its data.
 *
 * `decode` and `encode` are exact inverses for the bytes `decode` accepts, so
 * whatever the emulator does not rewrite reaches the server byte for byte.
 * Bytes the encoding does not allow (invalid UTF-8, say) are not decoded at
 * all: the caller relays them untouched and the server rejects them with its
 * own error. Encodings node cannot encode are `supported: false`: the
 * emulator relays their statements untouched or refuses the ones it would
 * have to rewrite or run, never corrupting them.
 */
import { EmulatorError } from '../../errors.ts';

export interface ClientEncoding {
  /** The name as the server reports it (ParameterStatus client_encoding). */
  readonly name: string;
  /** False when the emulator cannot rewrite or run statements in this encoding. */
  readonly supported: boolean;
  /** The text of these bytes, or null when the encoding does not allow them. */
  decode(bytes: Buffer): string | null;
  /** For decisions only (does a statement mention ML at all?): never fails. */
  decodeLenient(bytes: Buffer): string;
  /** These characters' bytes, or null when one has no form in this encoding. */
  encode(text: string): Buffer | null;
}

const fatalUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export const UTF8: ClientEncoding = {
  name: 'UTF8',
  supported: true,
  decode: (bytes) => {
    try {
      return fatalUtf8.decode(bytes);
    } catch {
      return null;
    }
  },
  decodeLenient: (bytes) => bytes.toString('utf8'),
  // A lone surrogate cannot come from decode(); it would be a bug to send one.
  encode: (text) => (/\p{Cs}/u.test(text) ? null : Buffer.from(text, 'utf8')),
};

/** ISO-8859-1: one byte per code point below U+0100 (Buffer's 'latin1' is exactly that). */
const LATIN1: ClientEncoding = {
  name: 'LATIN1',
  supported: true,
  decode: (bytes) => bytes.toString('latin1'),
  decodeLenient: (bytes) => bytes.toString('latin1'),
  encode: (text) => (maxCharCode(text) <= 0xff ? Buffer.from(text, 'latin1') : null),
};

function maxCharCode(text: string): number {
  let max = 0;
  for (let i = 0; i < text.length; i++) max = Math.max(max, text.charCodeAt(i));
  return max;
}

/**
 * Single-byte encodings and the WHATWG decoder node has for each. Their
 * bytes 0x80-0x9F: PostgreSQL maps them to C1 controls (U+0080-U+009F) in
 * the ISO 8859 encodings, which WHATWG's iso-8859-9 label (windows-1254) does not.
 */
const SINGLE_BYTE: Readonly<Record<string, { readonly label: string; readonly c1Controls?: boolean }>> = {
  LATIN2: { label: 'iso-8859-2' },
  LATIN3: { label: 'iso-8859-3' },
  LATIN4: { label: 'iso-8859-4' },
  LATIN5: { label: 'iso-8859-9', c1Controls: true },
  LATIN6: { label: 'iso-8859-10' },
  LATIN7: { label: 'iso-8859-13' },
  LATIN8: { label: 'iso-8859-14' },
  LATIN9: { label: 'iso-8859-15' },
  ISO_8859_5: { label: 'iso-8859-5' },
  ISO_8859_6: { label: 'iso-8859-6' },
  ISO_8859_7: { label: 'iso-8859-7' },
  ISO_8859_8: { label: 'iso-8859-8' },
  WIN866: { label: 'ibm866' },
  WIN874: { label: 'windows-874' },
  WIN1250: { label: 'windows-1250' },
  WIN1251: { label: 'windows-1251' },
  WIN1252: { label: 'windows-1252' },
  WIN1253: { label: 'windows-1253' },
  WIN1254: { label: 'windows-1254' },
  WIN1255: { label: 'windows-1255' },
  WIN1256: { label: 'windows-1256' },
  WIN1257: { label: 'windows-1257' },
  WIN1258: { label: 'windows-1258' },
  KOI8R: { label: 'koi8-r' },
  KOI8U: { label: 'koi8-u' },
};

/** A table-driven single-byte codec, or null when node has no decoder for it or ASCII is not ASCII. */
function singleByte(name: string, label: string, c1Controls: boolean): ClientEncoding | null {
  let decodeByte: (byte: Uint8Array) => string;
  try {
    const decoder = new TextDecoder(label);
    decodeByte = (byte) => decoder.decode(byte);
  } catch {
    return null;
  }
  const toChar: (string | null)[] = [];
  const toByte = new Map<number, number>();
  for (let b = 0; b < 256; b++) {
    const ch = c1Controls && b >= 0x80 && b < 0xa0 ? String.fromCharCode(b) : decodeByte(Uint8Array.of(b));
    // A byte the encoding leaves unassigned: the server rejects it, so it is never decoded.
    if (ch === '\uFFFD' || ch.length !== 1 || toByte.has(ch.charCodeAt(0))) {
      toChar.push(null);
      continue;
    }
    if (b < 0x80 && ch.charCodeAt(0) !== b) return null;
    toChar.push(ch);
    toByte.set(ch.charCodeAt(0), b);
  }
  const decode = (bytes: Buffer): string | null => {
    let out = '';
    for (const b of bytes) {
      const ch = toChar[b];
      if (ch === null || ch === undefined) return null;
      out += ch;
    }
    return out;
  };
  return {
    name,
    supported: true,
    decode,
    decodeLenient: (bytes) => decode(bytes) ?? bytes.toString('latin1'),
    encode: (text) => {
      const out = Buffer.allocUnsafe(text.length);
      for (let i = 0; i < text.length; i++) {
        const b = toByte.get(text.charCodeAt(i));
        if (b === undefined) return null;
        out[i] = b;
      }
      return out;
    },
  };
}

/**
 * An encoding the emulator only relays: its multi-byte characters may hold
 * ASCII bytes (SJIS, BIG5...), or node cannot encode it. The lenient text
 * keeps every ASCII byte, enough to see whether a statement mentions ML.
 */
function relayOnly(name: string): ClientEncoding {
  return {
    name,
    supported: false,
    decode: () => null,
    decodeLenient: (bytes) => bytes.toString('latin1'),
    encode: () => null,
  };
}

const known = new Map<string, ClientEncoding>([
  ['UTF8', UTF8],
  ['LATIN1', LATIN1],
]);

/**
 * The codec for a client_encoding as the server reports it. SQL_ASCII means
 * "no conversion": the bytes are the database's own (server_encoding).
 */
export function clientEncoding(name: string, serverEncoding = 'UTF8'): ClientEncoding {
  const key = name.toUpperCase();
  if (key === 'SQL_ASCII') {
    // Both SQL_ASCII: bytes pass unchecked, so they are kept one character per byte.
    return serverEncoding.toUpperCase() === 'SQL_ASCII' ? { ...LATIN1, name: key } : clientEncoding(serverEncoding);
  }
  const cached = known.get(key);
  if (cached !== undefined) return cached;
  const spec = SINGLE_BYTE[key];
  const codec = (spec && singleByte(key, spec.label, spec.c1Controls ?? false)) ?? relayOnly(key);
  known.set(key, codec);
  return codec;
}

/** The refusal of a statement the emulator would have to rewrite or run in an encoding it cannot encode. */
export function unsupportedEncoding(encoding: ClientEncoding): EmulatorError {
  return new EmulatorError(
    'UnsafeMlStatement',
    `aurora-ml-emulator cannot run Aurora ML statements in client_encoding ${encoding.name}: it cannot encode that encoding`,
    {
      hint: 'Use client_encoding UTF8 (or LATIN1, a WIN or ISO 8859 single-byte encoding) for statements that call ML functions.',
    },
  );
}
