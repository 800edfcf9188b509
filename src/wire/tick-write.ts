/**
 * Writes that leave together: everything written to a socket in one turn of
 * the event loop goes out in one system call (cork now, uncork once this
 * turn's callbacks and promise jobs are done). The emulator's pipelined
 * statements, or an answer and its ReadyForQuery, then cost the peer one
 * wake-up instead of one per message; on a loaded two-core machine that is
 * most of a small statement's cost. Order is kept; nothing waits for I/O.
 */
import type { Socket } from 'node:net';

const corked = new WeakSet<Socket>();

export function tickWrite(socket: Socket, bytes: Buffer): boolean {
  if (!corked.has(socket)) {
    corked.add(socket);
    socket.cork();
    process.nextTick(() => {
      corked.delete(socket);
      socket.uncork();
    });
  }
  return socket.write(bytes);
}
