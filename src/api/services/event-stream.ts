/**
 * AWS event-stream framing (application/vnd.amazon.eventstream), the binary
 * envelope streaming operations such as ConverseStream answer with. Each
 * message: total length and headers length (big-endian u32s), a CRC32 of
 * those 8 bytes, the headers, the payload, then a CRC32 of everything
 * before it. Headers here are all strings (type 7): name length (u8), name,
 * 7, value length (u16), value.
 */
import { crc32 } from 'node:zlib';

const STRING_HEADER = 7;
const PRELUDE_BYTES = 12;
const TRAILER_BYTES = 4;

function encodeHeaders(headers: Readonly<Record<string, string>>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const nameBytes = Buffer.from(name, 'utf8');
    const valueBytes = Buffer.from(value, 'utf8');
    const head = Buffer.alloc(1 + nameBytes.length + 3);
    head.writeUInt8(nameBytes.length, 0);
    nameBytes.copy(head, 1);
    head.writeUInt8(STRING_HEADER, 1 + nameBytes.length);
    head.writeUInt16BE(valueBytes.length, 2 + nameBytes.length);
    parts.push(head, valueBytes);
  }
  return Buffer.concat(parts);
}

/** One framed message. */
export function eventMessage(headers: Readonly<Record<string, string>>, payload: Buffer): Buffer {
  const headerBytes = encodeHeaders(headers);
  const total = PRELUDE_BYTES + headerBytes.length + payload.length + TRAILER_BYTES;
  const message = Buffer.alloc(total);
  message.writeUInt32BE(total, 0);
  message.writeUInt32BE(headerBytes.length, 4);
  message.writeUInt32BE(crc32(message.subarray(0, 8)), 8);
  headerBytes.copy(message, PRELUDE_BYTES);
  payload.copy(message, PRELUDE_BYTES + headerBytes.length);
  message.writeUInt32BE(crc32(message.subarray(0, total - TRAILER_BYTES)), total - TRAILER_BYTES);
  return message;
}

/** An event of the operation's stream: its member name as :event-type, its structure as JSON. */
export function jsonEvent(eventType: string, payload: unknown): Buffer {
  return eventMessage(
    { ':event-type': eventType, ':content-type': 'application/json', ':message-type': 'event' },
    Buffer.from(JSON.stringify(payload), 'utf8'),
  );
}
