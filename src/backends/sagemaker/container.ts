/**
 * SageMaker backend for any HTTP server implementing the SageMaker inference
 * container contract (POST /invocations, GET /ping): the user's own model
 * image run locally with `docker run -p 8080:8080 image serve`, or any small
 * server speaking the same protocol.
 */
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import { guardCall } from '../support/call-guard.ts';
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../types.ts';
import { ConnectError, HttpClient, ResponseError } from './http-client.ts';
import {
  invokeWithinLimits,
  type LimitOptions,
  modelError,
  responseTooLargeError,
  SAGEMAKER_MAX_PAYLOAD_BYTES,
} from './limits.ts';

export type ContainerBackendOptions = LimitOptions;

/** SageMaker's health check gives a container 2 s to answer /ping. */
const MAX_PING_MS = 2_000;

export class ContainerBackend implements SageMakerBackend {
  readonly kind = 'container';
  /** The container's base URL as configured. */
  readonly url: string;
  private readonly client: HttpClient;
  private readonly invocationsUrl: URL;
  private readonly pingUrl: URL;
  private readonly where: string;

  constructor(
    baseUrl: string,
    private readonly options: ContainerBackendOptions = {},
  ) {
    const base = parseBaseUrl(baseUrl);
    // Keep any path prefix of the base URL (a reverse proxy may mount the container under one).
    const prefix = base.pathname.replace(/\/+$/, '');
    this.url = baseUrl;
    this.invocationsUrl = new URL(`${prefix}/invocations`, base);
    this.pingUrl = new URL(`${prefix}/ping`, base);
    this.client = new HttpClient(base);
    this.where = `the log of the inference container at ${this.invocationsUrl.href}`;
  }

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    return invokeWithinLimits(
      endpointName,
      request,
      ctx,
      this.where,
      async (signal) => {
        const headers: Record<string, string> = { 'content-length': String(request.body.length) };
        if (request.contentType) headers['content-type'] = request.contentType;
        if (request.accept) headers.accept = request.accept;
        let result: Awaited<ReturnType<typeof this.client.send>>;
        try {
          result = await this.client.send({
            method: 'POST',
            url: this.invocationsUrl,
            headers,
            body: request.body,
            maxResponseBytes: SAGEMAKER_MAX_PAYLOAD_BYTES,
            signal,
          });
        } catch (err) {
          throw this.failure(endpointName, err, signal);
        }
        if (result.status < 200 || result.status > 299) {
          throw modelError(endpointName, result.status, result.body.toString('utf8'), this.where);
        }
        return { body: result.body, contentType: result.contentType ?? 'application/octet-stream' };
      },
      this.options,
    );
  }

  /** GET /ping: true when the container answers 200 within SageMaker's 2 s health-check limit. */
  async ping(ctx: CallContext): Promise<boolean> {
    const deadline = Math.min(ctx.deadline, Date.now() + MAX_PING_MS);
    const timedOut = (): EmulatorError => new EmulatorError('InferenceTimeout', `no answer from ${this.pingUrl.href}`);
    try {
      return await guardCall(ctx, deadline, timedOut, async (signal) => {
        const result = await this.client.send({
          method: 'GET',
          url: this.pingUrl,
          headers: {},
          maxResponseBytes: 65_536,
          signal,
        });
        return result.status === 200;
      });
    } catch (err) {
      if (err instanceof EmulatorError && err.code === 'QueryCanceled') throw err;
      return false;
    }
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private failure(endpointName: string, err: unknown, signal: AbortSignal): EmulatorError {
    // Once our signal fired, the guard has already settled with the right error.
    if (signal.aborted && signal.reason instanceof EmulatorError) return signal.reason;
    if (err instanceof ConnectError) {
      return new EmulatorError(
        'ServiceUnavailable',
        `Endpoint ${endpointName} is unavailable: could not reach its inference container at ${this.invocationsUrl.href} (${err.code})`,
        {
          serviceCode: 'ServiceUnavailable',
          hint: `Start the container, or fix the url of endpoint ${endpointName} in the emulator configuration.`,
          cause: err,
        },
      );
    }
    if (err instanceof ResponseError) {
      if (err.tooLarge) return responseTooLargeError(endpointName, this.where);
      return modelError(endpointName, 0, `the container closed the connection mid-response: ${err.message}`, this.where);
    }
    return toEmulatorError(err);
  }
}

function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new EmulatorError('InvalidArgument', `Invalid inference container URL "${baseUrl}": expected http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EmulatorError('InvalidArgument', `Invalid inference container URL "${baseUrl}": only http and https are supported`);
  }
  return url;
}
