/** The PostgreSQL front's listening socket. */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { SessionRegistry } from './registry.ts';
import { PgSession, type UpstreamAddress } from './session.ts';
import type { StatementHandler } from './statement-handler.ts';

export interface PgFrontOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly upstream: UpstreamAddress;
  readonly handler: StatementHandler;
  readonly log: Logger;
}

export interface PgFront {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startPgFront(options: PgFrontOptions): Promise<PgFront> {
  const registry = new SessionRegistry(options.log);
  const sessions = new Set<PgSession>();
  const sockets = new Set<Socket>();
  let nextId = 1;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    const session = new PgSession(
      socket,
      { upstream: options.upstream, handler: options.handler, registry, log: options.log },
      nextId++,
    );
    sessions.add(session);
    socket.on('close', () => sessions.delete(session));
  });
  server.on('error', (err) => options.log.error({ err }, 'PostgreSQL front listener error'));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : options.port;
  return {
    host: options.host,
    port,
    close: async () => {
      for (const session of sessions) session.close();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
