/**
 * A bounded log: the newest `capacity` entries, oldest first. The call log and
 * the statement log keep their history in one, so a busy emulator's memory
 * stays flat however long it runs.
 */
export class Ring<T> {
  private readonly slots: (T | undefined)[];
  /** Index of the oldest entry. */
  private head = 0;
  private size = 0;

  /** `what` names the log in the error a bad capacity gets. */
  constructor(
    readonly capacity: number,
    what: string,
  ) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError(`${what} capacity must be a positive integer`);
    this.slots = new Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** Adds `entry`; the oldest drops out when the ring is full. */
  push(entry: T): void {
    this.slots[(this.head + this.size) % this.capacity] = entry;
    if (this.size < this.capacity) this.size++;
    else this.head = (this.head + 1) % this.capacity;
  }

  /** The entries, oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i++) out.push(this.slots[(this.head + i) % this.capacity] as T);
    return out;
  }

  /** Empties the ring; returns how many entries it held. */
  clear(): number {
    const cleared = this.size;
    this.slots.fill(undefined);
    this.head = 0;
    this.size = 0;
    return cleared;
  }
}
