/**
 * `aurora-ml-emulator demo <name> [options]`: runs one demo scenario against
 * a running emulator (or, with --start, one started in this process), with
 * the narration on stdout, the chart written to a file and its numbers
 * printed at the end. Returns the exit code: 0 done, 1 the run failed, 2 the
 * options are wrong.
 */
import pino from 'pino';
import { type Emulator, startEmulator } from '../main.ts';
import { redact } from './demo-schema.ts';
import { DEFAULT_API_URL, DEFAULT_PG_URL, DEMO_NAMES, type DemoName, isDemoName, runDemo } from './index.ts';

export const demoUsage = `Usage: aurora-ml-emulator demo <${DEMO_NAMES.join('|')}> [options]

  page-load      the product recommendation query per page view: page time with and without the ML call
  overload       an app pool under rising load against a slow endpoint, then with statement_timeout and a circuit breaker
  nightly-batch  the 50,000-row sentiment UPDATE: Aurora's batching (25 per request, 4 in flight) against one call per row

Options:
  --pg HOST:PORT|URL     the emulator's PostgreSQL front (default 127.0.0.1:5433, user postgres, database postgres)
  --api HOST:PORT|URL    the emulator's API listener (default 127.0.0.1:4599)
  --start                start an emulator in this process on free ports instead (embedded PostgreSQL by default)
  --pg-upstream URL      with --start: the PostgreSQL to put it in front of
  --scale N              time scale: latencies, timeouts and phases are multiplied by N (default 1; 0.2 is five times faster)
  --out FILE             where the SVG chart goes (default aurora-ml-demo-<name>.svg)
  --json                 print only the numbers, as JSON (no narration)
  --keep                 keep the demo's schema and tables afterwards
  --pages N              page-load: page views to measure (default 100)
  --pool-size N          overload: connections in the app's pool (default 10)
  --rows N               nightly-batch: tickets to label (default 50000)
  --per-row-rows N       nightly-batch: rows for the one-per-row run, projected to all (default up to 5000)
`;

class UsageError extends Error {}

interface DemoArgs {
  name: DemoName;
  pgUrl: string;
  apiUrl: string;
  start: boolean;
  pgUpstream?: string;
  scale?: number;
  out?: string;
  json: boolean;
  keep: boolean;
  pages?: number;
  poolSize?: number;
  rows?: number;
  perRowRows?: number;
}

const VALUE_FLAGS = ['--pg', '--api', '--pg-upstream', '--scale', '--out', '--pages', '--pool-size', '--rows', '--per-row-rows'];
const SWITCHES = ['--start', '--json', '--keep', '--help', '-h'];

