/**
 * Bounds on what one connection may do on one turn of the event loop, so a
 * client flooding its connection (an ML statement followed by 200,000 Syncs
 * or COM_PINGs) cannot stall the other clients, the API or the timers: a
 * session handles at most MESSAGES_PER_TURN messages before yielding,
 * reads at most UPSTREAM_BYTES_PER_TURN of a controlled answer per turn,
 * and stops reading its socket while its backlog is long (the kernel's TCP
 * buffers, and then the client, hold the rest).
 */

/** Client messages handled in one go before the session lets others run. */
export const MESSAGES_PER_TURN = 256;

/**
 * Bytes received and not yet handled past which a session stops reading from
 * its client (messages wait in its reader as bytes, framed as they are
 * handled); it reads again once it has handled everything received.
 */
export const BACKLOG_HIGH_WATER_BYTES = 256 * 1024;

/**
 * Upstream bytes an emulator-controlled exchange reads in one turn of the
 * event loop before its socket pauses until the next turn: a fast server
 * answering an ML statement with 100 MB of rows (which the emulator holds,
 * not the client's socket, so nothing else slows it) would otherwise be read
 * in runs of dozens of socket reads while other clients wait.
 */
export const UPSTREAM_BYTES_PER_TURN = 512 * 1024;

/** Resolves on the next turn of the event loop, after pending I/O callbacks. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
