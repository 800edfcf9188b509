/** The MySQL front's listening socket. */
import { createServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';
import { MySqlSession, type UpstreamAddress } from './session.ts';
import type { StatementHandler } from './statement-handler.ts';

export interface MySqlFrontOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly upstream: UpstreamAddress;
  readonly handler: StatementHandler;
  readonly log: Logger;
}

export interface MySqlFront {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startMySqlFront(options: MySqlFrontOptions): Promise<MySqlFront> {
  const sessions = new Set<MySqlSession>();
  const sockets = new Set<Socket>();
  let nextId = 1;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    const session = new MySqlSession(
      socket,
      { upstream: options.upstream, handler: options.handler, log: options.log },
      nextId++,
    );
    sessions.add(session);
    socket.on('close', () => {
      sockets.delete(socket);
      sessions.delete(session);
    });
  });
  server.on('error', (err) => options.log.error({ err }, 'MySQL front listener error'));
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