/** HOST:PORT or a postgres:// URL, as a connection string. */
function pgUrlOf(value: string): string {
  if (/^postgres(ql)?:\/\//.test(value)) return value;
  if (!/^(\[[0-9a-fA-F:]+\]|[^:/\s]+):\d+$/.test(value))
    throw new UsageError(`--pg: expected HOST:PORT or a postgres:// URL, got "${value}"`);
  return `postgres://postgres@${value}/postgres`;
}

function apiUrlOf(value: string): string {
  if (/^https?:\/\//.test(value)) return value;
  if (!/^(\[[0-9a-fA-F:]+\]|[^:/\s]+):\d+$/.test(value))
    throw new UsageError(`--api: expected HOST:PORT or an http:// URL, got "${value}"`);
  return `http://${value}`;
}

function positive(flag: string, value: string, integer: boolean): number {
  const n = Number(value);
  if (!(Number.isFinite(n) && n > 0) || (integer && !Number.isInteger(n))) {
    throw new UsageError(`${flag}: expected a ${integer ? 'whole ' : ''}number above 0, got "${value}"`);
  }
  return n;
}

export function parseDemoArgs(argv: readonly string[]): DemoArgs | 'help' {
  const values = new Map<string, string>();
  const switches = new Set<string>();
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (VALUE_FLAGS.includes(flag)) {
      const value = flag !== arg ? arg.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new UsageError(`${flag} needs a value`);
      values.set(flag, value);
    } else if (SWITCHES.includes(arg)) switches.add(arg);
    else if (arg.startsWith('-')) throw new UsageError(`unknown option ${arg}`);
    else positional.push(arg);
  }
  if (switches.has('--help') || switches.has('-h')) return 'help';
  const name = positional[0];
  if (name === undefined) throw new UsageError(`name a demo: ${DEMO_NAMES.join(', ')}`);
  if (!isDemoName(name)) throw new UsageError(`no demo "${name}": choose one of ${DEMO_NAMES.join(', ')}`);
  if (positional.length > 1) throw new UsageError(`unexpected argument "${positional[1]}"`);
  const start = switches.has('--start');
  if (start && (values.has('--pg') || values.has('--api')))
    throw new UsageError('--start runs its own emulator: leave out --pg and --api');
  if (!start && values.has('--pg-upstream')) throw new UsageError('--pg-upstream goes with --start');
  const number = (flag: string, integer: boolean) => {
    const v = values.get(flag);
    return v === undefined ? undefined : positive(flag, v, integer);
  };
  const args: DemoArgs = {
    name,
    pgUrl: values.has('--pg') ? pgUrlOf(values.get('--pg') as string) : DEFAULT_PG_URL,
    apiUrl: values.has('--api') ? apiUrlOf(values.get('--api') as string) : DEFAULT_API_URL,
    start,
    json: switches.has('--json'),
    keep: switches.has('--keep'),
  };
  const upstream = values.get('--pg-upstream');
  if (upstream !== undefined) args.pgUpstream = upstream;
  const out = values.get('--out');
  if (out !== undefined) args.out = out;
  const optional = { scale: number('--scale', false), pages: number('--pages', true), poolSize: number('--pool-size', true) };
  const batch = { rows: number('--rows', true), perRowRows: number('--per-row-rows', true) };
  for (const [key, value] of Object.entries({ ...optional, ...batch })) {
    if (value !== undefined) (args as unknown as Record<string, number>)[key] = value;
  }
  return args;
}

export async function runDemoCli(argv: readonly string[]): Promise<number> {
  let args: DemoArgs | 'help';
  try {
    args = parseDemoArgs(argv);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`aurora-ml-emulator demo: ${err.message}\n  (aurora-ml-emulator demo --help lists the options)\n`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(demoUsage);
    return 0;
  }
  let emulator: Emulator | undefined;
  try {
    let pgUrl = args.pgUrl;
    let apiUrl = args.apiUrl;
    if (args.start) {
      emulator = await startEmulator({
        pgListen: '127.0.0.1:0',
        apiListen: '127.0.0.1:0',
        ...(args.pgUpstream === undefined ? {} : { pgUpstream: args.pgUpstream }),
        logger: pino({ level: 'silent' }),
        checkUpstreams: true,
      });
      pgUrl = emulator.postgres.url;
      apiUrl = emulator.api.url;
    }
    if (!args.json) {
      process.stdout.write(
        `aurora-ml-emulator demo ${args.name}: PostgreSQL front ${redact(pgUrl)}, API ${apiUrl}` +
          `${emulator === undefined ? '' : ' (started for this demo)'}\n`,
      );
    }
    const numbers = await runDemo(args.name, {
      pgUrl,
      apiUrl,
      keep: args.keep,
      ...(args.json ? {} : { narrate: process.stdout }),
      ...(args.scale === undefined ? {} : { scale: args.scale }),
      ...(args.out === undefined ? {} : { out: args.out }),
      ...(args.pages === undefined ? {} : { pages: args.pages }),
      ...(args.poolSize === undefined ? {} : { poolSize: args.poolSize }),
      ...(args.rows === undefined ? {} : { rows: args.rows }),
      ...(args.perRowRows === undefined ? {} : { perRowRows: args.perRowRows }),
    });
    if (!args.json) process.stdout.write("\nThe chart's numbers:\n");
    process.stdout.write(`${JSON.stringify(numbers, null, 2)}\n`);
    return 0;
  } catch (err) {
    process.stderr.write(`aurora-ml-emulator demo ${args.name}: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  } finally {
    await emulator?.close();
  }
}
