/**
 * The client-side circuit breaker of the seed's mitigation: after a run of
 * failed ML calls the app stops making them for a while (and serves the page
 * without recommendations), then lets one call through to see whether the
 * endpoint has recovered.
 *
 *   closed --(threshold failures in a row)--> open --(openMs later)--> half-open
 *   half-open: one trial call; success -> closed, failure -> open again
 */

export type BreakerState = 'closed' | 'open' | 'half-open';

export interface BreakerOptions {
  /** Failures in a row that open the circuit. */
  readonly threshold: number;
  /** How long it stays open before one trial call. */
  readonly openMs: number;
  readonly now?: () => number;
}

export class CircuitBreaker {
  private failuresInARow = 0;
  private openedAt = 0;
  private trialRunning = false;
  private stateNow: BreakerState = 'closed';
  /** How many times the circuit opened. */
  opened = 0;

  constructor(private readonly options: BreakerOptions) {}

  private now(): number {
    return this.options.now?.() ?? Date.now();
  }

  get state(): BreakerState {
    if (this.stateNow === 'open' && this.now() - this.openedAt >= this.options.openMs) this.stateNow = 'half-open';
    return this.stateNow;
  }

  /** Whether this call may go to the endpoint; when false, serve the fallback. */
  allow(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'half-open' && !this.trialRunning) {
      this.trialRunning = true;
      return true;
    }
    return false;
  }

  success(): void {
    this.failuresInARow = 0;
    this.trialRunning = false;
    this.stateNow = 'closed';
  }

  failure(): void {
    this.failuresInARow++;
    const trialFailed = this.trialRunning;
    this.trialRunning = false;
    if (trialFailed || (this.stateNow === 'closed' && this.failuresInARow >= this.options.threshold)) {
      this.stateNow = 'open';
      this.openedAt = this.now();
      this.opened++;
    }
  }
}
