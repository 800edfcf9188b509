/**
 * The pass-through fast path: decides, without making a frame per message,
 * whether a whole chunk from the client can be relayed as it came.
 */
import { FrontendCode } from './codes.ts';
import type { RelayKind } from './relayed-requests.ts';

/** Both get the statement's bytes as sent: only the session knows the client's encoding. */
export interface FastPathDecider {
  /** True when a simple Query needs the statement handler. */
  wantsQuery(sql: Buffer): boolean;
  /** True when a Parse needs the handler (or a rewrite). */
  wantsParse(sql: Buffer): boolean;
}

/**
 * Fills `kinds` with what each relayed message owes and returns true when the
 * chunk holds only whole messages nobody needs to see, ending with Sync
 * or Query. Returns false (kinds undefined) when the general path must
 * take the chunk.
 */
export function relayableChunk(chunk: Buffer, decider: FastPathDecider, kinds: RelayKind[]): boolean {
  kinds.length = 0;
  let i = 0;
  let last = 0;
  // Extended messages since the last Sync: if one fails, the server skips a
  // Query after them without answering, which only the general path follows.
  let extendedOpen = false;
  while (i < chunk.length) {
    if (chunk.length - i < 5) return false;
    const code = chunk[i] as number;
    const end = i + 1 + chunk.readInt32BE(i + 1);
    if (end < i + 5 || end > chunk.length) return false;
    switch (code) {
      case FrontendCode.Query:
        if (extendedOpen || decider.wantsQuery(chunk.subarray(i + 5, end - 1))) return false;
        kinds.push('query');
        break;
      case FrontendCode.Parse: {
        const nameEnd = chunk.indexOf(0, i + 5);
        const queryEnd = nameEnd < 0 ? -1 : chunk.indexOf(0, nameEnd + 1);
        if (queryEnd < 0 || queryEnd >= end) return false;
        if (decider.wantsParse(chunk.subarray(nameEnd + 1, queryEnd))) return false;
        extendedOpen = true;
        break;
      }
      case FrontendCode.Sync:
        kinds.push('sync');
        extendedOpen = false;
        break;
      case FrontendCode.Bind:
      case FrontendCode.Describe:
      case FrontendCode.Execute:
      case FrontendCode.Close:
      case FrontendCode.Flush:
        extendedOpen = true;
        break;
      default:
        return false;
    }
    last = code;
    i = end;
  }
  // A chunk ending with Flush takes the general path, which counts what it owes (see UpstreamLink.expectFinals).
  return last === FrontendCode.Sync || last === FrontendCode.Query;
}
