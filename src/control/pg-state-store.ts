/**
 * The control plane's state kept in the PostgreSQL upstream, in a schema the
 * emulator owns (`aurora_ml_control`), so that changes made through the API
 * survive restarts and every emulator process in front of the same database
 * sees them. One row holds the whole state as JSON text (kept as sent, so
 * policy documents come back byte for byte); updates lock the row, and a
 * NOTIFY tells the other processes to read it again (a slow poll covers a
 * missed notification).
 */
import pg from 'pg';
import type { Logger } from 'pino';
import type { ControlState } from './model.ts';
import type { StateStore } from './store.ts';

export const CONTROL_SCHEMA = 'aurora_ml_control';
/** How the store's connection names itself to the server (pg_stat_activity.application_name). */
export const CONTROL_PLANE_APPLICATION_NAME = 'aurora-ml-emulator control plane';
const TABLE = `${CONTROL_SCHEMA}.state`;
const CHANNEL = 'aurora_ml_control';
const ROW_ID = 1;
/** SQLSTATE 57P01: the server is shutting down (smart or fast shutdown). */
const ADMIN_SHUTDOWN = '57P01';
/**
 * The shape of the stored document. A document without the field predates
 * it and has the same shape; one from a newer emulator is refused rather
 * than misread (and then overwritten).
 */
export const STATE_FORMAT = 1;

export interface PgStateStoreOptions {
  /** postgres:// URL of the upstream database. */
  readonly url: string;
  /** The state to start from when the database has none yet. */
  readonly initial: () => ControlState;
  /** Brings a stored state up to the config (e.g. adds a cluster the config declares); returns whether it changed anything. */
  readonly reconcile?: (state: ControlState) => boolean;
  readonly log: Logger;
  /** How often to check for changes a missed NOTIFY did not announce. */
  readonly pollMs?: number;
  /** Replace whatever is stored with `initial()` (--control-reset), even a state this version cannot read. */
  readonly reset?: boolean;
}

export async function openPgStateStore(options: PgStateStoreOptions): Promise<StateStore> {
  const client = new pg.Client({ connectionString: options.url, application_name: CONTROL_PLANE_APPLICATION_NAME });
  await client.connect();
  try {
    await createTable(client);
    // A state nobody has changed yet (version 0) follows the preset of this
    // emulator version; a changed one is the user's and is kept.
    await client.query(
      `INSERT INTO ${TABLE} (id, version, doc) VALUES ($1, 0, $2)
       ON CONFLICT (id) DO UPDATE SET doc = EXCLUDED.doc WHERE ${TABLE}.version = 0`,
      [ROW_ID, JSON.stringify({ ...options.initial(), version: 0, formatVersion: STATE_FORMAT })],
    );
    if (options.reset) {
      // A new version, so every process in front of this database reloads it.
      await client.query(`UPDATE ${TABLE} SET version = version + 1, doc = $2 WHERE id = $1 AND version > 0`, [
        ROW_ID,
        JSON.stringify({ ...options.initial(), formatVersion: STATE_FORMAT }),
      ]);
      await client.query(`NOTIFY ${CHANNEL}`);
    }
    const store = new PgStateStore(client, await read(client), options);
    await store.start();
    return store;
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
}

/** Two processes starting at once may race to create the schema: the loser retries. */
async function createTable(client: pg.Client): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${CONTROL_SCHEMA}`);
      await client.query(`CREATE TABLE IF NOT EXISTS ${TABLE} (id int PRIMARY KEY, version bigint NOT NULL, doc text NOT NULL)`);
      return;
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (attempt >= 3 || (code !== '23505' && code !== '42P06' && code !== '42P07')) throw err;
    }
  }
}

async function read(client: pg.Client, lock = false): Promise<ControlState> {
  const result = await client.query<{ version: string; doc: string }>(
    `SELECT version, doc FROM ${TABLE} WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
    [ROW_ID],
  );
  const row = result.rows[0];
  if (row === undefined) throw new Error(`${TABLE} has no state row`);
  const state = JSON.parse(row.doc) as ControlState & { formatVersion?: number };
  const format = state.formatVersion ?? 1;
  if (format > STATE_FORMAT) {
    throw new Error(
      `the control-plane state in ${TABLE} was written by a newer aurora-ml-emulator (format ${format}; this one reads up to ${STATE_FORMAT}): upgrade, or start with --control-reset to replace it with the preset`,
    );
  }
  delete state.formatVersion;
  state.version = Number(row.version);
  return state;
}

