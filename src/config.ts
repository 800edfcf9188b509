/**
 * Options, from lowest to highest precedence: built-in defaults, the YAML
 * config file (--config FILE or AURORA_ML_CONFIG), environment variables
 * (AURORA_ML_*), command-line flags. Every value is checked here, before
 * anything starts, and a bad one is a StartupError naming where it came
 * from; relative paths in the config file resolve against the file's folder.
 */
import { parseArgs } from 'node:util';
import type { ComposeConfig } from './backends/compose.ts';
import type { EndpointConfig as SageMakerEndpointConfig } from './backends/sagemaker/router.ts';
import { readConfigFile } from './config-file.ts';
import { closest, suggestion } from './did-you-mean.ts';
import type { ApiCredential } from './options/checks.ts';
import { CONFIG_FILE, HELP, isOptionKey, OPTION_LIST, OPTIONS, type OptionKey } from './options/table.ts';
import { type OptionNames, usageError } from './startup-errors.ts';

export { parseHostPort } from './options/checks.ts';

/** The options' values; what each means, and its flag, variable, key and default, is in src/options/table.ts. */
export interface EmulatorConfig {
  /** host:port the PostgreSQL front listens on; port 0 picks a free one. */
  readonly pgListen: string;
  /** postgres:// URL of the real database; absent = start the embedded PostgreSQL. */
  readonly pgUpstream: string | undefined;
  /** Where the embedded PostgreSQL keeps its data. */
  readonly dataDir: string;
  /** host:port the MySQL front listens on; port 0 picks a free one. */
  readonly mysqlListen: string;
  /** mysql:// URL of the real MySQL/MariaDB; absent = the MySQL front stays off. */
  readonly mysqlUpstream: string | undefined;
  /** Seed extensions (SQL real Aurora rejects, accepted here with a warning) become errors. */
  readonly strict: boolean;
  /** Emulated Aurora PostgreSQL engine version; decides the aws_ml version. */
  readonly pgEngineVersion: string;
  readonly region: string;
  readonly accountId: string;
  readonly logLevel: string;
  readonly sagemakerEndpoints: Readonly<Record<string, SageMakerEndpointConfig>>;
  /** Emulated Aurora MySQL version; version 2 (5.7) uses INVOKE privileges, version 3 the AWS_*_ACCESS roles. */
  readonly mysqlEngineVersion: string;
  /** host:port of the AWS-compatible RDS and IAM APIs; port 0 picks a free one. */
  readonly apiListen: string;
  /** The control plane's starting state: 'demo' is fully wired, 'bare' has nothing wired. */
  readonly controlPreset: 'demo' | 'bare';
  /** How long a role association stays PENDING before it turns ACTIVE. */
  readonly associationDelayMs: number;
  /** Replace the stored control-plane state with the preset's at start-up (user data is not touched). */
  readonly controlReset: boolean;
  /** Keys the API verifies SigV4 signatures against; empty = any credentials are accepted. */
  readonly apiCredentials: readonly ApiCredential[];
  /** Identifiers of the emulated clusters behind the PostgreSQL and MySQL fronts. */
  readonly pgClusterId: string;
  readonly mysqlClusterId: string;
  /** false lets every ML call through without the control plane's checks (for measuring what they cost). */
  readonly gate: boolean;
  /** Backend kinds, latency, capacity, faults and record/replay (YAML key `backends`; see src/backends/compose.ts). */
  readonly backends: ComposeConfig | undefined;
  /** The application's connection pool size, drawn as a line in the dashboard's Connections view. */
  readonly uiPoolSize: number;
}

export const defaults: EmulatorConfig = Object.fromEntries(
  OPTION_LIST.map((o) => [o.key, o.default]),
) as unknown as EmulatorConfig;

/** The options the config file, the environment or the flags set, checked; the rest keep their defaults. */
type GivenOptions = { -readonly [K in OptionKey]?: EmulatorConfig[K] };

/** parseArgs' flags: each option's, plus --config and --help. */
const FLAGS = Object.fromEntries([
  [CONFIG_FILE.flag, { type: 'string' }],
  ...OPTION_LIST.flatMap((o) => (o.flag === undefined ? [] : [[o.flag, { type: o.arg === undefined ? 'boolean' : 'string' }]])),
  [HELP.flag, { type: 'boolean', short: HELP.short }],
]) as Record<string, { type: 'string' | 'boolean'; short?: string }>;

