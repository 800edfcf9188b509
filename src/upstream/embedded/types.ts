/** The public shapes of the embedded server: what callers pass in and get back. */

export interface EmbeddedPostgresLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  /** Optional: routine server log lines go here when present, else to info. */
  debug?(o: object, msg?: string): void;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** 0 or undefined = pick a free loopback port. */
  port?: number;
  logger?: EmbeddedPostgresLogger;
  /** How long initdb + startup may take before giving up. Default 120 s. */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres extends AsyncDisposable {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** Absolute path of the cluster directory. */
  readonly dataDir: string;
  /** PID of the postmaster. */
  readonly pid: number;
  /** Settles when the server process has exited, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}
