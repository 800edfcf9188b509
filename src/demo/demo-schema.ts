/**
 * Each demo's tables live in a schema of its own in the database it connects
 * to through the emulator's PostgreSQL front, made fresh at the start and
 * dropped at the end; aws_ml is installed for the demo when the database did
 * not have it, and removed again afterwards.
 */
import pg from 'pg';

/** How the demos' connections show up in pg_stat_activity and the dashboard. */
export const APPLICATION_NAME = 'aurora-ml-demo';

export interface DemoSchema {
  /** The schema's quoted name, for SQL. */
  readonly name: string;
  /** A connected client through the emulator, for the demo's own statements. */
  readonly client: pg.Client;
  /** Drops the schema (unless kept) and the extension if the demo installed it. */
  close(keep: boolean): Promise<void>;
}

export function clientConfig(pgUrl: string, extra: pg.ClientConfig = {}): pg.ClientConfig {
  return { connectionString: pgUrl, application_name: APPLICATION_NAME, ...extra };
}

export async function openDemoSchema(pgUrl: string, schema: string): Promise<DemoSchema> {
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`not a plain schema name: ${schema}`);
  const client = new pg.Client(clientConfig(pgUrl));
  try {
    await client.connect();
  } catch (err) {
    throw new Error(`cannot connect to the emulator's PostgreSQL front at ${redact(pgUrl)}: ${(err as Error).message} (--pg)`);
  }
  // One place for the connection's error listener: a dropped connection surfaces on the next query.
  client.on('error', () => {});
  const had = await client.query(`SELECT extname FROM pg_extension WHERE extname IN ('aws_ml', 'aws_commons')`);
  const present = new Set((had.rows as { extname: string }[]).map((r) => r.extname));
  // CASCADE installs aws_commons too: remove afterwards only what the demo installed.
  const installed = ['aws_ml', 'aws_commons'].filter((e) => !present.has(e));
  if (installed.includes('aws_ml')) await client.query('CREATE EXTENSION aws_ml CASCADE');
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.query(`CREATE SCHEMA ${schema}`);
  return {
    name: schema,
    client,
    close: async (keep) => {
      try {
        if (!keep) {
          await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          for (const extension of installed) await client.query(`DROP EXTENSION IF EXISTS ${extension} CASCADE`);
        }
      } finally {
        await client.end().catch(() => {});
      }
    },
  };
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return url;
  }
}
