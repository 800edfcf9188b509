/** The PostgreSQL front's listening socket. */
import type { Logger } from 'pino';
import { type Front, listenFront } from '../listener.ts';
import type { UpstreamAddress } from '../session-sockets.ts';
import { SessionRegistry } from './registry.ts';
import { PgSession } from './session.ts';
import type { StatementHandler } from './statement-handler.ts';

export interface PgFrontOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly upstream: UpstreamAddress;
  readonly handler: StatementHandler;
  readonly log: Logger;
}

export type PgFront = Front;

export async function startPgFront(options: PgFrontOptions): Promise<PgFront> {
  const registry = new SessionRegistry(options.log);
  return listenFront(
    { host: options.host, port: options.port, log: options.log, name: 'PostgreSQL front' },
    (socket, id) =>
      new PgSession(socket, { upstream: options.upstream, handler: options.handler, registry, log: options.log }, id),
  );
}
