/**
 * A loopback TCP relay that counts round trips: put between the emulator and
 * its upstream, it records every burst of bytes a client sends before the
 * server answers (one round trip), per connection, with the printable text
 * of what the burst carried. Nothing is changed on the way.
 *
 * The emulator's control-plane store (PostgreSQL only) connects through the
 * relay too, as it connects to the upstream the emulator was given, and polls
 * every 2 s: its connection, known by the application_name in its startup
 * message, is relayed but not counted, or a poll falling inside a measured
 * statement would show as one of its round trips.
 */
import net from 'node:net';
import { CONTROL_PLANE_APPLICATION_NAME } from '../../src/control/pg-state-store.ts';

export interface CountingRelay {
  readonly port: number;
  /** Round trips since the last reset, over all connections: the text each carried. */
  bursts(): string[];
  /** Per round trip, in the same order: when its first byte went out and its answer's last byte came back (performance.now()). */
  times(): [sent: number, answered: number][];
  reset(): void;
  close(): Promise<void>;
}

export async function startCountingRelay(target: { host: string; port: number }): Promise<CountingRelay> {
  let bursts: string[] = [];
  let times: [number, number][] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(target.port, target.host);
    sockets.add(client).add(upstream);
    // As the emulator's own sockets: Nagle's delay would show as time the emulator took.
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let burst: number | null = null;
    /** The round trip the server is answering (its answer may come in several chunks). */
    let answering: number | null = null;
    /** Decided by the connection's first bytes, its startup message. */
    let counted: boolean | null = null;
    client.on('data', (chunk) => {
      counted ??= !chunk.includes(CONTROL_PLANE_APPLICATION_NAME);
      if (counted === false) {
        upstream.write(chunk);
        return;
      }
      if (burst === null || burst >= bursts.length) {
        burst = bursts.length;
        bursts.push('');
        times.push([performance.now(), 0]);
      }
      bursts[burst] += printable(chunk);
      upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      // The server may speak first (MySQL's handshake): undecided is counted as before.
      if (counted === false) {
        client.write(chunk);
        return;
      }
      if (burst !== null) answering = burst;
      burst = null;
      const answered = answering === null ? undefined : times[answering];
      if (answered !== undefined) answered[1] = performance.now();
      client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    bursts: () => [...bursts],
    times: () => times.map(([sent, answered]) => [sent, answered]),
    reset: () => {
      bursts = [];
      times = [];
    },
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function printable(chunk: Buffer): string {
  return chunk.toString('latin1').replace(/[^ -~]+/g, ' ');
}
