/**
 * Bedrock backend (kind 'aws') calling real Bedrock Runtime InvokeModel
 * through @aws-sdk/client-bedrock-runtime. Request and response bodies pass
 * through untouched: the model family's JSON is the caller's business.
 */
import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import { BEDROCK_MAX_PAYLOAD_BYTES, inferenceTimeout, payloadTooLarge } from '../bedrock/limits.ts';
import type { BedrockBackend, CallContext, InvokeRequest, InvokeResponse } from '../types.ts';
import { mapAwsError } from './errors.ts';
import { type AwsBackendOptions, clientConfig, sendWithin } from './options.ts';

export type AwsBedrockBackendOptions = AwsBackendOptions;

export class AwsBedrockBackend implements BedrockBackend {
  readonly kind = 'aws';
  private readonly client: BedrockRuntimeClient;

  constructor(options: AwsBedrockBackendOptions = {}) {
    this.client = new BedrockRuntimeClient(clientConfig(options));
  }

  async invokeModel(modelId: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    // Checked here so a 25 MB body is not signed and sent only to be refused.
    if (request.body.length > BEDROCK_MAX_PAYLOAD_BYTES) throw payloadTooLarge(modelId, request.body.length);
    const start = Date.now();
    const out = await sendWithin(
      ctx,
      ctx.deadline,
      () => inferenceTimeout(modelId, Math.max(0, ctx.deadline - start)),
      (err) => mapAwsError('Bedrock Runtime', err),
      (o) =>
        this.client.send(
          new InvokeModelCommand({
            modelId,
            body: request.body,
            ...(request.contentType ? { contentType: request.contentType } : {}),
            ...(request.accept ? { accept: request.accept } : {}),
          }),
          o,
        ),
    );
    return { body: Buffer.from(out.body ?? new Uint8Array()), contentType: out.contentType ?? 'application/json' };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

export function createAwsBedrockBackend(opts: AwsBedrockBackendOptions = {}): AwsBedrockBackend {
  return new AwsBedrockBackend(opts);
}