class PgStateStore implements StateStore {
  private readonly listeners = new Set<(state: ControlState) => void>();
  /** Updates and reloads run one at a time on the one connection. */
  private queue: Promise<unknown> = Promise.resolve();
  private poll: NodeJS.Timeout | null = null;
  private closed = false;
  /**
   * The connection, or null once it failed (the upstream restarted, say):
   * the next update or reload connects again, so the API recovers on its own.
   */
  private client: pg.Client | null;

  constructor(
    client: pg.Client,
    private state: ControlState,
    private readonly options: PgStateStoreOptions,
  ) {
    this.client = client;
  }

  async start(): Promise<void> {
    await this.listen(this.client as pg.Client);
    if (this.options.reconcile) {
      const reconcile = this.options.reconcile;
      await this.update((s) => {
        if (!reconcile(s)) throw new Unchanged();
      }).catch((err) => {
        if (!(err instanceof Unchanged)) throw err;
      });
    }
    this.poll = setInterval(() => void this.reload(), this.options.pollMs ?? 2000);
    this.poll.unref();
  }

  /** Follows a connection: notifications reload, and its failure drops it for a fresh one. */
  private async listen(client: pg.Client): Promise<void> {
    client.on('notification', () => void this.reload());
    const lost = (err?: Error) => {
      if (this.client !== client) return;
      this.client = null;
      if (this.closed) return;
      if ((err as { code?: string } | undefined)?.code === ADMIN_SHUTDOWN) {
        // The server is stopping (a terminal's Ctrl-C reaches the embedded PostgreSQL too): expected, no warning.
        this.options.log.info('control-plane store: the upstream database is shutting down');
        return;
      }
      this.options.log.warn({ err }, 'control-plane store connection lost; it reconnects on next use');
    };
    client.on('error', lost);
    client.on('end', () => lost());
    await client.query(`LISTEN ${CHANNEL}`);
  }

  /** The live connection, made anew if the last one failed. */
  private async connection(): Promise<pg.Client> {
    if (this.client !== null) return this.client;
    const client = new pg.Client({ connectionString: this.options.url, application_name: CONTROL_PLANE_APPLICATION_NAME });
    client.on('error', () => {}); // until listen() follows it
    await client.connect();
    try {
      await this.listen(client);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    this.client = client;
    // Changes made while the connection was down announced nothing to it.
    const fresh = await read(client);
    if (fresh.version !== this.state.version) this.apply(fresh);
    return client;
  }

  current(): ControlState {
    return this.state;
  }

  update<T>(mutate: (state: ControlState) => T): Promise<T> {
    const run = async (): Promise<T> => {
      const client = await this.connection();
      await client.query('BEGIN');
      try {
        const draft = await read(client, true);
        const result = mutate(draft);
        draft.version += 1;
        await client.query(`UPDATE ${TABLE} SET version = $2, doc = $3 WHERE id = $1`, [
          ROW_ID,
          draft.version,
          JSON.stringify({ ...draft, formatVersion: STATE_FORMAT }),
        ]);
        await client.query(`NOTIFY ${CHANNEL}`);
        await client.query('COMMIT');
        this.apply(draft);
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => {});
    return next;
  }

  /** Reads the row again if another process changed it. */
  private reload(): Promise<void> {
    const run = async () => {
      if (this.closed) return;
      const client = await this.connection();
      const result = await client.query<{ version: string }>(`SELECT version FROM ${TABLE} WHERE id = $1`, [ROW_ID]);
      if (Number(result.rows[0]?.version) !== this.state.version) this.apply(await read(client));
    };
    const next = this.queue.then(run, run).catch((err: unknown) => {
      if (!this.closed) this.options.log.warn({ err }, 'control-plane store reload failed');
    });
    this.queue = next;
    return next;
  }

  private apply(state: ControlState): void {
    this.state = state;
    for (const listener of this.listeners) listener(state);
  }

  onChange(listener: (state: ControlState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.poll) clearInterval(this.poll);
    await this.queue;
    await this.client?.end().catch(() => {});
  }
}

/** A reconcile that changed nothing: no new version is written. */
class Unchanged extends Error {}
