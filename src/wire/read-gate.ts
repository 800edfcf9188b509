/**
 * Stops and restarts reading a client socket for more than one reason at a
 * time: the upstream socket is full (its 'drain' resumes), or the session's
 * backlog of client messages is long (draining it resumes). Reading resumes
 * only once no reason is left, so one reason ending cannot undo another.
 */
import type { Socket } from 'node:net';

export type HoldReason = 'upstream-full' | 'backlog';

export class ReadGate {
  private readonly reasons = new Set<HoldReason>();

  constructor(private readonly socket: Socket) {}

  hold(reason: HoldReason): void {
    if (this.reasons.has(reason)) return;
    if (this.reasons.size === 0) this.socket.pause();
    this.reasons.add(reason);
  }

  release(reason: HoldReason): void {
    if (!this.reasons.delete(reason)) return;
    if (this.reasons.size === 0) this.socket.resume();
  }

  /** The session is closing: read (and drop) the rest so the client's end of the connection is seen. */
  open(): void {
    if (this.reasons.size === 0) return;
    this.reasons.clear();
    this.socket.resume();
  }
}
