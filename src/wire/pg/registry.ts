/**
 * Sessions by upstream backend key, so a CancelRequest (which arrives on a new
 * connection) can stop both the ML work in flight and the upstream query.
 */
import { connect } from 'node:net';
import type { Logger } from 'pino';
import { serialize } from './serializer.ts';

export interface CancelTarget {
  /**
   * Stops the session's own work in flight (ML calls) and says whether the
   * upstream is running something for it, so the cancel must go there too.
   * Forwarding when the upstream is idle could cancel the client's next query.
   */
  cancel(): { readonly upstreamBusy: boolean };
  readonly upstream: { readonly host: string; readonly port: number };
}

export class SessionRegistry {
  private readonly byProcess = new Map<number, { secretKey: Buffer; target: CancelTarget }>();

  constructor(private readonly log: Logger) {}

  add(processId: number, secretKey: Buffer, target: CancelTarget): void {
    this.byProcess.set(processId, { secretKey, target });
  }

  remove(processId: number): void {
    this.byProcess.delete(processId);
  }

  get size(): number {
    return this.byProcess.size;
  }

  cancel(processId: number, secretKey: Buffer): void {
    const entry = this.byProcess.get(processId);
    // As PostgreSQL does, a wrong key is ignored silently.
    if (entry === undefined || !entry.secretKey.equals(secretKey)) return;
    if (!entry.target.cancel().upstreamBusy) return;
    const socket = connect(entry.target.upstream);
    socket.on('connect', () => socket.end(serialize.cancelRequest(processId, secretKey)));
    socket.on('error', (err) => this.log.warn({ err }, 'could not forward CancelRequest upstream'));
  }
}
