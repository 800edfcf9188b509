/**
 * Composition root: builds the backends, the evaluator, the authorization
 * point and the protocol fronts from one config, and tears them down again.
 * What it returns, and the options it takes, are described in ./emulator.ts.
 */
import type { Logger } from 'pino';
import { type ApiServer, startApiServer } from './api/server.ts';
import { MySqlAuroraHandler } from './aurora/mysql/handler.ts';
import { PgAuroraHandler } from './aurora/pg/handler.ts';
import { composeBackends } from './backends/compose.ts';
import { backendFactories } from './backends/factories.ts';
import { checkOption, defaults, type EmulatorConfig, parseHostPort } from './config.ts';
import { allowAll } from './control/authorize.ts';
import { ControlGate } from './control/gate.ts';
import type { ControlState } from './control/model.ts';
import { privilegeModel } from './control/mysql-privileges.ts';
import { openPgStateStore } from './control/pg-state-store.ts';
import { describeDifferences, resetTo } from './control/preset-diff.ts';
import { controlStateFor } from './control/presets.ts';
import { MemoryStateStore, type StateStore } from './control/store.ts';
import {
  describeDenial,
  dropSessionsOnReboot,
  forgetDenialsOfEndedSessions,
  forgetMysqlDenialsOfEndedSessions,
  roleParametersInEffect,
} from './control-hooks.ts';
import type { Emulator, EmulatorOptions } from './emulator.ts';
import { EmulatorError } from './errors.ts';
import { createLogger } from './log.ts';
import { MlEvaluator } from './ml/evaluator.ts';
import { MlStats } from './ml/stats.ts';
import { Dashboard } from './observe/dashboard.ts';
import { Observer } from './observe/observer.ts';
import { mysqlMaxConnections, pgMaxConnections } from './observe/upstream-limits.ts';
import { checkPortsFree, listenError } from './port-check.ts';
import { type OptionNames, optionKeyNames, usageError } from './startup-errors.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from './upstream/embedded/index.ts';
import { checkMySqlUpstream, checkPgUpstream } from './upstream-check.ts';
import { type MySqlFront, startMySqlFront } from './wire/mysql/server.ts';
import { type PgFront, startPgFront } from './wire/pg/server.ts';

export type { Emulator, EmulatorOptions } from './emulator.ts';

