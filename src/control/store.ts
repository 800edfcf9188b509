/**
 * Where the control plane's state lives. Every change goes through update(),
 * which applies a mutation to the latest state and bumps its version; a store
 * shared by several emulator processes (src/control/db-store.ts) makes the
 * change visible to all of them.
 */
import type { ControlState } from './model.ts';

export interface StateStore {
  /** The state as last read (cheap; refreshed by the store on its own). */
  current(): ControlState;
  /**
   * Applies `mutate` to a copy of the latest state and saves it with version
   * + 1. `mutate` may throw (an AwsError, say): then nothing changes.
   */
  update<T>(mutate: (state: ControlState) => T): Promise<T>;
  /** Called after any change, local or from another process. */
  onChange(listener: (state: ControlState) => void): () => void;
  close(): Promise<void>;
}

/** A store for one process, used by tests and when no database is at hand. */
export class MemoryStateStore implements StateStore {
  private state: ControlState;
  private readonly listeners = new Set<(state: ControlState) => void>();

  constructor(initial: ControlState) {
    this.state = structuredClone(initial);
  }

  current(): ControlState {
    return this.state;
  }

  async update<T>(mutate: (state: ControlState) => T): Promise<T> {
    const draft = structuredClone(this.state);
    const result = mutate(draft);
    draft.version = this.state.version + 1;
    this.state = draft;
    for (const listener of this.listeners) listener(draft);
    return result;
  }

  onChange(listener: (state: ControlState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {}
}
