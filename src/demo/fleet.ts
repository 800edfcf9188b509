/**
 * The rest of the load on a shared endpoint: other application servers
 * calling it through SageMaker Runtime InvokeEndpoint on the emulator's API
 * port. Each caller sends one request, waits for its answer, and sends the
 * next; raising the number of callers fills the endpoint's queue, which is
 * what makes its latency climb for everyone, the demo's app included. One
 * app's pool alone cannot do that: it never has more statements in flight
 * than it has connections.
 */
import type { EmulatorApi } from './emulator-api.ts';

export class Fleet {
  private wanted = 0;
  private readonly loops: Promise<void>[] = [];
  private readonly inFlight = new Set<AbortController>();
  private stopped = false;
  requests = 0;
  failures = 0;

  constructor(
    private readonly api: EmulatorApi,
    private readonly endpoint: string,
    /** A caller gives up on a request after this long and sends another. */
    private readonly giveUpMs: number,
  ) {}

  get callers(): number {
    return this.wanted;
  }

  /** Sets how many callers are calling; extra callers stop after their current request. */
  setCallers(n: number): void {
    this.wanted = Math.max(0, Math.round(n));
    while (!this.stopped && this.loops.length < this.wanted) this.loops.push(this.caller(this.loops.length));
  }

  private async caller(index: number): Promise<void> {
    while (!this.stopped) {
      if (index >= this.wanted) {
        // Parked: wait to be wanted again, without a request in flight.
        await new Promise((resolve) => setTimeout(resolve, 50));
        continue;
      }
      const abort = new AbortController();
      const timer = setTimeout(() => abort.abort(), this.giveUpMs);
      this.inFlight.add(abort);
      try {
        this.requests++;
        const status = await this.api.invokeEndpoint(this.endpoint, `fleet-${index},${this.requests}`, abort.signal);
        if (status !== 200) this.failures++;
      } catch {
        this.failures++;
      } finally {
        clearTimeout(timer);
        this.inFlight.delete(abort);
      }
    }
  }

  /**
   * Stops every caller and abandons their requests: the emulator drops an
   * abandoned request from the endpoint's queue, so the endpoint is idle
   * again at once.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const abort of this.inFlight) abort.abort();
    await Promise.allSettled(this.loops);
  }
}
