/**
 * The session state changes of OK packets (CLIENT_SESSION_TRACK), read and
 * edited byte for byte (src/wire/mysql/session-state.ts): the emulator takes
 * the change of database its stubs make out of its answers (the test with
 * real servers and drivers is test/mysql-connector-differential.test.ts).
 * The first case is a packet MariaDB 10.11 sent.
 */
import { describe, expect, it } from 'vitest';
import { SessionStateType } from '../src/wire/mysql/codes.ts';
import { withoutSessionStateChanges } from '../src/wire/mysql/session-state.ts';

const SCHEMA = SessionStateType.SESSION_TRACK_SCHEMA;
const tracked = { deprecateEof: false, sessionTrack: true };
const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const lenenc = (b: Buffer) => Buffer.concat([Buffer.from([b.length]), b]);
/** One change: its type, then its data as a length-encoded string. */
const change = (type: number, data: Buffer) => Buffer.concat([Buffer.from([type]), lenenc(data)]);
const schemaChange = (db: string) => change(SCHEMA, lenenc(Buffer.from(db)));
const autocommitChange = change(
  SessionStateType.SESSION_TRACK_SYSTEM_VARIABLES,
  Buffer.concat([lenenc(Buffer.from('autocommit')), lenenc(Buffer.from('ON'))]),
);
/** An OK packet: header, affected rows, insert id, status, warnings, info and the changes (when given). */
function ok(status: number, info: string, changes?: Buffer[], header = 0x00): Buffer {
  const head = Buffer.from([header, 1, 0, status & 0xff, status >> 8, 0, 0]);
  const state = changes === undefined ? [] : [lenenc(Buffer.concat(changes))];
  return Buffer.concat([head, lenenc(Buffer.from(info)), ...state]);
}

describe('withoutSessionStateChanges', () => {
  it("MariaDB's OK after an UPDATE that called a function of another database: the change and the flag go, the info stays", () => {
    const update = hex(`00 01 00 02 40 00 00 28 ${Buffer.from('Rows matched: 1  Changed: 1  Warnings: 0').toString('hex')}
      09 01 07 06 ${Buffer.from('xp_emu').toString('hex')}`);
    expect(withoutSessionStateChanges(update, SCHEMA, tracked)).toEqual(ok(0x0002, 'Rows matched: 1  Changed: 1  Warnings: 0'));
  });

  it('other changes stay, with the flag', () => {
    const both = ok(0x4002, '', [autocommitChange, schemaChange('db')]);
    expect(withoutSessionStateChanges(both, SCHEMA, tracked)).toEqual(ok(0x4002, '', [autocommitChange]));
    const only = ok(0x4002, '', [autocommitChange]);
    expect(withoutSessionStateChanges(only, SCHEMA, tracked)).toBe(only);
  });

  it("the OK that ends a result set under CLIENT_DEPRECATE_EOF, and an EOF packet's flag", () => {
    const end = ok(0x4022, '', [schemaChange('db')], 0xfe);
    expect(withoutSessionStateChanges(end, SCHEMA, { deprecateEof: true, sessionTrack: true })).toEqual(
      ok(0x0022, '', undefined, 0xfe),
    );
    const eof = hex('fe 00 00 22 40');
    expect(withoutSessionStateChanges(eof, SCHEMA, tracked)).toEqual(hex('fe 00 00 22 00'));
  });

  it('without CLIENT_SESSION_TRACK the text after the warnings is the info, kept whole; packets without the flag are left alone', () => {
    const untracked = Buffer.concat([Buffer.from([0x00, 0, 0, 0x02, 0x40, 0, 0]), Buffer.from('\u0009info')]);
    const cleared = Buffer.from(untracked);
    cleared[4] = 0;
    expect(withoutSessionStateChanges(untracked, SCHEMA, { deprecateEof: false, sessionTrack: false })).toEqual(cleared);
    const plain = ok(0x0002, 'x');
    expect(withoutSessionStateChanges(plain, SCHEMA, tracked)).toBe(plain);
    const error = hex('ff 7a 04 23 34 32 53 30 32');
    expect(withoutSessionStateChanges(error, SCHEMA, tracked)).toBe(error);
  });
});
