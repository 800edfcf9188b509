/**
 * SageMaker backend (kind 'aws') calling real SageMaker Runtime InvokeEndpoint
 * through @aws-sdk/client-sagemaker-runtime. The same payload limit, 60 s
 * model limit and deadline handling as the local SageMaker backends apply.
 */
import { InvokeEndpointCommand, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import { invokeWithinLimits, type LimitOptions, modelTimeoutError, SAGEMAKER_MODEL_TIMEOUT_MS } from '../sagemaker/limits.ts';
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../types.ts';
import { mapAwsError } from './errors.ts';
import { type AwsBackendOptions, clientConfig, sendSdk } from './options.ts';

export interface AwsSageMakerBackendOptions extends AwsBackendOptions, LimitOptions {}

export class AwsSageMakerBackend implements SageMakerBackend {
  readonly kind = 'aws';
  private readonly client: SageMakerRuntimeClient;

  constructor(private readonly options: AwsSageMakerBackendOptions = {}) {
    this.client = new SageMakerRuntimeClient(clientConfig(options));
  }

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const where = 'the CloudWatch log';
    return invokeWithinLimits(
      endpointName,
      request,
      ctx,
      where,
      async (signal, deadline) => {
        // invokeWithinLimits races the deadline and owns the timeout errors; the SDK gets its signal.
        const out = await sendSdk(
          signal,
          deadline,
          () => modelTimeoutError(endpointName, this.options.modelTimeoutMs ?? SAGEMAKER_MODEL_TIMEOUT_MS),
          (err) => mapAwsError('SageMaker Runtime', err),
          (o) =>
            this.client.send(
              new InvokeEndpointCommand({
                EndpointName: endpointName,
                Body: request.body,
                ...(request.contentType ? { ContentType: request.contentType } : {}),
                ...(request.accept ? { Accept: request.accept } : {}),
              }),
              o,
            ),
        );
        return { body: Buffer.from(out.Body ?? new Uint8Array()), contentType: out.ContentType ?? 'application/octet-stream' };
      },
      this.options,
    );
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export function createAwsSageMakerBackend(opts: AwsSageMakerBackendOptions = {}): AwsSageMakerBackend {
  return new AwsSageMakerBackend(opts);
}
