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
import { type OptionNames, usageError } from './startup-errors.ts';
import { parseUpstreamUrl } from './upstream-url.ts';

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
  /** Seed extensions become errors (reference §1). */
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
  readonly apiCredentials: readonly {
    readonly accessKeyId: string;
    readonly secretAccessKey: string;
    /** The IAM role whose policies decide what this caller may do on the ML service APIs. */
    readonly roleName?: string;
  }[];
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

export const defaults: EmulatorConfig = {
  pgListen: '127.0.0.1:5433',
  pgUpstream: undefined,
  mysqlListen: '127.0.0.1:3307',
  mysqlUpstream: undefined,
  dataDir: '.aurora-ml',
  strict: false,
  pgEngineVersion: '16.6',
  region: 'us-east-1',
  accountId: '123456789012',
  logLevel: 'info',
  sagemakerEndpoints: {},
  mysqlEngineVersion: '8.0.mysql_aurora.3.08.0',
  apiListen: '127.0.0.1:4599',
  controlPreset: 'demo',
  associationDelayMs: 0,
  controlReset: false,
  apiCredentials: [],
  pgClusterId: 'aurora-ml-postgres',
  mysqlClusterId: 'aurora-ml-mysql',
  gate: true,
  backends: undefined,
  uiPoolSize: 10,
};

type Partial_ = { -readonly [K in keyof EmulatorConfig]?: EmulatorConfig[K] };

