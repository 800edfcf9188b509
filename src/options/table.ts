/**
 * The one definition of the emulator's options: for each, its flag, its
 * environment variable, its config-file key, its default, its check and its
 * help text. The flag parser, the environment and config-file readers, the
 * defaults, `--help` and the README's options table (test/readme-options.test.ts
 * holds it to this table) are all made from it. The order here is the order of
 * `--help` and of the README.
 */
import type { ComposeConfig } from '../backends/compose.ts';
import type { EndpointConfig as SageMakerEndpointConfig } from '../backends/sagemaker/router.ts';
import type { EmulatorConfig } from '../config.ts';
import {
  type Check,
  connectionCount,
  credentials,
  listenAddress,
  mapping,
  matching,
  milliseconds,
  oneOf,
  onOff,
  upstreamUrl,
} from './checks.ts';

export type OptionKey = keyof EmulatorConfig;

/** What --help and the README say about a setting; shared by the options and by --config itself. */
export interface OptionDocs {
  /** The command-line flag without its dashes; absent: config file only. */
  readonly flag?: string;
  /** The flag's argument as --help names it (`HOST:PORT`); absent: the flag is an on/off switch. */
  readonly arg?: string;
  readonly env?: string;
  /** The YAML key, dotted for a nested one (`sagemaker.endpoints`); absent: not settable in the file. */
  readonly configKey?: string;
  /** How the docs describe the default, when the value alone would not say what it means. */
  readonly defaultText?: string;
  readonly help: string;
}

