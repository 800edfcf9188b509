/**
 * The listening socket both protocol fronts share: one session per accepted
 * connection, numbered for the logs, all closed when the front closes.
 */
import { createServer, type Socket } from 'node:net';
import type { Logger } from 'pino';

export interface Front {
  readonly host: string;
  /** The port actually bound (the one asked for, or a free one for 0). */
  readonly port: number;
  /** Closes every client connection and goes on listening (a reboot of the emulated writer). */
  dropSessions(): void;
  /** Client connections open now. */
  connections(): number;
  close(): Promise<void>;
}

interface Closable {
  close(): void;
}

export async function listenFront(
  options: { readonly host: string; readonly port: number; readonly log: Logger; readonly name: string },
  openSession: (socket: Socket, connectionId: number) => Closable,
): Promise<Front> {
  const sessions = new Map<Socket, Closable>();
  let nextId = 1;
  const server = createServer((socket) => {
    sessions.set(socket, openSession(socket, nextId++));
    socket.on('close', () => sessions.delete(socket));
  });
  server.on('error', (err) => options.log.error({ err }, `${options.name} listener error`));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const dropSessions = () => {
    for (const [socket, session] of sessions) {
      session.close();
      socket.destroy();
    }
  };
  const address = server.address();
  return {
    host: options.host,
    port: typeof address === 'object' && address !== null ? address.port : options.port,
    dropSessions,
    connections: () => sessions.size,
    close: async () => {
      dropSessions();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
