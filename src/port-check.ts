/**
 * Checks that every address the emulator will listen on is free before
 * anything starts (the embedded PostgreSQL takes seconds and leaves a data
 * directory behind): each is bound once and released. Another process can
 * still take a port in between; the fronts then fail with the same message.
 */
import net from 'node:net';
import { parseHostPort } from './config.ts';
import { environmentError, usageError } from './startup-errors.ts';

export interface Listen {
  /** How messages name the option: --pg-listen, AURORA_ML_API_LISTEN, apiListen in FILE. */
  readonly name: string;
  readonly value: string;
}

export async function checkPortsFree(listens: readonly Listen[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const { name, value } of listens) {
    const { host, port } = parseHostPort(value);
    if (port === 0) continue;
    const earlier = seen.get(`${host}:${port}`);
    if (earlier !== undefined)
      throw usageError(`${name}: ${host}:${port} is also given to ${earlier}; give each a port of its own`);
    seen.set(`${host}:${port}`, name);
    await new Promise<void>((resolve, reject) => {
      const server = net.createServer();
      server.once('error', (err) => reject(listenError(err, name, value)));
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
    });
  }
}

/** A failed listen as a one-line start-up error naming the option. */
export function listenError(err: unknown, name: string, value: string): Error {
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EADDRINUSE':
      return environmentError(
        `${name}: ${value} is already in use; stop what listens there or choose another port (port 0 picks a free one)`,
        { cause: err },
      );
    case 'EACCES':
      return environmentError(`${name}: not allowed to listen on ${value} (ports below 1024 need privileges)`, { cause: err });
    case 'EADDRNOTAVAIL':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return environmentError(`${name}: cannot listen on ${value}: the host is not an address of this machine`, { cause: err });
    default:
      return err instanceof Error ? err : new Error(String(err));
  }
}
