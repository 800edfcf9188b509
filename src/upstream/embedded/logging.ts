/** Routing the server's own log output to the caller's logger. */
import type { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { EmbeddedPostgresLogger } from './types.ts';

export const noopLogger: EmbeddedPostgresLogger = { info() {}, warn() {} };

/** debug when the logger has it, else info. */
export function routineLog(log: EmbeddedPostgresLogger): (o: object, msg: string) => void {
  return (o, msg) => (log.debug ? log.debug(o, msg) : log.info(o, msg));
}

/**
 * Forwards the server's log lines ("[backend type] SEVERITY:  message") to the
 * logger: problems to warn, routine lines to debug (or info). Errors of client
 * sessions already reached their client and go to debug only.
 */
export function forwardLogs(child: ChildProcess, log: EmbeddedPostgresLogger, remember: (line: string) => void): void {
  const routine = routineLog(log);
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let last: (o: object, msg: string) => void = routine;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      remember(line);
      const m = /^\[([^\]]*)\] ([A-Z0-9]+):\s+(.*)$/.exec(line);
      if (!m) {
        last({ pg: {} }, line);
        return;
      }
      const [, backend = '', severity = '', message = ''] = m;
      const client = backend === 'client backend';
      if (['DETAIL', 'HINT', 'CONTEXT', 'STATEMENT', 'QUERY', 'LOCATION'].includes(severity)) {
        // continues the previous message at its level
      } else if (['PANIC', 'FATAL', 'ERROR', 'WARNING'].includes(severity) && !client) {
        last = (o, msg) => log.warn(o, msg);
      } else {
        last = routine;
      }
      last({ pg: { backend, severity } }, message);
    });
  }
}
