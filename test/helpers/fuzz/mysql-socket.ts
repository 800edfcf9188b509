/**
 * A bare MySQL protocol socket for the fuzzer: it logs in (empty password,
 * no TLS, no EOF deprecation) only when asked, then sends whatever bytes the
 * case holds and keeps every packet that comes back, plus what is left of an
 * incomplete one. Deliberately tiny and independent of src/wire/mysql.
 */
import net from 'node:net';

export interface MySqlPacket {
  readonly seq: number;
  readonly payload: Buffer;
}

/** Capability bits the fuzzer's login asks for. */
export const LOGIN_CAPS = 0x200 | 0x8000 | 0x80000 | 0x8 | 0x2000 | 0x20000 | 0x40000;

export function framePacket(payload: Buffer, seq: number): Buffer {
  const h = Buffer.alloc(4);
  h.writeUIntLE(payload.length, 0, 3);
  h[3] = seq & 0xff;
  return Buffer.concat([h, payload]);
}

export function handshakeResponse(options: { caps?: number; user?: string; database?: string; collation?: number }): Buffer {
  const head = Buffer.alloc(32);
  head.writeUInt32LE((options.caps ?? LOGIN_CAPS) >>> 0, 0);
  head.writeUInt32LE(16 * 1024 * 1024, 4);
  head[8] = options.collation ?? 45;
  return Buffer.concat([
    head,
    Buffer.from(`${options.user ?? 'root'}\0`),
    Buffer.from([0]),
    options.database === undefined ? Buffer.alloc(0) : Buffer.from(`${options.database}\0`),
    Buffer.from('mysql_native_password\0'),
  ]);
}

export class FuzzMySqlSocket {
  private bytes = Buffer.alloc(0);
  readonly packets: MySqlPacket[] = [];
  closed = false;
  /** The connection id of the greeting (the upstream thread id: the front relays it). */
  threadId = 0;
  private wake: (() => void) | null = null;

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.bytes = Buffer.concat([this.bytes, chunk]);
      while (this.bytes.length >= 4) {
        const n = this.bytes.readUIntLE(0, 3);
        if (this.bytes.length < 4 + n) break;
        this.packets.push({ seq: this.bytes[3] ?? 0, payload: Buffer.from(this.bytes.subarray(4, 4 + n)) });
        this.bytes = this.bytes.subarray(4 + n);
      }
      this.poke();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.poke();
    });
  }

  static open(port: number): Promise<FuzzMySqlSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      socket.setNoDelay(true);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new FuzzMySqlSocket(socket));
      });
      socket.once('error', reject);
    });
  }

  private poke(): void {
    const w = this.wake;
    this.wake = null;
    w?.();
  }

  /** Bytes of an incomplete trailing packet. */
  get leftover(): number {
    return this.bytes.length;
  }

  /** Waits until `done()` or close; false on timeout. */
  async until(done: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done()) {
      if (this.closed || Date.now() > deadline) return done();
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        setTimeout(resolve, Math.max(1, Math.min(50, deadline - Date.now())));
      });
    }
    return true;
  }

  /** Waits for the greeting and keeps its connection id. */
  async greeting(timeoutMs = 10_000): Promise<Buffer> {
    if (!(await this.until(() => this.packets.length > 0, timeoutMs))) throw new Error('no greeting');
    const g = (this.packets[0] as MySqlPacket).payload;
    if (g[0] === 0x0a) this.threadId = g.readUInt32LE(g.indexOf(0, 1) + 1);
    return g;
  }

  /** Logs in as root without a password; the packets so far are consumed. */
  async login(database: string): Promise<void> {
    await this.greeting();
    this.send(framePacket(handshakeResponse({ database }), 1));
    for (let seen = 1; ; ) {
      if (!(await this.until(() => this.packets.length > seen, 10_000))) throw new Error('login: no answer');
      const p = this.packets[seen++] as MySqlPacket;
      if (p.payload[0] === 0x00) break;
      if (p.payload[0] === 0xff) throw new Error(`login refused: ${p.payload.toString('utf8', 3)}`);
      if (p.payload[0] === 0xfe) this.send(framePacket(Buffer.alloc(0), p.seq + 1));
    }
    this.packets.length = 0;
  }

  send(bytes: Buffer): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  destroy(): void {
    this.socket.destroy();
  }
}
