/**
 * The demo scenarios of `aurora-ml-emulator demo <name>`, callable from code
 * too (tests, the dashboard's browser test): runDemo runs one against an
 * emulator that is already running, narrates it, writes its summary chart and
 * resolves with the chart's numbers.
 *
 *   const numbers = await runDemo('page-load', { pgUrl: emu.postgres.url, apiUrl: emu.api.url, scale: 0.2 });
 */
import { writeFile } from 'node:fs/promises';
import type { DemoContext, DemoOutcome } from './context.ts';
import { EmulatorApi } from './emulator-api.ts';
import { Narrator, type Output } from './narrator.ts';
import { type NightlyBatchNumbers, type NightlyBatchOptions, runNightlyBatch } from './nightly-batch.ts';
import { type OverloadNumbers, type OverloadOptions, runOverload } from './overload.ts';
import { type PageLoadNumbers, type PageLoadOptions, runPageLoad } from './page-load.ts';
import { chartSvg } from './svg-chart.ts';

export type { Output } from './narrator.ts';
export type { NightlyBatchNumbers, NightlyBatchOptions } from './nightly-batch.ts';
export type { OverloadNumbers, OverloadOptions, PhaseNumbers } from './overload.ts';
export type { PageLoadNumbers, PageLoadOptions } from './page-load.ts';

export const DEMO_NAMES = ['page-load', 'overload', 'nightly-batch'] as const;
export type DemoName = (typeof DEMO_NAMES)[number];

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5433/postgres';
export const DEFAULT_API_URL = 'http://127.0.0.1:4599';

export interface CommonDemoOptions {
  /** The emulator's PostgreSQL front (default postgres://postgres@127.0.0.1:5433/postgres). */
  readonly pgUrl?: string;
  /** The emulator's API listener (default http://127.0.0.1:4599). */
  readonly apiUrl?: string;
  /** Time scale (default 1): latencies, timeouts and phase lengths are multiplied by it. */
  readonly scale?: number;
  /** Where the SVG chart goes: default `aurora-ml-demo-<name>.svg` in the working directory; null: no file. */
  readonly out?: string | null;
  /** Where the narration goes (default: nowhere). The CLI passes process.stdout. */
  readonly narrate?: Output;
  /** Keep the demo's schema and tables afterwards (default false: dropped). */
  readonly keep?: boolean;
}

interface DemoKinds {
  'page-load': { options: PageLoadOptions; numbers: PageLoadNumbers };
  overload: { options: OverloadOptions; numbers: OverloadNumbers };
  'nightly-batch': { options: NightlyBatchOptions; numbers: NightlyBatchNumbers };
}

export type DemoOptions<N extends DemoName> = CommonDemoOptions & DemoKinds[N]['options'];

/** The chart's numbers, and where the chart was written (null when `out` was null). */
export type DemoResult<N extends DemoName> = DemoKinds[N]['numbers'] & { readonly svgFile: string | null };

type Runner<N extends DemoName> = (
  ctx: DemoContext,
  options: DemoKinds[N]['options'],
) => Promise<DemoOutcome<DemoKinds[N]['numbers']>>;

const RUNNERS: { readonly [N in DemoName]: Runner<N> } = {
  'page-load': runPageLoad,
  overload: runOverload,
  'nightly-batch': runNightlyBatch,
};

export function isDemoName(name: string): name is DemoName {
  return (DEMO_NAMES as readonly string[]).includes(name);
}

export async function runDemo<N extends DemoName>(
  name: N,
  options: DemoOptions<N> = {} as DemoOptions<N>,
): Promise<DemoResult<N>> {
  const scale = options.scale ?? 1;
  if (!(scale > 0 && Number.isFinite(scale))) throw new RangeError(`scale must be a number above 0, got ${scale}`);
  const narrator = new Narrator(options.narrate);
  const ctx: DemoContext = {
    pgUrl: options.pgUrl ?? DEFAULT_PG_URL,
    api: new EmulatorApi(options.apiUrl ?? DEFAULT_API_URL),
    scale,
    narrator,
    keep: options.keep ?? false,
  };
  const runner = RUNNERS[name] as Runner<N>;
  const { numbers, chart } = await runner(ctx, options);
  const svgFile = options.out === undefined ? `aurora-ml-demo-${name}.svg` : options.out;
  if (svgFile !== null) {
    await writeFile(svgFile, chartSvg(chart));
    narrator.note(`chart written to ${svgFile}`);
  }
  return { ...numbers, svgFile };
}
