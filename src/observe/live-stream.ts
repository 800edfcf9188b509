/**
 * The dashboard's live feed: server-sent events. Changes are gathered and
 * sent as one `update` event per tick (statements that changed, new backend
 * calls, counters, connection counts), so a burst of thousands of requests
 * costs a few messages a second, built once for every subscriber.
 *
 * Each subscriber is bounded: while its socket holds more than
 * `maxBufferedBytes` unsent, its updates are dropped, not queued; once it
 * drains it gets a `gap` event (how many updates it missed) and carries on.
 * A stalled browser so costs at most that buffer, never unbounded memory.
 * With nobody subscribed, the stream listens to nothing and costs nothing.
 */
import type { ServerResponse } from 'node:http';
import type { CallEntry } from './call-log.ts';
import type { StatementEntry, StatementLog } from './statements.ts';

export interface LiveSources {
  readonly statements: StatementLog;
  /** Hears of each backend call recorded; returns the unsubscribe function. */
  onCall(listener: (call: CallEntry) => void): () => void;
  /** What every update carries whole: the counters and the connection counts. */
  gauges(): Promise<unknown> | unknown;
}

export interface LiveStreamOptions {
  /** How often an update goes out (default 250 ms). */
  readonly tickMs?: number;
  /** Unsent bytes a subscriber may hold before its updates are dropped (default 256 KiB). */
  readonly maxBufferedBytes?: number;
  /** Calls one update carries at most; the rest are counted in `callsSkipped` (default 500). */
  readonly maxCallsPerUpdate?: number;
}

interface Subscriber {
  readonly res: ServerResponse;
  /** Updates dropped since the last one delivered. */
  dropped: number;
  /** Updates dropped over the subscription's life. */
  droppedTotal: number;
}

export interface SubscriberStats {
  readonly bufferedBytes: number;
  readonly droppedTotal: number;
}

export class LiveStream {
  private readonly subscribers = new Set<Subscriber>();
  private readonly tickMs: number;
  private readonly maxBufferedBytes: number;
  private readonly maxCalls: number;
  private timer: NodeJS.Timeout | null = null;
  private unsubscribe: (() => void)[] = [];
  private changed = new Map<number, StatementEntry>();
  private calls: CallEntry[] = [];
  private callsSkipped = 0;
  private sequence = 0;
  /** A tick still building (the gauges are read asynchronously): the next one waits its turn. */
  private ticking = false;

  constructor(
    private readonly sources: LiveSources,
    options: LiveStreamOptions = {},
  ) {
    this.tickMs = options.tickMs ?? 250;
    this.maxBufferedBytes = options.maxBufferedBytes ?? 256 * 1024;
    this.maxCalls = options.maxCallsPerUpdate ?? 500;
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Each subscriber's unsent bytes and dropped updates (for tests and the bench). */
  subscriberStats(): SubscriberStats[] {
    return [...this.subscribers].map((s) => ({ bufferedBytes: s.res.writableLength, droppedTotal: s.droppedTotal }));
  }

  /** Turns the response into an event stream until the client goes away. */
  attach(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    const subscriber: Subscriber = { res, dropped: 0, droppedTotal: 0 };
    this.subscribers.add(subscriber);
    res.on('close', () => this.detach(subscriber));
    res.on('drain', () => this.resume(subscriber));
    // A first event at once: the page knows it is connected, and what runs now.
    res.write(this.event('hello', { running: this.sources.statements.runningNow(), recent: this.sources.statements.recent(50) }));
    if (this.subscribers.size === 1) this.start();
  }

  /** Ends every stream (the server is closing). */
  close(): void {
    for (const s of this.subscribers) s.res.end();
    this.subscribers.clear();
    this.stop();
  }

  private detach(subscriber: Subscriber): void {
    this.subscribers.delete(subscriber);
    if (this.subscribers.size === 0) this.stop();
  }

  private start(): void {
    this.unsubscribe = [
      this.sources.statements.subscribe((entry) => this.changed.set(entry.id, entry)),
      this.sources.onCall((call) => {
        if (this.calls.length < this.maxCalls) this.calls.push(call);
        else this.callsSkipped++;
      }),
    ];
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.tick()
        // A tick that fails (a gauge that could not be read) is skipped: the next one tries again.
        .catch(() => {})
        .finally(() => {
          this.ticking = false;
        });
    }, this.tickMs);
    this.timer.unref();
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.changed.clear();
    this.calls = [];
    this.callsSkipped = 0;
  }

  private async tick(): Promise<void> {
    const running = this.sources.statements.runningNow();
    // Running statements go out every tick: their duration and batch progress move without events.
    for (const entry of running) if (!this.changed.has(entry.id)) this.changed.set(entry.id, entry);
    const update = {
      seq: ++this.sequence,
      at: Date.now(),
      statements: [...this.changed.values()],
      calls: this.calls,
      callsSkipped: this.callsSkipped,
      gauges: await this.sources.gauges(),
    };
    this.changed = new Map();
    this.calls = [];
    this.callsSkipped = 0;
    const text = this.event('update', update);
    for (const s of this.subscribers) this.send(s, text);
  }

  private send(subscriber: Subscriber, text: string): void {
    if (subscriber.res.writableLength > this.maxBufferedBytes) {
      subscriber.dropped++;
      subscriber.droppedTotal++;
      return;
    }
    if (subscriber.dropped > 0) this.resume(subscriber);
    subscriber.res.write(text);
  }

  /** The subscriber caught up: tell it what it missed, so it can reload the lists. */
  private resume(subscriber: Subscriber): void {
    if (subscriber.dropped === 0 || subscriber.res.writableLength > this.maxBufferedBytes) return;
    subscriber.res.write(this.event('gap', { dropped: subscriber.dropped }));
    subscriber.dropped = 0;
  }

  private event(name: string, data: unknown): string {
    return `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
  }
}
