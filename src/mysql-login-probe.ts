/**
 * Logs in to a MySQL/MariaDB server once and hangs up, so a wrong user,
 * password, database or address stops the start instead of surfacing at a
 * client's first connection. mysql2 is only a dev dependency, so this speaks
 * the handshake itself: mysql_native_password, and caching_sha2_password's
 * fast path (its full path needs TLS or the server's RSA key; a login that
 * asks for it counts as reachable, password unchecked).
 */
import { createHash } from 'node:crypto';
import net from 'node:net';

export type MySqlLoginOutcome =
  | { readonly ok: true }
  | { readonly ok: false; readonly refused: true; readonly errno: number; readonly message: string }
  | { readonly ok: false; readonly refused: false; readonly message: string };

const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_PLUGIN_AUTH = 0x80000;
const UTF8MB4_GENERAL_CI = 45;

const sha = (algorithm: string, ...parts: Buffer[]) => {
  const h = createHash(algorithm);
  for (const p of parts) h.update(p);
  return h.digest();
};
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((byte, i) => byte ^ (b[i] ?? 0)));

function scramble(plugin: string, password: string, salt: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const pw = Buffer.from(password, 'utf8');
  if (plugin === 'caching_sha2_password') return xor(sha('sha256', pw), sha('sha256', sha('sha256', sha('sha256', pw)), salt));
  return xor(sha('sha1', pw), sha('sha1', salt, sha('sha1', sha('sha1', pw))));
}

function nulString(buf: Buffer, at: number): [string, number] {
  const end = buf.indexOf(0, at);
  const stop = end < 0 ? buf.length : end;
  return [buf.subarray(at, stop).toString('utf8'), stop + 1];
}

function greeting(payload: Buffer): { salt: Buffer; plugin: string } {
  if (payload[0] !== 10) throw new Error('it did not greet as a MySQL server');
  let at = nulString(payload, 1)[1] + 4;
  const salt1 = payload.subarray(at, at + 8);
  at += 8 + 1 + 2 + 1 + 2 + 2;
  const saltLength = payload[at] ?? 0;
  at += 1 + 10;
  const salt2Length = Math.max(13, saltLength - 8);
  const salt2 = payload.subarray(at, at + salt2Length - 1);
  const [plugin] = nulString(payload, at + salt2Length);
  return { salt: Buffer.concat([salt1, salt2]), plugin: plugin || 'mysql_native_password' };
}

function packet(sequence: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUIntLE(payload.length, 0, 3);
  header[3] = sequence;
  return Buffer.concat([header, payload]);
}

export function probeMySqlLogin(
  target: { host: string; port: number; user: string; password: string; database: string },
  timeoutMs = 5000,
): Promise<MySqlLoginOutcome> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: target.host, port: target.port });
    let buffered: Buffer = Buffer.alloc(0);
    let salt: Buffer = Buffer.alloc(0);
    let sequence = 0;
    let settled = false;
    const finish = (outcome: MySqlLoginOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (outcome.ok)
        socket.end(packet(0, Buffer.from([0x01]))); // COM_QUIT
      else socket.destroy();
      resolve(outcome);
    };
    const timer = setTimeout(
      () => finish({ ok: false, refused: false, message: `no MySQL greeting within ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    const send = (payload: Buffer) => socket.write(packet(++sequence, payload));
    const onPacket = (payload: Buffer) => {
      const head = payload[0];
      if (head === 0xff) {
        const errno = payload.readUInt16LE(1);
        const text = payload.subarray(payload[3] === 0x23 ? 9 : 3).toString('utf8');
        finish({ ok: false, refused: true, errno, message: text });
      } else if (salt.length === 0) {
        const hello = greeting(payload);
        salt = hello.salt;
        const capabilities =
          CLIENT_LONG_PASSWORD |
          CLIENT_PROTOCOL_41 |
          CLIENT_SECURE_CONNECTION |
          CLIENT_PLUGIN_AUTH |
          (target.database === '' ? 0 : CLIENT_CONNECT_WITH_DB);
        const fixed = Buffer.alloc(32);
        fixed.writeUInt32LE(capabilities, 0);
        fixed.writeUInt32LE(16 * 1024 * 1024, 4);
        fixed[8] = UTF8MB4_GENERAL_CI;
        const auth = scramble(hello.plugin, target.password, salt);
        send(
          Buffer.concat([
            fixed,
            Buffer.from(`${target.user}\0`, 'utf8'),
            Buffer.from([auth.length]),
            auth,
            target.database === '' ? Buffer.alloc(0) : Buffer.from(`${target.database}\0`, 'utf8'),
            Buffer.from(`${hello.plugin}\0`, 'utf8'),
          ]),
        );
      } else if (head === 0x00) {
        finish({ ok: true });
      } else if (head === 0xfe) {
        // AuthSwitchRequest: the same password, scrambled for the plugin and salt the server asks for.
        const [plugin, at] = nulString(payload, 1);
        const switched = payload.subarray(at);
        salt = switched[switched.length - 1] === 0 ? switched.subarray(0, -1) : switched;
        send(scramble(plugin, target.password, salt));
      } else if (head === 0x01 && payload[1] === 0x04) {
        finish({ ok: true });
      } else if (head !== 0x01) {
        finish({ ok: false, refused: false, message: 'it answered the login with something other than MySQL' });
      }
    };
    socket.on('data', (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      while (buffered.length >= 4 && !settled) {
        const length = buffered.readUIntLE(0, 3);
        if (buffered.length < 4 + length) return;
        sequence = buffered[3] ?? 0;
        const payload = buffered.subarray(4, 4 + length);
        buffered = buffered.subarray(4 + length);
        try {
          onPacket(payload);
        } catch (err) {
          finish({ ok: false, refused: false, message: (err as Error).message });
        }
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => finish({ ok: false, refused: false, message: networkReason(err) }));
    socket.on('close', () => finish({ ok: false, refused: false, message: 'it closed the connection during the login' }));
  });
}

/** A network error as a short reason: "connection refused", "host not found"... */
export function networkReason(err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ETIMEDOUT':
      return 'timed out';
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'no route to the host';
    case 'ECONNRESET':
      return 'connection reset';
    default:
      return err.message;
  }
}
