/**
 * Where the control plane meets the fronts' sessions: denials forgotten when
 * a session ends, how a denial reads in SQL, the role parameters the MySQL
 * front shows, and client connections dropped when a writer reboots. The
 * composition root (main.ts) installs these.
 */
import type { Logger } from 'pino';
import type { RoleParameters } from './aurora/mysql/emulated-variables.ts';
import type { MySqlAuroraHandler } from './aurora/mysql/handler.ts';
import type { PgAuroraHandler } from './aurora/pg/handler.ts';
import type { ControlGate, Denial } from './control/gate.ts';
import type { ControlState } from './control/model.ts';
import type { StateStore } from './control/store.ts';

/**
 * A connection's last denial belongs to its session only: PostgreSQL reuses
 * backend process ids, and MySQL's COM_CHANGE_USER and COM_RESET_CONNECTION
 * start another session on the same connection id. So a denial is forgotten
 * when its session ends, and (PostgreSQL) before a session with that id starts.
 */
export function forgetDenialsOfEndedSessions(handler: PgAuroraHandler, gate: ControlGate): PgAuroraHandler {
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

export function forgetMysqlDenialsOfEndedSessions(handler: MySqlAuroraHandler, gate: ControlGate): MySqlAuroraHandler {
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
export function describeDenial(denial: Denial | undefined): string | null {
  if (denial === undefined) return null;
  return `${new Date(denial.at).toISOString()} ${denial.step}: ${denial.fn}(${denial.resource}): ${denial.message}`;
}

/** The aws_default_*_role parameters in effect on the MySQL cluster (SHOW GLOBAL VARIABLES shows them). */
export function roleParametersInEffect(state: ControlState, clusterId: string): RoleParameters {
  const parameters = state.clusters[clusterId]?.parameters ?? {};
  const value = (name: string) => parameters[name]?.value ?? '';
  return {
    aws_default_comprehend_role: value('aws_default_comprehend_role'),
    aws_default_sagemaker_role: value('aws_default_sagemaker_role'),
    aws_default_bedrock_role: value('aws_default_bedrock_role'),
  };
}

/** A reboot of a cluster's writer drops every client connection of its front, as a real reboot does. */
export function dropSessionsOnReboot(
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
