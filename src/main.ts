/**
 * Composition root: builds the backends, the evaluator, the authorization
 * point and the protocol fronts from one config, and tears them down again.
 */
import type { Logger } from 'pino';
import { type ApiServer, startApiServer } from './api/server.ts';
import type { RoleParameters } from './aurora/mysql/emulated-variables.ts';
import { MySqlAuroraHandler } from './aurora/mysql/handler.ts';
import { PgAuroraHandler } from './aurora/pg/handler.ts';
import { composeBackends } from './backends/compose.ts';
import { backendFactories } from './backends/factories.ts';
import type { BackendControls } from './backends/middleware/controls.ts';
import type { BackendSelection } from './backends/selection.ts';
import { defaults, type EmulatorConfig, parseHostPort } from './config.ts';
import { allowAll } from './control/authorize.ts';
import { ControlGate, type Denial } from './control/gate.ts';
import type { ControlState } from './control/model.ts';
import { privilegeModel } from './control/mysql-privileges.ts';
import { openPgStateStore } from './control/pg-state-store.ts';
import { controlStateFor } from './control/presets.ts';
import { MemoryStateStore, type StateStore } from './control/store.ts';
import { createLogger } from './log.ts';
import { MlEvaluator } from './ml/evaluator.ts';
import { MlStats } from './ml/stats.ts';
import { Observer } from './observe/observer.ts';
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
  /** The AWS-compatible RDS and IAM APIs (endpoint URL for the SDKs and the AWS CLI). */
  readonly api: { readonly host: string; readonly port: number; readonly url: string };
  /** The backends' latency, capacity and faults, changeable while running (also PATCH /_aurora-ml/backends). */
  readonly backendControls: BackendControls;
  /**
   * Which backend serves what, switchable while running (also PUT and DELETE
   * under /_aurora-ml/backends/). Each method takes the spec the config takes
   * at the same place and throws EmulatorError InvalidArgument, changing
   * nothing, when the spec is bad; calls already running finish on the old
   * backend, which is then closed.
   *
   *   emulator.backends.setComprehend({ kind: 'rules', rulesFile: '/tmp/rules.yaml' });
   *   emulator.backends.setEndpoint('churn', { kind: 'container', url: 'http://127.0.0.1:8080' });
   *   emulator.backends.removeEndpoint('churn');
   *   emulator.backends.setBedrockModel('amazon.titan-text*', { kind: 'rules', rulesFile: '/tmp/rules.yaml' });
   *   emulator.backends.removeBedrockModel('amazon.titan-text*');
   *   emulator.backends.setBedrock({ kind: 'openai', baseUrl: 'http://127.0.0.1:11434/v1' });
   *   emulator.backends.snapshot();
   */
  readonly backends: BackendSelection;
  /** The emulated control plane: its state (shared through the upstream database) and the gate's last denials. */
  readonly control: { readonly store: StateStore; readonly gate: ControlGate };
  /** Every backend call: recorded, counted for /metrics, and queryable from tests. */
  readonly observer: Observer;
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
  const user = decodeURIComponent(upstream.username || 'postgres');
  const mysqlUser =
    config.mysqlUpstream === undefined ? undefined : decodeURIComponent(new URL(config.mysqlUpstream).username || 'root');
  const initial = (): ControlState =>
    controlStateFor(config.controlPreset, {
      accountId: config.accountId,
      region: config.region,
      postgres: { identifier: config.pgClusterId, engineVersion: config.pgEngineVersion },
      mysql: { identifier: config.mysqlClusterId, engineVersion: config.mysqlEngineVersion },
    });
  let store: StateStore;
  try {
    store = await openPgStateStore({
      url: upstreamUrl,
      initial,
      // A cluster the config names that the stored state lacks joins it, as the preset has it.
      reconcile: (state) => {
        const preset = initial();
        let changed = false;
        for (const id of [config.pgClusterId, config.mysqlClusterId]) {
          const cluster = preset.clusters[id];
          if (state.clusters[id] === undefined && cluster !== undefined) {
            state.clusters[id] = cluster;
            changed = true;
          }
        }
        return changed;
      },
      log,
    });
  } catch (err) {
    // The fronts still start (clients get the upstream's error); the control plane lives in memory meanwhile.
    log.warn({ err }, 'control-plane state kept in memory: the upstream database did not answer');
    store = new MemoryStateStore(initial());
  }
  const gate = new ControlGate({
    store,
    clusters: { postgres: config.pgClusterId, mysql: config.mysqlClusterId },
    propagationDelayMs: config.associationDelayMs,
    masterUsers: { postgres: user, mysql: mysqlUser },
    log,
  });
  const stats = new MlStats();
  const observer = new Observer({ stats, logger: log });
  const composed = composeBackends(config.backends ?? {}, {
    stats,
    accountId: config.accountId,
    region: config.region,
    sagemakerEndpoints: config.sagemakerEndpoints,
    factories: backendFactories(),
    logger: log,
  });
  // The observer is the outermost layer, so injected faults and latency show in the call log.
  const backends = observer.wrap(composed.backends, {
    originOf: (ctx) => ctx.caller && { front: ctx.caller.front, connectionId: ctx.caller.connectionId },
  });
  const evaluator = new MlEvaluator(backends, config.gate ? gate : allowAll, stats);
  const cleanups: (() => Promise<void>)[] = [() => store.close(), async () => embedded?.stop(), () => composed.close()];
  const unwind = async () => {
    for (const step of cleanups.reverse()) await step().catch(() => {});
  };
  const apiListen = parseHostPort(config.apiListen);
  let api: ApiServer;
  try {
    api = await startApiServer({
      host: apiListen.host,
      port: apiListen.port,
      store,
      log,
      propagationDelayMs: config.associationDelayMs,
      observe: observer,
      controls: composed.controls,
      selection: composed.selection,
      // The service APIs' calls are logged too, without SQL's retries.
      backends: observer.wrap(composed.apiBackends),
      ...(config.apiCredentials.length > 0 ? { credentials: config.apiCredentials } : {}),
    });
  } catch (err) {
    await unwind();
    throw err;
  }
  cleanups.push(() => api.close());
  const listen = parseHostPort(config.pgListen);
  let front: PgFront;
  try {
    front = await startPgFront({
      host: listen.host,
      port: listen.port,
      upstream: { host: upstream.hostname || '127.0.0.1', port: Number(upstream.port || 5432) },
      handler: forgetDenialsOfEndedSessions(
        new PgAuroraHandler({
          evaluator,
          engineVersion: config.pgEngineVersion,
          strict: config.strict,
          log,
          lastDenial: (pid) => describeDenial(gate.lastDenial('postgres', pid)),
        }),
        gate,
      ),
      log,
    });
  } catch (err) {
    await unwind();
    throw err;
  }
  cleanups.push(() => front.close());
  let mysqlFront: MySqlFront | null = null;
  if (config.mysqlUpstream !== undefined) {
    const mysqlUpstream = new URL(config.mysqlUpstream);
    const mysqlListen = parseHostPort(config.mysqlListen);
    try {
      mysqlFront = await startMySqlFront({
        host: mysqlListen.host,
        port: mysqlListen.port,
        upstream: { host: mysqlUpstream.hostname || '127.0.0.1', port: Number(mysqlUpstream.port || 3306) },
        handler: forgetMysqlDenialsOfEndedSessions(
          new MySqlAuroraHandler({
            evaluator,
            strict: config.strict,
            log,
            roleParameters: () => roleParametersInEffect(store.current(), config.mysqlClusterId),
            privileges: { store, clusterId: config.mysqlClusterId, model: privilegeModel(config.mysqlEngineVersion) },
            lastDenial: (id) => describeDenial(gate.lastDenial('mysql', id)),
            ...(mysqlUser === undefined ? {} : { masterUser: mysqlUser }),
          }),
          gate,
        ),
        log,
      });
    } catch (err) {
      await unwind();
      throw err;
    }
    const started = mysqlFront;
    cleanups.push(() => started.close());
  }
  dropSessionsOnReboot(store, { [config.pgClusterId]: front, [config.mysqlClusterId]: mysqlFront }, log);
  const database = upstream.pathname.replace(/^\//, '') || 'postgres';
  const close = unwind;
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
    api: { host: api.host, port: api.port, url: api.url },
    control: { store, gate },
    observer,
    backendControls: composed.controls,
    backends: composed.selection,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/**
 * A connection's last denial belongs to its session only: PostgreSQL reuses
 * backend process ids, and MySQL's COM_CHANGE_USER and COM_RESET_CONNECTION
 * start another session on the same connection id. So a denial is forgotten
 * when its session ends, and (PostgreSQL) before a session with that id starts.
 */
function forgetDenialsOfEndedSessions(handler: PgAuroraHandler, gate: ControlGate): PgAuroraHandler {
  const ready = handler.onSessionReady.bind(handler);
  const end = handler.onSessionEnd.bind(handler);
  handler.onSessionReady = (up) => {
    gate.forget('postgres', up.session.processId);
    return ready(up);
  };
  handler.onSessionEnd = (session) => {
    end(session);
    gate.forget('postgres', session.processId);
  };
  return handler;
}

function forgetMysqlDenialsOfEndedSessions(handler: MySqlAuroraHandler, gate: ControlGate): MySqlAuroraHandler {
  const reset = handler.onSessionReset?.bind(handler);
  const end = handler.onSessionEnd?.bind(handler);
  handler.onSessionReset = (session) => {
    reset?.(session);
    gate.forget('mysql', session.connectionId);
  };
  handler.onSessionEnd = (session) => {
    end?.(session);
    gate.forget('mysql', session.connectionId);
  };
  return handler;
}

/** A denial as SQL shows it: when, which step, which call, and why. */
function describeDenial(denial: Denial | undefined): string | null {
  if (denial === undefined) return null;
  return `${new Date(denial.at).toISOString()} ${denial.step}: ${denial.fn}(${denial.resource}): ${denial.message}`;
}

/** The aws_default_*_role parameters in effect on the MySQL cluster (SHOW GLOBAL VARIABLES shows them). */
function roleParametersInEffect(state: ControlState, clusterId: string): RoleParameters {
  const parameters = state.clusters[clusterId]?.parameters ?? {};
  const value = (name: string) => parameters[name]?.value ?? '';
  return {
    aws_default_comprehend_role: value('aws_default_comprehend_role'),
    aws_default_sagemaker_role: value('aws_default_sagemaker_role'),
    aws_default_bedrock_role: value('aws_default_bedrock_role'),
  };
}

/** A reboot of a cluster's writer drops every client connection of its front, as a real reboot does. */
function dropSessionsOnReboot(
  store: StateStore,
  fronts: Readonly<Record<string, { dropSessions(): void } | null>>,
  log: Logger,
): void {
  const lastReboot = new Map(Object.entries(store.current().clusters).map(([id, c]) => [id, c.lastRebootAt]));
  store.onChange((state) => {
    for (const [id, cluster] of Object.entries(state.clusters)) {
      if (cluster.lastRebootAt <= (lastReboot.get(id) ?? 0)) continue;
      lastReboot.set(id, cluster.lastRebootAt);
      log.info({ cluster: id }, 'writer rebooted: dropping client connections');
      fronts[id]?.dropSessions();
    }
  });
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
