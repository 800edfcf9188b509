/**
 * What the three AWS backends share: how their SDK clients are configured
 * (region, endpoint, credentials, retries), and how one SDK call is run
 * within the caller's deadline and cancellation.
 */
import type { EmulatorError } from '../../errors.ts';
import { guardCall } from '../support/call-guard.ts';
import type { CallContext } from '../types.ts';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
}

export interface AwsBackendOptions {
  /** e.g. us-east-1; default: the SDK's chain (AWS_REGION, the shared config file). */
  readonly region?: string;
  /** A different endpoint URL (a VPC endpoint, LocalStack, another emulator's API port). */
  readonly endpoint?: string;
  /** Default: the SDK's default credential chain (environment, shared files, SSO, instance role...). */
  readonly credentials?: AwsCredentials;
  /** Attempts per call including retries (SDK default 3); retries never outlast the deadline. */
  readonly maxAttempts?: number;
}

/** The client configuration every SDK v3 client accepts, built from our options. */

export function clientConfig(options: AwsBackendOptions): {
  region?: string;
  endpoint?: string;
  credentials?: AwsCredentials;
  maxAttempts?: number;
} {
  return {
    ...(options.region === undefined ? {} : { region: options.region }),
    ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
  };
}

/** The per-call options SDK v3's `client.send(command, options)` takes. */
export interface SendOptions {
  readonly abortSignal: AbortSignal;
  readonly requestTimeout: number;
}

/**
 * The SDK's own request timeout is a backstop set just past the deadline:
 * the guard around the call settles first, with the error the caller expects,
 * and the abort signal then stops the SDK's request.
 */
const SDK_TIMEOUT_SLACK_MS = 1_000;

/**
 * Runs one SDK call with `signal` and a request timeout past `deadline`,
 * mapping its failures; `signal` comes from a guard already racing the deadline.
 */
export async function sendSdk<T>(
  signal: AbortSignal,
  deadline: number,
  onTimeout: () => EmulatorError,
  mapError: (err: unknown) => EmulatorError,
  send: (options: SendOptions) => Promise<T>,
): Promise<T> {
  try {
    return await send({ abortSignal: signal, requestTimeout: Math.max(1, deadline - Date.now()) + SDK_TIMEOUT_SLACK_MS });
  } catch (err) {
    // The guard has settled with its own error; this one only ends the race.
    if (signal.aborted) throw signal.reason;
    if (isSdkTimeout(err)) throw onTimeout();
    throw mapError(err);
  }
}

/** Runs one SDK call that gives up at `deadline` or when the statement is cancelled. */
export function sendWithin<T>(
  ctx: CallContext,
  deadline: number,
  onTimeout: () => EmulatorError,
  mapError: (err: unknown) => EmulatorError,
  send: (options: SendOptions) => Promise<T>,
): Promise<T> {
  return guardCall(ctx, deadline, onTimeout, (signal) => sendSdk(signal, deadline, onTimeout, mapError, send));
}

function isSdkTimeout(err: unknown): boolean {
  return err instanceof Error && (err.name === 'TimeoutError' || (err as NodeJS.ErrnoException).code === 'ETIMEDOUT');
}
