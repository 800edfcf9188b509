/**
 * The PostgreSQL messages the emulator reads or writes itself, as typed
 * values. Everything else travels as raw frames and is never decoded.
 */

import { ProtocolViolation } from '../protocol-violation.ts';
import { ErrorField, type TransactionStatus } from './codes.ts';

/**
 * Turns the bytes of a text field into a string. The client and the server
 * write text in the session's client_encoding: callers pass its decoder
 * (see client-encoding.ts); UTF-8 when they know the text is ASCII.
 */
export type TextDecode = (bytes: Buffer) => string;

const utf8: TextDecode = (bytes) => bytes.toString('utf8');

/** Reads the fields of a message body with bounds checks. */
export class BodyReader {
  private offset = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly decode: TextDecode = utf8,
  ) {}

  cstring(): string {
    return this.decode(this.cstringBytes());
  }

  /** A NUL-terminated field's bytes, undecoded. */
  cstringBytes(): Buffer {
    const end = this.buf.indexOf(0, this.offset);
    if (end < 0) throw new ProtocolViolation('unterminated string in message');
    const bytes = this.buf.subarray(this.offset, end);
    this.offset = end + 1;
    return bytes;
  }

  int16(): number {
    this.need(2);
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4);
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  bytes(n: number): Buffer {
    this.need(n);
    const v = this.buf.subarray(this.offset, this.offset + n);
    this.offset += n;
    return v;
  }

  byte(): number {
    this.need(1);
    return this.buf[this.offset++] ?? 0;
  }

  private need(n: number): void {
    if (n < 0 || this.offset + n > this.buf.length) throw new ProtocolViolation('message shorter than its fields');
  }
}

// ---- frontend messages the proxy inspects ----

export interface ParseMessage {
  readonly statement: string;
  readonly query: string;
  /** The query as the client sent it (its decoding may fail: see client-encoding.ts). */
  readonly queryBytes: Buffer;
  readonly paramTypes: readonly number[];
}

export function parseParse(payload: Buffer, decode: TextDecode = utf8): ParseMessage {
  const r = new BodyReader(payload, decode);
  const statement = r.cstring();
  const queryBytes = r.cstringBytes();
  const n = r.int16();
  const paramTypes: number[] = [];
  for (let i = 0; i < n; i++) paramTypes.push(r.int32());
  return { statement, query: decode(queryBytes), queryBytes, paramTypes };
}

export interface BindMessage {
  readonly portal: string;
  readonly statement: string;
  readonly paramFormats: readonly number[];
  /** null stays null: a NULL parameter is not an empty value. */
  readonly params: readonly (Buffer | null)[];
  readonly resultFormats: readonly number[];
}

/** Just the names of a Bind, without decoding its parameters. */
export function parseBindNames(
  payload: Buffer,
  decode: TextDecode = utf8,
): { readonly portal: string; readonly statement: string } {
  const r = new BodyReader(payload, decode);
  return { portal: r.cstring(), statement: r.cstring() };
}

export function parseBind(payload: Buffer, decode: TextDecode = utf8): BindMessage {
  const r = new BodyReader(payload, decode);
  const portal = r.cstring();
  const statement = r.cstring();
  const paramFormats: number[] = [];
  for (let i = r.int16(); i > 0; i--) paramFormats.push(r.int16());
  const params: (Buffer | null)[] = [];
  for (let i = r.int16(); i > 0; i--) {
    const len = r.int32();
    params.push(len === -1 ? null : Buffer.from(r.bytes(len)));
  }
  const resultFormats: number[] = [];
  for (let i = r.int16(); i > 0; i--) resultFormats.push(r.int16());
  return { portal, statement, paramFormats, params, resultFormats };
}

export interface ExecuteMessage {
  readonly portal: string;
  readonly maxRows: number;
}

export function parseExecute(payload: Buffer, decode: TextDecode = utf8): ExecuteMessage {
  const r = new BodyReader(payload, decode);
  return { portal: r.cstring(), maxRows: r.int32() };
}

/** Describe and Close share a shape: 'S' statement or 'P' portal, then a name. */
export interface TargetMessage {
  readonly target: 'S' | 'P';
  readonly name: string;
}

