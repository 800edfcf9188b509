/**
 * A first-in first-out queue whose shift is O(1) however long it grows.
 * Array.prototype.shift moves every element once an array is large, so a
 * client pipelining 200,000 messages made draining them quadratic (seconds
 * of one event-loop turn, every other client frozen). Both fronts keep their
 * pipelines (client messages waiting, answers due) in one of these.
 */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  /** Replaces the next item out (a count that goes down in place, say). */
  replaceFirst(item: T): void {
    if (this.head < this.items.length) this.items[this.head] = item;
  }

  /** The i-th waiting item (0 = the next one out). */
  at(i: number): T | undefined {
    return this.items[this.head + i];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head] as T;
    // Drop the reference so a shifted item can be collected before the queue compacts.
    (this.items as (T | undefined)[])[this.head] = undefined;
    this.head++;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }

  /** Removes the i-th waiting item (rare: O(n)). */
  removeAt(i: number): void {
    this.items.splice(this.head + i, 1);
  }

  clear(): void {
    this.items = [];
    this.head = 0;
  }

  get length(): number {
    return this.items.length - this.head;
  }
}
