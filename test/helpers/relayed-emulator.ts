/**
 * The emulator in front of the machine's PostgreSQL through a counting relay
 * (counting-relay.ts), with aws_ml installed: for the tests that read what
 * the emulator sends upstream for a statement, and in how many round trips.
 */
import type pg from 'pg';
import type { EmulatorOptions } from '../../src/index.ts';
import { type CountingRelay, startCountingRelay } from './counting-relay.ts';
import { startTestEmulator, type TestEmulator } from './emulator.ts';
import { PG_URL } from './test-databases.ts';

export interface RelayedTestEmulator extends AsyncDisposable {
  readonly env: TestEmulator;
  /** Between the emulator and PostgreSQL. */
  readonly relay: CountingRelay;
  /** A superuser's client through the emulator (it installed aws_ml). */
  readonly client: pg.Client;
}

export async function startRelayedTestEmulator(options: EmulatorOptions = {}): Promise<RelayedTestEmulator> {
  const target = new URL(PG_URL);
  const relay = await startCountingRelay({ host: target.hostname, port: Number(target.port || 5432) });
  const through = new URL(PG_URL);
  through.port = String(relay.port);
  // A start that fails leaves nothing running: the caller has nothing to dispose of.
  const env = await startTestEmulator(options, through.toString()).catch(async (err: unknown) => {
    await relay.close();
    throw err;
  });
  const dispose = async () => {
    await env[Symbol.asyncDispose]();
    await relay.close();
  };
  try {
    const client = await env.client();
    await client.query('CREATE EXTENSION aws_ml CASCADE');
    return { env, relay, client, [Symbol.asyncDispose]: dispose };
  } catch (err) {
    await dispose();
    throw err;
  }
}
