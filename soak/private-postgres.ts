/**
 * A throwaway PostgreSQL for the 500-connection load: the machine's server
 * allows 100 connections, so this is the emulator's own embedded PostgreSQL
 * (src/upstream/embedded) in a temp directory, restarted once with
 * max_connections raised through ALTER SYSTEM.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../src/upstream/embedded/index.ts';

export interface PrivatePostgres extends AsyncDisposable {
  readonly url: string;
  readonly server: EmbeddedPostgres;
}

export async function startPrivatePostgres(maxConnections: number): Promise<PrivatePostgres> {
  const dir = await mkdtemp(join(tmpdir(), 'aml-soak-pg-'));
  const dataDir = join(dir, 'data');
  const first = await startEmbeddedPostgres({ dataDir });
  const admin = new pg.Client({ connectionString: first.url });
  await admin.connect();
  await admin.query(`ALTER SYSTEM SET max_connections = ${maxConnections}`);
  await admin.end();
  await first.stop();
  const server = await startEmbeddedPostgres({ dataDir, port: first.port });
  const check = new pg.Client({ connectionString: server.url });
  await check.connect();
  const { rows } = await check.query<{ max_connections: string }>('SHOW max_connections');
  await check.end();
  if (Number(rows[0]?.max_connections) !== maxConnections) throw new Error(`max_connections is ${rows[0]?.max_connections}`);
  const stop = async () => {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { url: server.url, server, [Symbol.asyncDispose]: stop };
}
