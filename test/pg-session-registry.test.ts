/**
 * A client that disconnects before login finishes must leave nothing behind:
 * the upstream's BackendKeyData can arrive after the session closed, and
 * registering it then kept the whole session (about 8 KB) reachable forever
 * from the cancel registry (found by the connect/disconnect soak: +25 MB of
 * heap per 3,000 such clients).
 */
import pg from 'pg';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { SessionRegistry } from '../src/wire/pg/registry.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { RawPgConnection, wire } from './helpers/pg-raw.ts';

/** Process ids registered for cancellation and not yet removed, across every registry. */
const live = new Set<number>();
const realAdd = SessionRegistry.prototype.add;
const realRemove = SessionRegistry.prototype.remove;

let env: TestEmulator;

beforeAll(async () => {
  vi.spyOn(SessionRegistry.prototype, 'add').mockImplementation(function (this: SessionRegistry, processId, key, target) {
    live.add(processId);
    realAdd.call(this, processId, key, target);
  });
  vi.spyOn(SessionRegistry.prototype, 'remove').mockImplementation(function (this: SessionRegistry, processId) {
    live.delete(processId);
    realRemove.call(this, processId);
  });
  env = await startTestEmulator();
});

afterAll(async () => {
  vi.restoreAllMocks();
  await env?.[Symbol.asyncDispose]();
});

/**
 * Sessions on the test's database, but the emulator's own control-plane
 * store: that connection opens and reopens on its own schedule (first use,
 * reconnection), so counting it made the baseline a race.
 */
async function upstreamSessions(direct: pg.Client): Promise<number> {
  const { rows } = await direct.query<{ n: string }>(
    `SELECT count(*) AS n FROM pg_stat_activity
      WHERE datname = $1 AND application_name IS DISTINCT FROM 'aurora-ml-emulator control plane'`,
    [env.database],
  );
  return Number(rows[0]?.n ?? -1);
}

it('200 clients gone right after their startup message leave no session registered', async () => {
  const port = Number(new URL(env.url).port);
  const direct = new pg.Client({ connectionString: env.directUrl.replace(env.database, 'postgres') });
  await direct.connect();
  try {
    const baseline = await upstreamSessions(direct);
    for (let i = 0; i < 200; i++) {
      const conn = await RawPgConnection.open(port);
      conn.send(wire.startup({ user: 'postgres', database: env.database }));
      conn.close();
    }
    // Every upstream connection those clients caused has ended...
    // (An upstream connection still being opened when its client left shows up
    // a moment later and then ends: the count must stay at the baseline a while.)
    const deadline = Date.now() + 20_000;
    let settled = 0;
    while (settled < 5 && Date.now() < deadline) {
      settled = (await upstreamSessions(direct)) > baseline ? 0 : settled + 1;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(await upstreamSessions(direct)).toBe(baseline);
    // ...and none of them is still registered for cancellation.
    expect(live.size).toBe(0);
    // A client that stays is registered as before.
    const client = await env.client();
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    expect([...live]).toEqual([rows[0]?.pid]);
  } finally {
    await direct.end();
  }
});
