/**
 * Bedrock Runtime InvokeModel over REST-JSON: `POST /model/{modelId}/invoke`
 * (the id %-encoded, possibly an ARN), the raw body in and out, answered by
 * the same Bedrock backend as aws_bedrock.invoke_model. Converse and
 * ConverseStream share the path scheme (see bedrock-converse.ts).
 */

import { AwsError } from '../../aws-error.ts';
import { BEDROCK_MAX_PAYLOAD_BYTES } from '../../backends/bedrock/limits.ts';
import type { BedrockBackend, CallContext } from '../../backends/types.ts';
import type { Authorize, ServiceRequest, ServiceResponse } from './types.ts';
import { headerOf } from './types.ts';

export type BedrockOperation = 'InvokeModel' | 'Converse' | 'ConverseStream';

/** A Map, so that a path ending in an Object.prototype name (/constructor) names nothing. */
const OPERATIONS: ReadonlyMap<string, BedrockOperation> = new Map([
  ['invoke', 'InvokeModel'],
  ['converse', 'Converse'],
  ['converse-stream', 'ConverseStream'],
]);

const MODEL_PATH = /^\/model\/([^/]+)\/([a-z-]+)$/;

/** The operation and model id the path names, or undefined when it names none we answer. */
export function bedrockOperationOf(path: string): { operation: BedrockOperation; modelId: string } | undefined {
  const m = MODEL_PATH.exec(path);
  const operation = m ? OPERATIONS.get(m[2] as string) : undefined;
  if (!m || !operation) return undefined;
  try {
    return { operation, modelId: decodeURIComponent(m[1] as string) };
  } catch {
    return undefined;
  }
}

/** The ARN IAM evaluates: the caller's ARN as given, else the foundation model's. */
export function modelArn(region: string, modelId: string): string {
  return modelId.startsWith('arn:') ? modelId : `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
}

/** Bedrock's body limit, checked before the body is read. */
export function checkBodySize(body: Buffer): void {
  if (body.length > BEDROCK_MAX_PAYLOAD_BYTES) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${BEDROCK_MAX_PAYLOAD_BYTES}`,
    );
  }
}

export async function handleInvokeModel(
  request: ServiceRequest,
  modelId: string,
  arn: string,
  backend: BedrockBackend,
  authorize: Authorize,
  ctx: CallContext,
): Promise<ServiceResponse> {
  authorize('bedrock:InvokeModel', arn);
  checkBodySize(request.body);
  const response = await backend.invokeModel(
    modelId,
    {
      body: request.body,
      contentType: headerOf(request.headers, 'content-type') ?? 'application/json',
      accept: headerOf(request.headers, 'accept') ?? 'application/json',
    },
    ctx,
  );
  return { status: 200, headers: { 'content-type': response.contentType }, body: response.body };
}