const KNOWN_ENV = [CONFIG_FILE.env, ...OPTION_LIST.flatMap((o) => (o.env === undefined ? [] : [o.env]))];

/** How messages name an option that kept its default: by its flag, else its config key. */
function defaultName(key: string): string {
  const flag = OPTION_LIST.find((o) => o.key === key)?.flag;
  return flag === undefined ? key : `--${flag}`;
}

export type LoadedConfig = EmulatorConfig & {
  help: boolean;
  /** Where each option's value came from (`--pg-upstream`, `AURORA_ML_PG_UPSTREAM`, `pgUpstream in FILE`), for messages. */
  names: OptionNames;
};

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): LoadedConfig {
  const values = parseFlags(argv);
  checkEnvNames(env);
  const raw = new Map<OptionKey, { value: unknown; name: string }>();
  const fromFlag = values[CONFIG_FILE.flag];
  const fileName = typeof fromFlag === 'string' ? fromFlag : env[CONFIG_FILE.env] || undefined;
  if (fileName !== undefined)
    readFileOptions(fileName, typeof fromFlag === 'string' ? `--${CONFIG_FILE.flag}` : CONFIG_FILE.env, raw);
  for (const o of OPTION_LIST) {
    const value = o.env === undefined ? undefined : env[o.env];
    // An empty variable counts as unset, as shells make it easy to leave one behind.
    if (o.env !== undefined && value !== undefined && value !== '') raw.set(o.key, { value, name: o.env });
  }
  for (const o of OPTION_LIST) {
    const value = o.flag === undefined ? undefined : values[o.flag];
    if (value !== undefined) raw.set(o.key, { value, name: `--${o.flag}` });
  }
  const given: GivenOptions = {};
  for (const [key, { value, name }] of raw) Object.assign(given, { [key]: checkOption(key, value, name) });
  const names: OptionNames = (key) => (isOptionKey(key) ? raw.get(key)?.name : undefined) ?? defaultName(key);
  return { ...defaults, ...given, help: values[HELP.flag] === true, names };
}

/**
 * The config file's options into `raw`, in the file's order. A key set to
 * null, or a nested key (`sagemaker.endpoints`) that is absent, counts as unset.
 */
function readFileOptions(fileName: string, givenBy: string, raw: Map<OptionKey, { value: unknown; name: string }>): void {
  const file = readConfigFile(fileName, givenBy);
  for (const [top, topValue] of Object.entries(file.values)) {
    if (topValue === null) continue;
    for (const o of OPTION_LIST) {
      const [first, ...nested] = o.configKey?.split('.') ?? [];
      if (first !== top || o.configKey === undefined) continue;
      let value: unknown = topValue;
      for (const k of nested)
        value = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[k] : undefined;
      if (value !== undefined) raw.set(o.key, { value, name: file.name(o.configKey) });
    }
  }
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false }).values;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const unknown = /'(-[^']+)'/.exec((err as Error).message)?.[1];
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown !== undefined) {
      const flags = Object.keys(FLAGS).map((f) => `--${f}`);
      throw usageError(`unknown option ${unknown}${suggestion(unknown, flags)}`);
    }
    throw usageError((err as Error).message.split('\n')[0] ?? String(err));
  }
}

/** A misspelt AURORA_ML_ variable is an error; other AURORA_ML_ variables may belong to other tools and are left alone. */
function checkEnvNames(env: NodeJS.ProcessEnv): void {
  for (const name of Object.keys(env)) {
    if (!name.startsWith('AURORA_ML_') || KNOWN_ENV.includes(name)) continue;
    const near = closest(name, KNOWN_ENV);
    if (near !== undefined) throw usageError(`unknown environment variable ${name}; did you mean ${near}?`);
  }
}

/**
 * One option's value, checked; `name` is how the message names where it came
 * from. Also used by startEmulator, so library callers get the same checks.
 */
export function checkOption(key: string, value: unknown, name: string): unknown {
  return isOptionKey(key) ? OPTIONS[key].check(value, name) : value;
}
