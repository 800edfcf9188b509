/** `aurora-ml-emulator` / `npm start`: parse options, start, print where to connect. */
import { setFlagsFromString } from 'node:v8';
import { type LoadedConfig, loadConfig } from './config.ts';
import { createLogger } from './log.ts';
import { type Emulator, startEmulator } from './main.ts';
import { helpText } from './options/docs.ts';
import { OPTIONS } from './options/table.ts';
import { StartupError } from './startup-errors.ts';
import { redactUrl } from './upstream-url.ts';

/**
 * A failed start as one or two lines: the message (which names the option to
 * fix) and, for usage errors, where the options are listed. The stack only
 * with --log-level debug or trace. Exit 2 for usage errors, 1 for the rest.
 */
function fail(err: unknown, verbose: boolean): never {
  const message = err instanceof Error ? err.message : String(err);
  const lines = [`aurora-ml-emulator: ${message.split('\n')[0]}`];
  if (err instanceof StartupError && err.hint !== undefined) lines.push(`  ${err.hint}`);
  else if (err instanceof StartupError && err.kind === 'usage') lines.push('  (aurora-ml-emulator --help lists the options)');
  if (verbose) lines.push(stackOf(err));
  process.stderr.write(`${lines.join('\n')}\n`);
  process.exit(err instanceof StartupError ? err.exitCode : 1);
}

function stackOf(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err; e instanceof Error; e = e.cause) parts.push(e.stack ?? e.message);
  return parts.join('\ncaused by: ');
}

/** Before the options parse, --log-level debug is looked for by hand, so even their errors can show a stack. */
function verboseRequested(argv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const flag = `--${OPTIONS.logLevel.flag}`;
  const i = argv.lastIndexOf(flag);
  const level =
    (i >= 0 ? argv[i + 1] : undefined) ??
    argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1) ??
    env[OPTIONS.logLevel.env];
  return level === 'debug' || level === 'trace';
}

// package.json pins the AWS SDK to releases that support Node 20 (later ones need Node 22): their
// notice about future releases says nothing about the releases the emulator runs (AWS's documented
// switch). Set here, for the emulator's own process only: as a library it leaves the host's environment alone.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// The old generation may grow to 1.5 times what survives a full collection before the next one,
// not V8's default of up to 4 times. A large ML statement holds a bounded working set (10,000 calls
// at a time) but allocates fast, and with the default the heap grew to 4 times that set: peak RSS
// 226 to 362 MB for a 1,000,000-row UPDATE, varying run to run, against 222 to 234 MB with this
// (the process idles at about 165 MB), for 4% more time on that UPDATE and none on 100,000 rows
// (bench section 12). The flag is read at each collection, so setting it now takes effect.
// The emulator's own process only, as above.
setFlagsFromString('--heap-growing-percent=50');

// `aurora-ml-emulator demo <name>`: the demo scenarios (src/demo/cli.ts), not the emulator's options.
if (process.argv[2] === 'demo') {
  const { runDemoCli } = await import('./demo/cli.ts');
  process.exit(await runDemoCli(process.argv.slice(3)));
}

let config: LoadedConfig;
try {
  config = loadConfig(process.argv.slice(2), process.env);
} catch (err) {
  fail(err, verboseRequested(process.argv.slice(2), process.env));
}
if (config.help) {
  process.stdout.write(helpText());
  process.exit(0);
}
const verbose = config.logLevel === 'debug' || config.logLevel === 'trace';
const log = createLogger(config.logLevel);
let emulator: Emulator;
try {
  emulator = await startEmulator({ ...config, logger: log, optionNames: config.names, checkUpstreams: true });
} catch (err) {
  fail(err, verbose);
}
// Before the banner: whoever reads it may press Ctrl-C at once, and a SIGINT with no listener kills
// the process on the spot (exit by signal, the embedded server's shutdown cut short).
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log.info('stopping');
  await emulator.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
const pg = emulator.postgres;
process.stdout.write(
  [
    '',
    'aurora-ml-emulator is running',
    `  PostgreSQL front  ${pg.host}:${pg.port}  (Aurora PostgreSQL ${config.pgEngineVersion}${config.strict ? ', strict' : ''})`,
    `  upstream          ${pg.embedded ? `embedded PostgreSQL 16, data in ${config.dataDir}/postgres` : redactUrl(pg.upstreamUrl)}`,
    `  connect           psql ${pg.url}`,
    ...(emulator.mysql === null
      ? ['  MySQL front       off (add --mysql-upstream mysql://root@127.0.0.1:3306/test to put it in front of a MySQL/MariaDB)']
      : [
          `  MySQL front       ${emulator.mysql.host}:${emulator.mysql.port} -> ${redactUrl(emulator.mysql.upstreamUrl)} (Aurora MySQL ${config.mysqlEngineVersion})`,
          `  connect           ${mysqlCommand(emulator.mysql.url)}`,
        ]),
    `  AWS APIs          ${emulator.api.url}  (RDS, IAM, Comprehend, SageMaker Runtime, Bedrock Runtime)`,
    `  dashboard         ${emulator.api.url}/ui  (statements, backends, connections, counters, controls; live)`,
    ...controlLines(emulator, config.controlPreset),
    `  then              CREATE EXTENSION aws_ml CASCADE; SELECT * FROM aws_comprehend.detect_sentiment('I love this product!', 'en');`,
    '',
  ].join('\n'),
);

/** The mysql client command for a mysql:// URL of the MySQL front. */
function mysqlCommand(url: string): string {
  const u = new URL(url);
  const user = decodeURIComponent(u.username || 'root');
  return `mysql -h ${u.hostname} -P ${u.port} -u ${user} ${decodeURIComponent(u.pathname.slice(1))}`.trimEnd();
}

/**
 * The control plane's line: its preset, or, when the stored state (which
 * survives restarts) differs from it, how, and the way back.
 */
function controlLines(emulator: Emulator, preset: string): string[] {
  const differences = emulator.control.differencesFromPreset();
  if (differences.length === 0) return [`  control plane     preset ${preset}`];
  return [
    `  control plane     stored state, which differs from preset ${preset}:`,
    ...differences.map((d) => `                      ${d}`),
    '                    --control-reset puts the preset back (databases are not touched)',
  ];
}
