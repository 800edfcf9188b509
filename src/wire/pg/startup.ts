/**
 * What the first, untyped message of a connection asks for. PostgreSQL opens
 * every connection with one: a StartupMessage, or a request for TLS/GSS
 * encryption, or a CancelRequest on a connection of its own.
 */
import { StartupCode } from './codes.ts';
import type { Frame } from './framer.ts';
import { type CancelRequest, parseCancelRequest, parseStartup } from './messages.ts';

export type StartupAction =
  /** Protocol 3.x: relay it; the upstream negotiates newer minor versions itself. */
  | { readonly kind: 'startup'; readonly user: string; readonly database: string }
  /** The emulator speaks plain TCP (a loopback development tool): decline, the client falls back. */
  | { readonly kind: 'decline-encryption' }
  | { readonly kind: 'cancel'; readonly request: CancelRequest }
  | { readonly kind: 'unsupported'; readonly message: string };

/** Throws ProtocolViolation for a malformed packet. */
export function interpretStartup(frame: Frame): StartupAction {
  const body = frame.raw.subarray(4);
  const startup = parseStartup(body);
  if (startup.code >> 16 === 3) {
    const user = startup.params.get('user') ?? '';
    return { kind: 'startup', user, database: startup.params.get('database') ?? user };
  }
  switch (startup.code) {
    case StartupCode.SSLRequest:
    case StartupCode.GSSENCRequest:
      return { kind: 'decline-encryption' };
    case StartupCode.CancelRequest:
      return { kind: 'cancel', request: parseCancelRequest(body) };
    default:
      return { kind: 'unsupported', message: `unsupported frontend protocol ${startup.code >> 16}.${startup.code & 0xffff}` };
  }
}