export function parseTarget(payload: Buffer, decode: TextDecode = utf8): TargetMessage {
  const r = new BodyReader(payload, decode);
  const kind = r.byte();
  if (kind !== 0x53 && kind !== 0x50) throw new ProtocolViolation('Describe/Close target must be S or P');
  return { target: kind === 0x53 ? 'S' : 'P', name: r.cstring() };
}

export function parseQuery(payload: Buffer): string {
  return new BodyReader(payload).cstring();
}

/** A Query's text as the client sent it, undecoded (see client-encoding.ts). */
export function parseQueryBytes(payload: Buffer): Buffer {
  return new BodyReader(payload).cstringBytes();
}

export interface StartupMessage {
  readonly code: number;
  readonly params: ReadonlyMap<string, string>;
}

export function parseStartup(payload: Buffer): StartupMessage {
  const r = new BodyReader(payload);
  const code = r.int32();
  const params = new Map<string, string>();
  if (code >> 16 === 3) {
    for (;;) {
      const key = r.cstring();
      if (key === '') break;
      params.set(key, r.cstring());
    }
  }
  return { code, params };
}

export interface CancelRequest {
  readonly processId: number;
  readonly secretKey: Buffer;
}

export function parseCancelRequest(payload: Buffer): CancelRequest {
  const r = new BodyReader(payload);
  r.int32();
  const processId = r.int32();
  return { processId, secretKey: Buffer.from(payload.subarray(8)) };
}

// ---- backend messages the proxy inspects ----

export interface NoticeFields {
  readonly severity: string;
  readonly code: string;
  readonly message: string;
  readonly detail?: string;
  readonly fields: ReadonlyMap<number, string>;
}

/** ErrorResponse and NoticeResponse bodies. */
export function parseNoticeFields(payload: Buffer, decode: TextDecode = utf8): NoticeFields {
  const r = new BodyReader(payload, decode);
  const fields = new Map<number, string>();
  for (;;) {
    const type = r.byte();
    if (type === 0) break;
    fields.set(type, r.cstring());
  }
  const detail = fields.get(ErrorField.Detail);
  return {
    severity: fields.get(ErrorField.SeverityNonLocalized) ?? fields.get(ErrorField.Severity) ?? '',
    code: fields.get(ErrorField.Code) ?? '',
    message: fields.get(ErrorField.Message) ?? '',
    ...(detail === undefined ? {} : { detail }),
    fields,
  };
}

export interface ParameterStatus {
  readonly name: string;
  readonly value: string;
}

/** Parameter names and the values the emulator reads are ASCII (client_encoding, server_encoding). */
export function parseParameterStatus(payload: Buffer): ParameterStatus {
  const r = new BodyReader(payload);
  return { name: r.cstring(), value: r.cstring() };
}

export function parseReadyForQuery(payload: Buffer): TransactionStatus {
  const s = String.fromCharCode(payload[0] ?? 0x49);
  return s === 'T' || s === 'E' ? s : 'I';
}

export interface BackendKeyData {
  readonly processId: number;
  readonly secretKey: Buffer;
}

export function parseBackendKeyData(payload: Buffer): BackendKeyData {
  const r = new BodyReader(payload);
  return { processId: r.int32(), secretKey: Buffer.from(payload.subarray(4)) };
}

/** First column of each DataRow as text (NULL as null). */
export function parseDataRow(payload: Buffer, decode: (bytes: Buffer) => string = (b) => b.toString('utf8')): (string | null)[] {
  const r = new BodyReader(payload);
  const out: (string | null)[] = [];
  for (let i = r.int16(); i > 0; i--) {
    const len = r.int32();
    out.push(len === -1 ? null : decode(r.bytes(len)));
  }
  return out;
}

/** The column names of a RowDescription, in order. */
export function parseRowDescriptionNames(payload: Buffer): string[] {
  const r = new BodyReader(payload);
  const names: string[] = [];
  for (let i = r.int16(); i > 0; i--) {
    names.push(r.cstring());
    r.bytes(18); // table oid, column number, type oid, type size, type modifier, format
  }
  return names;
}
