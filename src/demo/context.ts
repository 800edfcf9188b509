/** What every demo gets to run with, and what it hands back to runDemo. */
import type { EmulatorApi } from './emulator-api.ts';
import type { Narrator } from './narrator.ts';
import type { Chart } from './svg-chart.ts';

export interface DemoContext {
  /** The emulator's PostgreSQL front, e.g. postgres://postgres@127.0.0.1:5433/postgres. */
  readonly pgUrl: string;
  readonly api: EmulatorApi;
  /**
   * Time scale: every latency, timeout and phase length is multiplied by it
   * (1: the demo's own pace; 0.2: the CI form, five times faster).
   */
  readonly scale: number;
  readonly narrator: Narrator;
  /** Leave the demo's schema and tables behind (tests read them). */
  readonly keep: boolean;
}

export interface DemoOutcome<N> {
  readonly numbers: N;
  readonly chart: Chart;
}

/** Milliseconds at the demo's time scale, never below 1. */
export function scaled(ctx: Pick<DemoContext, 'scale'>, ms: number): number {
  return Math.max(1, Math.round(ms * ctx.scale));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
