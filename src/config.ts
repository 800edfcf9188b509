/**
 * Options, from lowest to highest precedence: built-in defaults, the YAML
 * config file (--config FILE or AURORA_ML_CONFIG), environment variables
 * (AURORA_ML_*), command-line flags.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import type { ComposeConfig } from './backends/compose.ts';
import type { EndpointConfig as SageMakerEndpointConfig } from './backends/sagemaker/router.ts';
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
  apiCredentials: [],
  pgClusterId: 'aurora-ml-postgres',
  mysqlClusterId: 'aurora-ml-mysql',
  gate: true,
  backends: undefined,
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
  'association-delay-ms': { type: 'string' },
  'log-level': { type: 'string' },
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
  --association-delay-ms N   how long AddRoleToDBCluster stays PENDING (default 0)
  --log-level LEVEL          pino level (default info; env AURORA_ML_LOG_LEVEL)
`;

function fromFile(path: string): Partial_ {
  const doc = parseYaml(readFileSync(path, 'utf8')) as Record<string, unknown> | null;
  if (doc === null || typeof doc !== 'object') return {};
  const out: Partial_ = {};
  const str = (k: string) => (typeof doc[k] === 'string' || typeof doc[k] === 'number' ? String(doc[k]) : undefined);
  const set = <K extends keyof Partial_>(key: K, value: Partial_[K] | undefined) => {
    if (value !== undefined) out[key] = value;
  };
  set('pgListen', str('pgListen'));
  set('pgUpstream', str('pgUpstream'));
  set('mysqlListen', str('mysqlListen'));
  set('mysqlUpstream', str('mysqlUpstream'));
  set('dataDir', str('dataDir'));
  set('pgEngineVersion', str('pgEngineVersion'));
  set('region', str('region'));
  set('accountId', str('accountId'));
  set('logLevel', str('logLevel'));
  set('mysqlEngineVersion', str('mysqlEngineVersion'));
  set('apiListen', str('apiListen'));
  set('controlPreset', preset(str('controlPreset')));
  set('associationDelayMs', str('associationDelayMs') === undefined ? undefined : milliseconds(str('associationDelayMs') ?? ''));
  set('pgClusterId', str('pgClusterId'));
  set('mysqlClusterId', str('mysqlClusterId'));
  if (Array.isArray(doc.apiCredentials)) out.apiCredentials = doc.apiCredentials as EmulatorConfig['apiCredentials'];
  if (typeof doc.strict === 'boolean') out.strict = doc.strict;
  if (typeof doc.gate === 'boolean') out.gate = doc.gate;
  const sm = doc.sagemaker as { endpoints?: Record<string, SageMakerEndpointConfig> } | undefined;
  if (sm?.endpoints) out.sagemakerEndpoints = sm.endpoints;
  if (typeof doc.backends === 'object' && doc.backends !== null) out.backends = doc.backends as ComposeConfig;
  return out;
}

function fromEnv(env: NodeJS.ProcessEnv): Partial_ {
  const out: Partial_ = {};
  if (env.AURORA_ML_PG_LISTEN) out.pgListen = env.AURORA_ML_PG_LISTEN;
  if (env.AURORA_ML_PG_UPSTREAM) out.pgUpstream = env.AURORA_ML_PG_UPSTREAM;
  if (env.AURORA_ML_MYSQL_LISTEN) out.mysqlListen = env.AURORA_ML_MYSQL_LISTEN;
  if (env.AURORA_ML_MYSQL_UPSTREAM) out.mysqlUpstream = env.AURORA_ML_MYSQL_UPSTREAM;
  if (env.AURORA_ML_DATA_DIR) out.dataDir = env.AURORA_ML_DATA_DIR;
  if (env.AURORA_ML_STRICT) out.strict = env.AURORA_ML_STRICT === '1' || env.AURORA_ML_STRICT === 'true';
  if (env.AURORA_ML_PG_ENGINE_VERSION) out.pgEngineVersion = env.AURORA_ML_PG_ENGINE_VERSION;
  if (env.AURORA_ML_LOG_LEVEL) out.logLevel = env.AURORA_ML_LOG_LEVEL;
  if (env.AURORA_ML_API_LISTEN) out.apiListen = env.AURORA_ML_API_LISTEN;
  if (env.AURORA_ML_CONTROL_PRESET) out.controlPreset = preset(env.AURORA_ML_CONTROL_PRESET);
  if (env.AURORA_ML_MYSQL_ENGINE_VERSION) out.mysqlEngineVersion = env.AURORA_ML_MYSQL_ENGINE_VERSION;
  return out;
}

function preset(value: string | undefined): EmulatorConfig['controlPreset'] | undefined {
  if (value === undefined) return undefined;
  if (value !== 'demo' && value !== 'bare') throw new Error(`control preset must be demo or bare, got "${value}"`);
  return value;
}

function milliseconds(value: string): number {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new Error(`expected a number of milliseconds, got "${value}"`);
  return ms;
}

export function loadConfig(argv: readonly string[], env: NodeJS.ProcessEnv): EmulatorConfig & { help: boolean } {
  const { values } = parseArgs({ args: [...argv], options: FLAGS, strict: true, allowPositionals: false });
  const file = values.config ?? env.AURORA_ML_CONFIG;
  const flags: Partial_ = {};
  if (values['pg-listen'] !== undefined) flags.pgListen = values['pg-listen'];
  if (values['pg-upstream'] !== undefined) flags.pgUpstream = values['pg-upstream'];
  if (values['mysql-listen'] !== undefined) flags.mysqlListen = values['mysql-listen'];
  if (values['mysql-upstream'] !== undefined) flags.mysqlUpstream = values['mysql-upstream'];
  if (values['data-dir'] !== undefined) flags.dataDir = values['data-dir'];
  if (values.strict !== undefined) flags.strict = values.strict;
  if (values['pg-engine-version'] !== undefined) flags.pgEngineVersion = values['pg-engine-version'];
  if (values['log-level'] !== undefined) flags.logLevel = values['log-level'];
  if (values['mysql-engine-version'] !== undefined) flags.mysqlEngineVersion = values['mysql-engine-version'];
  if (values['api-listen'] !== undefined) flags.apiListen = values['api-listen'];
  if (values['control-preset'] !== undefined) flags.controlPreset = preset(values['control-preset']);
  if (values['association-delay-ms'] !== undefined) flags.associationDelayMs = milliseconds(values['association-delay-ms']);
  const config = { ...defaults, ...(file ? fromFile(file) : {}), ...fromEnv(env), ...flags, help: values.help ?? false };
  // Checked here, so a malformed one stops the start with advice instead of an error that prints it.
  if (config.pgUpstream !== undefined) parseUpstreamUrl('the PostgreSQL upstream (--pg-upstream)', config.pgUpstream);
  if (config.mysqlUpstream !== undefined) parseUpstreamUrl('the MySQL upstream (--mysql-upstream)', config.mysqlUpstream);
  return config;
}

export function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  if (i < 0) throw new Error(`expected HOST:PORT, got "${value}"`);
  const port = Number(value.slice(i + 1));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`invalid port in "${value}"`);
  return { host: value.slice(0, i).replace(/^\[|\]$/g, ''), port };
}
