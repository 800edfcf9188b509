/**
 * A request body read whole, up to a limit the caller names: each route has
 * its own (the Query APIs, the ML service APIs, the emulator's JSON routes),
 * and the limits guard memory, not semantics.
 */
import type { IncomingMessage } from 'node:http';

/** The body passed the limit; the rest of it is drained, so the connection stays usable. */
export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > maxBytes) {
        reject(new BodyTooLarge());
        req.resume();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
