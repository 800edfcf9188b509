/**
 * A backend that can be replaced while the emulator runs. The middleware
 * stacks wrap the holder, not the backend, so SQL and the service APIs see a
 * replacement at the same moment; a call already running keeps the backend
 * it started on, and the replaced backend is closed once its last call ends
 * (closing it earlier would cut those calls off mid-answer).
 */

import type { ComprehendBackend } from './types.ts';

interface Held<B> {
  readonly backend: B;
  inFlight: number;
  retired: boolean;
  closing?: Promise<void>;
  /** Settles when the backend has been closed (rejects with close()'s error). */
  readonly closed: Promise<void>;
  readonly settle: (closing: Promise<void>) => void;
}

function hold<B>(backend: B): Held<B> {
  let settle: (closing: Promise<void>) => void = () => {};
  const closed = new Promise<void>((resolve) => {
    settle = resolve;
  });
  // A close() failure is reported to whoever awaits replace() or close(); no one else has to handle it.
  closed.catch(() => {});
  return { backend, inFlight: 0, retired: false, closed, settle };
}

/** Backends close optionally; those that hold nothing (built-in models) have no close(). */
async function closeBackend(backend: object): Promise<void> {
  const close = (backend as { close?: () => Promise<void> }).close;
  if (typeof close === 'function') await close.call(backend);
}

export class Switchable<B extends object> {
  private held: Held<B>;

  constructor(backend: B) {
    this.held = hold(backend);
  }

  /** The backend new calls go to. */
  get current(): B {
    return this.held.backend;
  }

  /** Runs one call on the current backend, pinning it until the call settles. */
  async run<R>(call: (backend: B) => Promise<R>): Promise<R> {
    const held = this.held;
    held.inFlight++;
    try {
      return await call(held.backend);
    } finally {
      held.inFlight--;
      if (held.retired && held.inFlight === 0) closeHeld(held);
    }
  }

  /** New calls go to `next` from now on; resolves once the old backend is closed. */
  replace(next: B): Promise<void> {
    const old = this.held;
    this.held = hold(next);
    return retire(old);
  }

  /** Retires the current backend for good (the emulator is stopping). */
  close(): Promise<void> {
    return retire(this.held);
  }
}

function retire<B extends object>(held: Held<B>): Promise<void> {
  held.retired = true;
  if (held.inFlight === 0) closeHeld(held);
  return held.closed;
}

function closeHeld<B extends object>(held: Held<B>): void {
  if (held.closing) return;
  held.closing = closeBackend(held.backend);
  held.settle(held.closing);
}

/** Comprehend behind a Switchable: each call runs on the backend current when it starts. */
export function switchableComprehend(slot: Switchable<ComprehendBackend>): ComprehendBackend {
  return {
    get kind() {
      return slot.current.kind;
    },
    detect: (operation, texts, languageCode, ctx) => slot.run((b) => b.detect(operation, texts, languageCode, ctx)),
  };
}
