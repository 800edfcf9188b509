/**
 * Builds the PostgreSQL messages the emulator sends itself. One small
 * function per message; every length word is computed, never hand-counted.
 */
import type { EmulatorError } from '../../errors.ts';
import { ErrorField, type TransactionStatus } from './codes.ts';

function message(code: number, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(5 + body.length);
  out[0] = code;
  out.writeInt32BE(body.length + 4, 1);
  body.copy(out, 5);
  return out;
}

const cstring = (s: string): Buffer => Buffer.from(`${s}\0`, 'utf8');

function int16(n: number): Buffer {
  const b = Buffer.allocUnsafe(2);
  b.writeInt16BE(n);
  return b;
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n);
  return b;
}

export interface ErrorFieldsInput {
  readonly severity: 'ERROR' | 'FATAL' | 'NOTICE' | 'WARNING';
  readonly code: string;
  readonly message: string;
  readonly detail?: string | undefined;
  readonly hint?: string | undefined;
}

function noticeBody(f: ErrorFieldsInput): Buffer {
  const parts: Buffer[] = [];
  const add = (type: number, value: string | undefined) => {
    if (value !== undefined) parts.push(Buffer.from([type]), cstring(value));
  };
  add(ErrorField.Severity, f.severity);
  add(ErrorField.SeverityNonLocalized, f.severity);
  add(ErrorField.Code, f.code);
  add(ErrorField.Message, f.message);
  add(ErrorField.Detail, f.detail);
  add(ErrorField.Hint, f.hint);
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

export const serialize = {
  /** Any message from its type byte and body. */
  message,
  errorResponse: (f: ErrorFieldsInput) => message(0x45, noticeBody(f)),
  /** An EmulatorError as ErrorResponse, with the catalog's SQLSTATE. */
  emulatorError: (error: EmulatorError, severity: 'ERROR' | 'FATAL' = 'ERROR') =>
    message(0x45, noticeBody({ severity, code: error.entry.pg, message: error.message, detail: error.detail, hint: error.hint })),
  noticeResponse: (f: ErrorFieldsInput) => message(0x4e, noticeBody(f)),
  readyForQuery: (status: TransactionStatus) => message(0x5a, Buffer.from(status, 'latin1')),
  commandComplete: (tag: string) => message(0x43, cstring(tag)),
  query: (sql: string) => message(0x51, cstring(sql)),
  parse: (statement: string, sql: string, paramTypes: readonly number[] = []) =>
    message(0x50, Buffer.concat([cstring(statement), cstring(sql), int16(paramTypes.length), ...paramTypes.map(int32)])),
  bind: (
    portal: string,
    statement: string,
    paramFormats: readonly number[],
    params: readonly (Buffer | null)[],
    resultFormats: readonly number[],
  ) =>
    message(
      0x42,
      Buffer.concat([
        cstring(portal),
        cstring(statement),
        int16(paramFormats.length),
        ...paramFormats.map(int16),
        int16(params.length),
        ...params.flatMap((p) => (p === null ? [int32(-1)] : [int32(p.length), p])),
        int16(resultFormats.length),
        ...resultFormats.map(int16),
      ]),
    ),
  execute: (portal: string, maxRows = 0) => message(0x45, Buffer.concat([cstring(portal), int32(maxRows)])),
  describe: (target: 'S' | 'P', name: string) => message(0x44, Buffer.concat([Buffer.from(target), cstring(name)])),
  portalSuspended: () => message(0x73, Buffer.alloc(0)),
  close: (target: 'S' | 'P', name: string) => message(0x43, Buffer.concat([Buffer.from(target), cstring(name)])),
  sync: () => message(0x53, Buffer.alloc(0)),
  flush: () => message(0x48, Buffer.alloc(0)),
  copyData: (data: Buffer) => message(0x64, data),
  copyDone: () => message(0x63, Buffer.alloc(0)),
  terminate: () => message(0x58, Buffer.alloc(0)),
  /** The single byte a server answers SSLRequest/GSSENCRequest with to decline. */
  declineEncryption: () => Buffer.from('N'),
  cancelRequest: (processId: number, secretKey: Buffer) =>
    Buffer.concat([int32(8 + 4 + secretKey.length), int32(80877102), int32(processId), secretKey]),
};
