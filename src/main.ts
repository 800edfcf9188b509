/**
 * Composition root: builds the backends, the evaluator, the authorization
 * point and the protocol fronts from one config, and tears them down again.
 */
import type { Logger } from 'pino';
import { MySqlAuroraHandler } from './aurora/mysql/handler.ts';
import { PgAuroraHandler } from './aurora/pg/handler.ts';
import { BuiltinBedrockBackend } from './backends/bedrock/builtin.ts';
import { BuiltinComprehendBackend } from './backends/comprehend/builtin.ts';
import { SageMakerRouter } from './backends/sagemaker/router.ts';
import { defaults, type EmulatorConfig, parseHostPort } from './config.ts';
import { allowAll } from './control/authorize.ts';
import { createLogger } from './log.ts';
import { MlEvaluator } from './ml/evaluator.ts';
import { MlStats } from './ml/stats.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './upstream/embedded/index.ts';
import { type MySqlFront, startMySqlFront } from './wire/mysql/server.ts';
import { type PgFront, startPgFront } from './wire/pg/server.ts';

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** A logger of your own; by default pino at `logLevel` (tests pass 'silent'). */
  readonly logger?: Logger;
}

export interface Emulator extends AsyncDisposable {
  readonly postgres: {
    readonly host: string;
    readonly port: number;
    /** Connection string for clients, e.g. postgres://postgres@127.0.0.1:5433/postgres */
    readonly url: string;
    /** The real database behind the front. */
    readonly upstreamUrl: string;
    readonly embedded: boolean;
  };
  /** The MySQL front, or null when no --mysql-upstream was given. */
  readonly mysql: {
    readonly host: string;
    readonly port: number;
    /** Connection string for clients, e.g. mysql://root@127.0.0.1:3307/test */
    readonly url: string;
    readonly upstreamUrl: string;
  } | null;
  /** Counters with the meanings of Aurora's Aurora_ml_* status variables. */
  readonly stats: MlStats;
  close(): Promise<void>;
}

/**
 * Starts the emulator. Use port 0 in `pgListen` (e.g. '127.0.0.1:0') for a
 * free port, and `await using emu = await startEmulator({...})` to stop it.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const config: EmulatorConfig = { ...defaults, ...stripUndefined(options) };
  const log = options.logger ?? createLogger(config.logLevel);
  let embedded: EmbeddedPostgres | null = null;
  let upstreamUrl = config.pgUpstream;
  if (upstreamUrl === undefined) {
    embedded = await startEmbeddedPostgres({ dataDir: `${config.dataDir}/postgres`, logger: log });
    upstreamUrl = embedded.url;
  }
  const upstream = new URL(upstreamUrl);
  const stats = new MlStats();
  const evaluator = new MlEvaluator(
    {
      comprehend: new BuiltinComprehendBackend(),
      sagemaker: new SageMakerRouter(config.sagemakerEndpoints, { accountId: config.accountId, region: config.region }),
      bedrock: new BuiltinBedrockBackend(),
    },
    allowAll,
    stats,
  );
  const listen = parseHostPort(config.pgListen);
  let front: PgFront;
  try {
    front = await startPgFront({
      host: listen.host,
      port: listen.port,
      upstream: { host: upstream.hostname || '127.0.0.1', port: Number(upstream.port || 5432) },
      handler: new PgAuroraHandler({ evaluator, engineVersion: config.pgEngineVersion, strict: config.strict, log }),
      log,
    });
  } catch (err) {
    await embedded?.stop();
    throw err;
  }
  let mysqlFront: MySqlFront | null = null;
  if (config.mysqlUpstream !== undefined) {
    const mysqlUpstream = new URL(config.mysqlUpstream);
    const mysqlListen = parseHostPort(config.mysqlListen);
    try {
      mysqlFront = await startMySqlFront({
        host: mysqlListen.host,
        port: mysqlListen.port,
        upstream: { host: mysqlUpstream.hostname || '127.0.0.1', port: Number(mysqlUpstream.port || 3306) },
        handler: new MySqlAuroraHandler({ evaluator, strict: config.strict, log }),
        log,
      });
    } catch (err) {
      await front.close();
      await embedded?.stop();
      throw err;
    }
  }
  const user = decodeURIComponent(upstream.username || 'postgres');
  const database = upstream.pathname.replace(/^\//, '') || 'postgres';
  const close = async () => {
    await mysqlFront?.close();
    await front.close();
    await embedded?.stop();
  };
  return {
    postgres: {
      host: front.host,
      port: front.port,
      url: `postgres://${encodeURIComponent(user)}@${front.host}:${front.port}/${database}`,
      upstreamUrl,
      embedded: embedded !== null,
    },
    mysql:
      mysqlFront === null || config.mysqlUpstream === undefined
        ? null
        : {
            host: mysqlFront.host,
            port: mysqlFront.port,
            url: mysqlUrl(config.mysqlUpstream, mysqlFront),
            upstreamUrl: config.mysqlUpstream,
          },
    stats,
    close,
    [Symbol.asyncDispose]: close,
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([k, v]) => v !== undefined && k !== 'logger')) as Partial<T>;
}

/** The upstream's user and database, at the front's address. */
function mysqlUrl(upstreamUrl: string, front: { host: string; port: number }): string {
  const upstream = new URL(upstreamUrl);
  const user = upstream.username || 'root';
  return `mysql://${user}@${front.host}:${front.port}${upstream.pathname}`;
}
