/**
 * The messages the statement handler builds (serializer.ts) carry their text
 * in UTF-8; the server reads them in the session's client_encoding. This
 * puts the text fields of the emulator's own Query, Parse, Bind, Execute,
 * Describe and Close messages into that encoding. The text came from the
 * client's statement decoded with the same encoding, so what the emulator
 * did not rewrite goes back byte for byte.
 *
 * Bind parameters and CopyData stay as they are: parameters are the client's
 * own bytes, and the emulator's COPY says its data is UTF-8 (ENCODING 'UTF8').
 * The client's own messages, which the handler forwards among its own, are
 * marked (see markClientBytes) and pass untouched.
 */
import { EmulatorError } from '../../errors.ts';
import type { ClientEncoding } from './client-encoding.ts';
import { FrontendCode } from './codes.ts';

/** How many NUL-terminated strings open each message (after a fixed prefix of `skip` bytes). */
const TEXT_FIELDS: Readonly<Record<number, { readonly skip: number; readonly strings: number }>> = {
  [FrontendCode.Query]: { skip: 0, strings: 1 }, // Q: query
  [FrontendCode.Parse]: { skip: 0, strings: 2 }, // P: statement, query
  [FrontendCode.Bind]: { skip: 0, strings: 2 }, // B: portal, statement
  [FrontendCode.Execute]: { skip: 0, strings: 1 }, // E: portal
  [FrontendCode.Describe]: { skip: 1, strings: 1 }, // D: 'S'/'P', name
  [FrontendCode.Close]: { skip: 1, strings: 1 }, // C: 'S'/'P', name
};

/** Messages as the client sent them: already in its encoding. */
const clientBytes = new WeakSet<Buffer>();

/** Notes that `raw` holds client messages as sent (or rewritten in the client's encoding). */
export function markClientBytes(raw: Buffer): void {
  clientBytes.add(raw);
}

/** `messages` (whole frontend messages, UTF-8 text) with their text in `encoding`. */
export function toClientEncoding(messages: Buffer, encoding: ClientEncoding): Buffer {
  if (encoding.name === 'UTF8' || clientBytes.has(messages) || isAscii(messages)) return messages;
  const out: Buffer[] = [];
  let i = 0;
  while (i + 5 <= messages.length) {
    const end = i + 1 + messages.readInt32BE(i + 1);
    const fields = TEXT_FIELDS[messages[i] as number];
    out.push(fields === undefined ? messages.subarray(i, end) : transcodeMessage(messages.subarray(i, end), fields, encoding));
    i = end;
  }
  return Buffer.concat(out);
}

function transcodeMessage(msg: Buffer, fields: { skip: number; strings: number }, encoding: ClientEncoding): Buffer {
  const parts: Buffer[] = [msg.subarray(0, 5 + fields.skip)];
  let at = 5 + fields.skip;
  for (let n = 0; n < fields.strings; n++) {
    const nul = msg.indexOf(0, at);
    const text = msg.toString('utf8', at, nul);
    const bytes = encoding.encode(text);
    if (bytes === null) {
      throw new EmulatorError(
        'UnsafeMlStatement',
        `aurora-ml-emulator cannot send this statement in client_encoding ${encoding.name}: a character has no equivalent in it`,
        { hint: 'Use client_encoding UTF8.' },
      );
    }
    parts.push(bytes, Buffer.from([0]));
    at = nul + 1;
  }
  parts.push(msg.subarray(at));
  const out = Buffer.concat(parts);
  out.writeInt32BE(out.length - 1, 1);
  return out;
}

/** Pure ASCII reads the same in every encoding the emulator supports. */
function isAscii(bytes: Buffer): boolean {
  for (const b of bytes) if (b >= 0x80) return false;
  return true;
}