const FLAGS = {
  config: { type: 'string' },
  'pg-listen': { type: 'string' },
  'pg-upstream': { type: 'string' },
  'mysql-listen': { type: 'string' },
  'mysql-upstream': { type: 'string' },
  'data-dir': { type: 'string' },
  strict: { type: 'boolean' },
  'pg-engine-version': { type: 'string' },
  'mysql-engine-version': { type: 'string' },
  'api-listen': { type: 'string' },
  'control-preset': { type: 'string' },
  'control-reset': { type: 'boolean' },
  'association-delay-ms': { type: 'string' },
  'log-level': { type: 'string' },
  'ui-pool-size': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export const usage = `Usage: aurora-ml-emulator [options]

  --config FILE              YAML config file (env AURORA_ML_CONFIG)
  --pg-listen HOST:PORT      PostgreSQL front (default 127.0.0.1:5433; env AURORA_ML_PG_LISTEN)
  --pg-upstream URL          real PostgreSQL behind it, postgres://... (env AURORA_ML_PG_UPSTREAM);
                             without it an embedded PostgreSQL 16 is started
  --mysql-listen HOST:PORT   MySQL front (default 127.0.0.1:3307; env AURORA_ML_MYSQL_LISTEN)
  --mysql-upstream URL       real MySQL/MariaDB behind it, mysql://... (env AURORA_ML_MYSQL_UPSTREAM);
                             without it the MySQL front stays off
  --data-dir DIR             embedded PostgreSQL data (default .aurora-ml; env AURORA_ML_DATA_DIR)
  --strict                   reject seed extensions as real Aurora does (env AURORA_ML_STRICT=1)
  --pg-engine-version V      emulated Aurora PostgreSQL version (default 16.6)
  --mysql-engine-version V   emulated Aurora MySQL version (default 8.0.mysql_aurora.3.08.0; 2.x uses
                             INVOKE privileges, 3.x the AWS_*_ACCESS roles)
  --api-listen HOST:PORT     AWS-compatible RDS and IAM APIs (default 127.0.0.1:4599; env AURORA_ML_API_LISTEN)
  --control-preset NAME      demo (everything wired, the default) or bare (no role, no association)
                             (env AURORA_ML_CONTROL_PRESET)
  --control-reset            put the preset's roles, associations and parameters back over the stored
                             control-plane state (it survives restarts); databases are not touched
  --association-delay-ms N   how long AddRoleToDBCluster stays PENDING (default 0)
  --log-level LEVEL          fatal, error, warn, info (default), debug (also prints stack traces), trace
                             or silent (env AURORA_ML_LOG_LEVEL)
  --ui-pool-size N           the application's connection pool size, a line in the dashboard's
                             Connections view at /ui (default 10; env AURORA_ML_UI_POOL_SIZE)
`;

/** Each option's flag and environment variable; the YAML key is the option's own name. */
export const OPTION_SOURCES: readonly { key: keyof EmulatorConfig; flag?: keyof typeof FLAGS; env?: string }[] = [
  { key: 'pgListen', flag: 'pg-listen', env: 'AURORA_ML_PG_LISTEN' },
  { key: 'pgUpstream', flag: 'pg-upstream', env: 'AURORA_ML_PG_UPSTREAM' },
  { key: 'mysqlListen', flag: 'mysql-listen', env: 'AURORA_ML_MYSQL_LISTEN' },
  { key: 'mysqlUpstream', flag: 'mysql-upstream', env: 'AURORA_ML_MYSQL_UPSTREAM' },
  { key: 'dataDir', flag: 'data-dir', env: 'AURORA_ML_DATA_DIR' },
  { key: 'strict', flag: 'strict', env: 'AURORA_ML_STRICT' },
  { key: 'pgEngineVersion', flag: 'pg-engine-version', env: 'AURORA_ML_PG_ENGINE_VERSION' },
  { key: 'mysqlEngineVersion', flag: 'mysql-engine-version', env: 'AURORA_ML_MYSQL_ENGINE_VERSION' },
  { key: 'apiListen', flag: 'api-listen', env: 'AURORA_ML_API_LISTEN' },
  { key: 'controlPreset', flag: 'control-preset', env: 'AURORA_ML_CONTROL_PRESET' },
  { key: 'controlReset', flag: 'control-reset' },
  { key: 'associationDelayMs', flag: 'association-delay-ms' },
  { key: 'logLevel', flag: 'log-level', env: 'AURORA_ML_LOG_LEVEL' },
  { key: 'uiPoolSize', flag: 'ui-pool-size', env: 'AURORA_ML_UI_POOL_SIZE' },
  { key: 'region' },
  { key: 'accountId' },
  { key: 'pgClusterId' },
  { key: 'mysqlClusterId' },
  { key: 'gate' },
  { key: 'apiCredentials' },
  { key: 'backends' },
];

const KNOWN_ENV = ['AURORA_ML_CONFIG', ...OPTION_SOURCES.flatMap((s) => (s.env === undefined ? [] : [s.env]))];

/** How messages name an option that kept its default: by its flag, else its config key. */
function defaultName(key: string): string {
  const flag = OPTION_SOURCES.find((s) => s.key === key)?.flag;
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
  const raw = new Map<keyof EmulatorConfig, { value: unknown; name: string }>();
  const fileGivenBy = values.config !== undefined ? '--config' : 'AURORA_ML_CONFIG';
  const fileName = values.config ?? (env.AURORA_ML_CONFIG || undefined);
  if (typeof fileName === 'string') {
    const file = readConfigFile(fileName, fileGivenBy);
    for (const [key, value] of Object.entries(file.values)) {
      if (key === 'sagemaker') {
        const endpoints = (value as { endpoints?: unknown } | null)?.endpoints;
        if (endpoints !== undefined) raw.set('sagemakerEndpoints', { value: endpoints, name: file.name('sagemaker.endpoints') });
      } else if (value !== null) raw.set(key as keyof EmulatorConfig, { value, name: file.name(key) });
    }
  }
  for (const s of OPTION_SOURCES) {
    const fromEnv = s.env === undefined ? undefined : env[s.env];
    // An empty variable counts as unset, as shells make it easy to leave one behind.
    if (s.env !== undefined && fromEnv !== undefined && fromEnv !== '') raw.set(s.key, { value: fromEnv, name: s.env });
  }
  for (const s of OPTION_SOURCES) {
    const fromFlag = s.flag === undefined ? undefined : values[s.flag];
    if (fromFlag !== undefined) raw.set(s.key, { value: fromFlag, name: `--${s.flag}` });
  }
  const config: Partial_ = {};
  for (const [key, { value, name }] of raw) Object.assign(config, { [key]: checkOption(key, value, name) });
  const names: OptionNames = (key) => raw.get(key as keyof EmulatorConfig)?.name ?? defaultName(key);
  return { ...defaults, ...config, help: values.help ?? false, names };
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

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/**
 * One option's value, checked; `name` is how the message names where it came
 * from. Also used by startEmulator, so library callers get the same checks.
 */
export function checkOption(key: string, value: unknown, name: string): unknown {
  switch (key) {
    case 'pgListen':
    case 'mysqlListen':
    case 'apiListen': {
      const text = scalar(value, name);
      checkListen(text, name);
      return text;
    }
    case 'pgUpstream':
      return upstreamUrl(scalar(value, name), name, ['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database');
    case 'mysqlUpstream':
      return upstreamUrl(scalar(value, name), name, ['mysql:', 'mariadb:'], 'mysql://user:password@host:3306/database');
    case 'strict':
    case 'gate':
    case 'controlReset':
      return flag(value, name);
    case 'logLevel':
      return oneOf(scalar(value, name), LOG_LEVELS, name);
    case 'controlPreset':
      return oneOf(scalar(value, name), ['demo', 'bare'], name);
    case 'associationDelayMs':
      return milliseconds(scalar(value, name), name);
    case 'uiPoolSize': {
      const text = scalar(value, name);
      const size = Number(text);
      if (!Number.isInteger(size) || size < 1)
        throw usageError(`${name}: expected a whole number of connections (1 or more), got "${text}"`);
      return size;
    }
    case 'pgEngineVersion':
      return matching(scalar(value, name), /^\d+(\.\d+)*$/, 'an Aurora PostgreSQL version such as 16.6', name);
    case 'mysqlEngineVersion':
      return matching(
        scalar(value, name),
        /^(5\.7|8\.0)\.mysql_aurora\.\d+\.\d+\.\d+$/,
        'an Aurora MySQL version such as 8.0.mysql_aurora.3.08.0 or 5.7.mysql_aurora.2.11.2',
        name,
      );
    case 'accountId':
      return matching(scalar(value, name), /^\d{12}$/, 'a 12-digit AWS account id', name);
    case 'region':
      return matching(scalar(value, name), /^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1', name);
    case 'dataDir':
    case 'pgClusterId':
    case 'mysqlClusterId':
      return matching(scalar(value, name), /./, 'a non-empty value', name);
    case 'apiCredentials':
      return credentials(value, name);
    case 'sagemakerEndpoints':
    case 'backends':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`${name}: expected a mapping`);
      return value;
    default:
      return value;
  }
}

function scalar(value: unknown, name: string): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw usageError(`${name}: expected a single value, got ${Array.isArray(value) ? 'a list' : typeof value}`);
}

function flag(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw usageError(`${name}: expected true or false (or 1 or 0), got ${JSON.stringify(value)}`);
}

function oneOf(value: string, allowed: readonly string[], name: string): string {
  if (allowed.includes(value)) return value;
  const near = closest(value, allowed);
  throw usageError(
    `${name}: "${value}" is not one of ${allowed.join(', ')}${near === undefined ? '' : `; did you mean ${near}?`}`,
  );
}

function matching(value: string, pattern: RegExp, expected: string, name: string): string {
  if (!pattern.test(value)) throw usageError(`${name}: expected ${expected}, got "${value}"`);
  return value;
}

function milliseconds(value: string, name: string): number {
  const ms = Number(value);
  if (value.trim() === '' || !Number.isInteger(ms) || ms < 0)
    throw usageError(`${name}: expected a whole number of milliseconds, got "${value}"`);
  return ms;
}

function checkListen(value: string, name: string): void {
  try {
    parseHostPort(value);
  } catch (err) {
    throw usageError(`${name}: ${(err as Error).message}`);
  }
}

function upstreamUrl(value: string, name: string, schemes: readonly string[], example: string): string {
  let url: URL;
  try {
    url = parseUpstreamUrl(name, value);
  } catch (err) {
    throw usageError((err as Error).message);
  }
  if (!schemes.includes(url.protocol))
    throw usageError(
      `${name}: a ${url.protocol.replace(/:$/, '')}:// URL where ${schemes[0]}// was expected; write it as ${example}`,
    );
  return value;
}

function credentials(value: unknown, name: string): EmulatorConfig['apiCredentials'] {
  if (!Array.isArray(value)) throw usageError(`${name}: expected a list of { accessKeyId, secretAccessKey, roleName }`);
  const known = ['accessKeyId', 'secretAccessKey', 'roleName'];
  value.forEach((c: unknown, i) => {
    if (typeof c !== 'object' || c === null)
      throw usageError(`${name}[${i}]: expected { accessKeyId, secretAccessKey, roleName }`);
    for (const key of Object.keys(c))
      if (!known.includes(key)) throw usageError(`${name}[${i}].${key}: unknown key${suggestion(key, known)}`);
    const entry = c as Record<string, unknown>;
    if (typeof entry.accessKeyId !== 'string' || typeof entry.secretAccessKey !== 'string')
      throw usageError(`${name}[${i}]: accessKeyId and secretAccessKey are both required`);
  });
  return value as EmulatorConfig['apiCredentials'];
}

export function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  if (i < 0) throw new Error(`expected HOST:PORT (e.g. 127.0.0.1:5433; port 0 picks a free one), got "${value}"`);
  const portText = value.slice(i + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`expected a port from 0 to 65535 after the colon, got "${value}"`);
  return { host: value.slice(0, i).replace(/^\[|\]$/g, ''), port };
}
