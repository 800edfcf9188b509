/**
 * Starts the control plane's Query API in-process on port 0 over a memory
 * store, with real SDK clients pointed at it.
 */
import { IAMClient } from '@aws-sdk/client-iam';
import { RDSClient } from '@aws-sdk/client-rds';
import pino from 'pino';
import { type ApiServer, type ApiServerOptions, startApiServer } from '../../src/api/server.ts';
import { controlStateFor, type PresetOptions } from '../../src/control/presets.ts';
import { MemoryStateStore, type StateStore } from '../../src/control/store.ts';

export const ACCOUNT = '123456789012';
export const DUMMY = { accessKeyId: 'AKIAEMULATORTEST0001', secretAccessKey: 'emulator-test-secret' };

export interface TestControlApi extends AsyncDisposable {
  readonly server: ApiServer;
  readonly store: StateStore;
  readonly iam: IAMClient;
  readonly rds: RDSClient;
  readonly url: string;
}

export interface TestControlApiOptions extends Partial<Omit<ApiServerOptions, 'store' | 'log'>> {
  readonly preset?: 'demo' | 'bare';
  readonly clusters?: Pick<PresetOptions, 'postgres' | 'mysql'>;
  readonly store?: StateStore;
  /** The credentials the SDK clients sign with (default DUMMY). */
  readonly clientCredentials?: { accessKeyId: string; secretAccessKey: string };
}

export async function startTestControlApi(options: TestControlApiOptions = {}): Promise<TestControlApi> {
  const store =
    options.store ??
    new MemoryStateStore(
      controlStateFor(options.preset ?? 'bare', { accountId: ACCOUNT, region: 'us-east-1', ...options.clusters }),
    );
  const server = await startApiServer({
    host: '127.0.0.1',
    port: 0,
    store,
    log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
    propagationDelayMs: options.propagationDelayMs ?? 0,
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.now ? { now: options.now } : {}),
  });
  const config = {
    endpoint: server.url,
    region: 'us-east-1',
    credentials: options.clientCredentials ?? DUMMY,
    // An error must reach the test as the server sent it, not after retries.
    maxAttempts: 1,
  };
  const iam = new IAMClient(config);
  const rds = new RDSClient(config);
  return {
    server,
    store,
    iam,
    rds,
    url: server.url,
    [Symbol.asyncDispose]: async () => {
      iam.destroy();
      rds.destroy();
      await server.close();
    },
  };
}

/** The AWS error a call failed with: the wire Code, the SDK's exception name and the HTTP status. */
export async function awsFailure(
  promise: Promise<unknown>,
): Promise<{ code: string; name: string; status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { Code?: string; name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { code: e.Code ?? e.name, name: e.name, status: e.$metadata?.httpStatusCode ?? 0, message: e.message };
  }
  throw new Error('expected the call to fail');
}

/** A raw Query API call (unsigned), for what the SDKs never send. */
export async function rawCall(url: string, body: string, init: { method?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(url, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...init.headers },
    ...(init.method === 'GET' ? {} : { body }),
  });
  return { status: response.status, text: await response.text() };
}
