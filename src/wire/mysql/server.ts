/** The MySQL front's listening socket. */
import type { Logger } from 'pino';
import { type Front, listenFront } from '../listener.ts';
import type { UpstreamAddress } from '../session-sockets.ts';
import { MySqlSession } from './session.ts';
import type { StatementHandler } from './statement-handler.ts';

export interface MySqlFrontOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly upstream: UpstreamAddress;
  readonly handler: StatementHandler;
  readonly log: Logger;
}

export type MySqlFront = Front;

export async function startMySqlFront(options: MySqlFrontOptions): Promise<MySqlFront> {
  return listenFront(
    { host: options.host, port: options.port, log: options.log, name: 'MySQL front' },
    (socket, id) => new MySqlSession(socket, { upstream: options.upstream, handler: options.handler, log: options.log }, id),
  );
}