/**
 * Starts the emulator. Use port 0 in `pgListen` (e.g. '127.0.0.1:0') for a
 * free port, and `await using emu = await startEmulator({...})` to stop it.
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  const names = options.optionNames ?? optionKeyNames;
  const config = checkedConfig(options, names);
  const log = options.logger ?? createLogger(config.logLevel);
  const stats = new MlStats();
  // Built first: a bad backends section is a usage error, found before anything starts.
  const composed = composeOrExplain(config, stats, log, names);
  try {
    await checkPortsFree([
      { name: names('pgListen'), value: config.pgListen },
      { name: names('apiListen'), value: config.apiListen },
      ...(config.mysqlUpstream === undefined ? [] : [{ name: names('mysqlListen'), value: config.mysqlListen }]),
    ]);
    if (options.checkUpstreams) {
      if (config.pgUpstream !== undefined) await checkPgUpstream(config.pgUpstream, names('pgUpstream'));
      if (config.mysqlUpstream !== undefined) await checkMySqlUpstream(config.mysqlUpstream, names('mysqlUpstream'));
    }
  } catch (err) {
    await composed.close().catch(() => {});
    throw err;
  }
  let embedded: EmbeddedPostgres | null = null;
  let upstreamUrl = config.pgUpstream;
  if (upstreamUrl === undefined) {
    try {
      embedded = await startEmbeddedPostgres({ dataDir: `${config.dataDir}/postgres`, logger: log });
    } catch (err) {
      await composed.close().catch(() => {});
      throw err;
    }
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
      reset: config.controlReset,
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
  const observer = new Observer({ stats, logger: log });
  // The observer is the outermost layer, so injected faults and latency show in the call log.
  const backends = observer.wrap(composed.backends, {
    originOf: (ctx) => ctx.caller && { front: ctx.caller.front, connectionId: ctx.caller.connectionId },
  });
  const evaluator = new MlEvaluator(backends, config.gate ? gate : allowAll, stats, observer.statements);
  // The fronts start after the API server: the dashboard reads them once they exist.
  let fronts: { postgres: PgFront | null; mysql: MySqlFront | null } = { postgres: null, mysql: null };
  const mysqlUpstreamUrl = config.mysqlUpstream;
  const dashboard = new Dashboard({
    statements: observer.statements,
    calls: observer.log,
    onCall: (listener) => observer.onCall(listener),
    stats,
    fronts: {
      postgres: { connections: () => fronts.postgres?.connections() ?? 0, maxConnections: () => pgMaxConnections(upstreamUrl) },
      mysql:
        mysqlUpstreamUrl === undefined
          ? null
          : { connections: () => fronts.mysql?.connections() ?? 0, maxConnections: () => mysqlMaxConnections(mysqlUpstreamUrl) },
    },
    poolSize: config.uiPoolSize,
    switches: () => {
      const clusters = store.current().clusters;
      const of = (id: string) => {
        const cluster = clusters[id];
        return cluster === undefined
          ? null
          : { parameterGroup: cluster.parameterGroupName, auroraMl: cluster.parameters.aurora_ml?.value !== '0' };
      };
      return { postgres: of(config.pgClusterId), mysql: config.mysqlUpstream === undefined ? null : of(config.mysqlClusterId) };
    },
  });
  // Undone last first: the store's connection closes before the embedded PostgreSQL stops (else its
  // "terminating connection" reaches the log as a warning on every Ctrl-C).
  const cleanups: (() => Promise<void>)[] = [async () => embedded?.stop(), () => store.close(), () => composed.close()];
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
      resetControl: async () => {
        const undone = describeDifferences(store.current(), initial(), Number.POSITIVE_INFINITY);
        await store.update((draft) => resetTo(draft, initial()));
        return { preset: config.controlPreset, undone };
      },
      // The service APIs' calls are logged too, without SQL's retries.
      backends: observer.wrap(composed.apiBackends),
      dashboard,
      ...(config.apiCredentials.length > 0 ? { credentials: config.apiCredentials } : {}),
    });
  } catch (err) {
    await unwind();
    throw listenError(err, names('apiListen'), config.apiListen);
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
    throw listenError(err, names('pgListen'), config.pgListen);
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
      throw listenError(err, names('mysqlListen'), config.mysqlListen);
    }
    const started = mysqlFront;
    cleanups.push(() => started.close());
  }
  fronts = { postgres: front, mysql: mysqlFront };
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
    control: {
      store,
      gate,
      preset: config.controlPreset,
      differencesFromPreset: () => describeDifferences(store.current(), initial()),
      resetToPreset: () => store.update((draft) => resetTo(draft, initial())),
    },
    observer,
    statements: observer.statements,
    dashboard,
    backendControls: composed.controls,
    backends: composed.selection,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The defaults with the given options, each checked as loadConfig checks it, so library callers get the same errors. */
function checkedConfig(options: EmulatorOptions, names: OptionNames): EmulatorConfig {
  const given = Object.entries(options).filter(([k, v]) => v !== undefined && k in defaults);
  return { ...defaults, ...Object.fromEntries(given.map(([k, v]) => [k, checkOption(k, v, names(k))])) } as EmulatorConfig;
}

/** The backends, or a usage error naming the config key when their config is wrong. */
function composeOrExplain(config: EmulatorConfig, stats: MlStats, log: Logger, names: OptionNames) {
  try {
    return composeBackends(config.backends ?? {}, {
      stats,
      accountId: config.accountId,
      region: config.region,
      sagemakerEndpoints: config.sagemakerEndpoints,
      factories: backendFactories(),
      logger: log,
    });
  } catch (err) {
    if (!(err instanceof EmulatorError) || err.code !== 'InvalidArgument') throw err;
    const message = err.message.replace(/^backends config: /, '');
    const where = config.backends === undefined ? names('sagemakerEndpoints') : names('backends');
    throw usageError(`${where}: ${message}`, { cause: err });
  }
}

/** The upstream's user and database, at the front's address. */
function mysqlUrl(upstreamUrl: string, front: { host: string; port: number }): string {
  const upstream = new URL(upstreamUrl);
  const user = upstream.username || 'root';
  return `mysql://${user}@${front.host}:${front.port}${upstream.pathname}`;
}