export interface OptionSpec<T> extends OptionDocs {
  readonly default: T;
  readonly check: Check<T>;
  /** A relative path in the config file resolves against the file's folder. */
  readonly isPath?: boolean;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const CONTROL_PRESETS = ['demo', 'bare'] as const;

const nonEmpty = matching(/./, 'a non-empty value');

/** --config / AURORA_ML_CONFIG: where the other options may come from, so not an option of its own. */
export const CONFIG_FILE = {
  flag: 'config',
  arg: 'FILE',
  env: 'AURORA_ML_CONFIG',
  defaultText: 'none',
  help: 'YAML config file; relative paths in it resolve against its folder',
} as const satisfies OptionDocs;

export const HELP = { flag: 'help', short: 'h', help: 'print this list and exit' } as const;

export const OPTIONS = {
  pgListen: {
    flag: 'pg-listen',
    arg: 'HOST:PORT',
    env: 'AURORA_ML_PG_LISTEN',
    configKey: 'pgListen',
    default: '127.0.0.1:5433',
    check: listenAddress,
    help: 'the PostgreSQL front; port 0 picks a free one',
  },
  pgUpstream: {
    flag: 'pg-upstream',
    arg: 'URL',
    env: 'AURORA_ML_PG_UPSTREAM',
    configKey: 'pgUpstream',
    default: undefined,
    defaultText: 'an embedded PostgreSQL 16',
    check: upstreamUrl(['postgres:', 'postgresql:'], 'postgres://user:password@host:5432/database'),
    help: 'the real PostgreSQL behind it, postgres://...',
  },
  mysqlListen: {
    flag: 'mysql-listen',
    arg: 'HOST:PORT',
    env: 'AURORA_ML_MYSQL_LISTEN',
    configKey: 'mysqlListen',
    default: '127.0.0.1:3307',
    check: listenAddress,
    help: 'the MySQL front; port 0 picks a free one',
  },
  mysqlUpstream: {
    flag: 'mysql-upstream',
    arg: 'URL',
    env: 'AURORA_ML_MYSQL_UPSTREAM',
    configKey: 'mysqlUpstream',
    default: undefined,
    defaultText: 'none: the MySQL front stays off',
    check: upstreamUrl(['mysql:', 'mariadb:'], 'mysql://user:password@host:3306/database'),
    help: 'the real MySQL/MariaDB behind it, mysql://...',
  },
  dataDir: {
    flag: 'data-dir',
    arg: 'DIR',
    env: 'AURORA_ML_DATA_DIR',
    configKey: 'dataDir',
    default: '.aurora-ml',
    check: nonEmpty,
    isPath: true,
    help: "the embedded PostgreSQL's data, in DIR/postgres",
  },
  strict: {
    flag: 'strict',
    env: 'AURORA_ML_STRICT',
    configKey: 'strict',
    default: false,
    check: onOff,
    help: 'reject seed extensions as real Aurora does',
  },
  pgEngineVersion: {
    flag: 'pg-engine-version',
    arg: 'V',
    env: 'AURORA_ML_PG_ENGINE_VERSION',
    configKey: 'pgEngineVersion',
    default: '16.6',
    check: matching(/^\d+(\.\d+)*$/, 'an Aurora PostgreSQL version such as 16.6'),
    help: 'the emulated Aurora PostgreSQL version; decides the aws_ml version',
  },
  mysqlEngineVersion: {
    flag: 'mysql-engine-version',
    arg: 'V',
    env: 'AURORA_ML_MYSQL_ENGINE_VERSION',
    configKey: 'mysqlEngineVersion',
    default: '8.0.mysql_aurora.3.08.0',
    check: matching(
      /^(5\.7|8\.0)\.mysql_aurora\.\d+\.\d+\.\d+$/,
      'an Aurora MySQL version such as 8.0.mysql_aurora.3.08.0 or 5.7.mysql_aurora.2.11.2',
    ),
    help: 'the emulated Aurora MySQL version: 2.x grants INVOKE, 3.x the AWS_*_ACCESS roles',
  },
  apiListen: {
    flag: 'api-listen',
    arg: 'HOST:PORT',
    env: 'AURORA_ML_API_LISTEN',
    configKey: 'apiListen',
    default: '127.0.0.1:4599',
    check: listenAddress,
    help: 'the AWS-compatible APIs and the /ui dashboard; port 0 picks a free one',
  },
  controlPreset: {
    flag: 'control-preset',
    arg: CONTROL_PRESETS.join('|'),
    env: 'AURORA_ML_CONTROL_PRESET',
    configKey: 'controlPreset',
    default: 'demo',
    check: oneOf(CONTROL_PRESETS),
    help: "the control plane's start: demo is fully wired, bare has no role and no association",
  },
  controlReset: {
    flag: 'control-reset',
    default: false,
    defaultText: 'off: the stored control-plane state is kept',
    check: onOff,
    help: "put the preset's roles, associations and parameters back over the stored control-plane state (it survives restarts); databases are not touched",
  },
  associationDelayMs: {
    flag: 'association-delay-ms',
    arg: 'N',
    configKey: 'associationDelayMs',
    default: 0,
    check: milliseconds,
    help: 'how many milliseconds AddRoleToDBCluster stays PENDING before it turns ACTIVE',
  },
  logLevel: {
    flag: 'log-level',
    arg: 'LEVEL',
    env: 'AURORA_ML_LOG_LEVEL',
    configKey: 'logLevel',
    default: 'info',
    check: oneOf(LOG_LEVELS),
    help: `one of ${LOG_LEVELS.join(', ')}; debug and trace also print stack traces, LOG_FORMAT=json forces JSON logs`,
  },
  uiPoolSize: {
    flag: 'ui-pool-size',
    arg: 'N',
    env: 'AURORA_ML_UI_POOL_SIZE',
    configKey: 'uiPoolSize',
    default: 10,
    check: connectionCount,
    help: "the application's connection pool size, a line in the dashboard's Connections view",
  },
  region: {
    configKey: 'region',
    default: 'us-east-1',
    check: matching(/^[a-z]{2}(-[a-z]+)+-\d+$/, 'an AWS region such as us-east-1'),
    help: 'the AWS region in the emulated ARNs and APIs',
  },
  accountId: {
    configKey: 'accountId',
    default: '123456789012',
    check: matching(/^\d{12}$/, 'a 12-digit AWS account id'),
    help: 'the AWS account id in the emulated ARNs',
  },
  pgClusterId: {
    configKey: 'pgClusterId',
    default: 'aurora-ml-postgres',
    check: nonEmpty,
    help: 'the identifier of the emulated cluster behind the PostgreSQL front',
  },
  mysqlClusterId: {
    configKey: 'mysqlClusterId',
    default: 'aurora-ml-mysql',
    check: nonEmpty,
    help: 'the identifier of the emulated cluster behind the MySQL front',
  },
  gate: {
    configKey: 'gate',
    default: true,
    check: onOff,
    help: "false lets every ML call through without the control plane's checks (to time them)",
  },
  apiCredentials: {
    configKey: 'apiCredentials',
    default: [],
    defaultText: 'none: any credentials are accepted',
    check: credentials,
    help: 'a list of { accessKeyId, secretAccessKey, roleName } the API verifies SigV4 signatures against; the role decides what the caller may do on the ML service APIs',
  },
  backends: {
    configKey: 'backends',
    default: undefined,
    defaultText: 'the built-in backends, no added latency',
    check: mapping<ComposeConfig>,
    help: 'backend kinds, latency, capacity, faults, record/replay; see src/backends/compose.ts',
  },
  sagemakerEndpoints: {
    configKey: 'sagemaker.endpoints',
    default: {},
    defaultText: 'none',
    check: mapping<Readonly<Record<string, SageMakerEndpointConfig>>>,
    help: 'SageMaker endpoints by name, each { kind: container, url } or { kind: module, path }',
  },
} as const satisfies { readonly [K in OptionKey]: OptionSpec<EmulatorConfig[K]> };

/** The options as a list, in the table's order, each with its key. */
export const OPTION_LIST: readonly (OptionSpec<unknown> & { readonly key: OptionKey })[] = (
  Object.keys(OPTIONS) as OptionKey[]
).map((key) => ({ key, ...OPTIONS[key] }));

export function isOptionKey(key: string): key is OptionKey {
  return Object.hasOwn(OPTIONS, key);
}
