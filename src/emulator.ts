/**
 * What a library caller gets: the options startEmulator takes and the handle
 * it returns (addresses, counters, controls, and close). The contract, apart
 * from main.ts, which only builds it.
 */
import type { Logger } from 'pino';
import type { BackendControls } from './backends/middleware/controls.ts';
import type { BackendSelection } from './backends/selection.ts';
import type { EmulatorConfig } from './config.ts';
import type { ControlGate } from './control/gate.ts';
import type { StateStore } from './control/store.ts';
import type { MlStats } from './ml/stats.ts';
import type { Dashboard } from './observe/dashboard.ts';
import type { Observer } from './observe/observer.ts';
import type { OptionNames } from './startup-errors.ts';

export interface EmulatorOptions extends Partial<EmulatorConfig> {
  /** A logger of your own; by default pino at `logLevel` (tests pass 'silent'). */
  readonly logger?: Logger;
  /** How start-up errors name each option (the CLI names the flag, variable or config key that set it); default: its key here. */
  readonly optionNames?: OptionNames;
  /**
   * Log in to each upstream before starting, and throw a StartupError when
   * that fails (the CLI does). Off by default: the fronts then start anyway
   * and each client gets the upstream's error, which tests of that rely on.
   */
  readonly checkUpstreams?: boolean;
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
  /**
   * The emulated control plane: its state (shared through the upstream
   * database, so it survives restarts) and the gate's last denials; how the
   * state differs from the configured preset (empty when it is the preset's),
   * and a reset to the preset (--control-reset, POST /_aurora-ml/control/reset).
   */
  readonly control: {
    readonly store: StateStore;
    readonly gate: ControlGate;
    readonly preset: 'demo' | 'bare';
    differencesFromPreset(): string[];
    resetToPreset(): Promise<void>;
  };
  /** Every backend call: recorded, counted for /metrics, and queryable from tests. */
  readonly observer: Observer;
  /** The SQL statements that made ML calls, running and recent (the same as observer.statements). */
  readonly statements: Observer['statements'];
  /** The live dashboard (http://API/ui): its connection counts and event stream. */
  readonly dashboard: Dashboard;
  close(): Promise<void>;
}
