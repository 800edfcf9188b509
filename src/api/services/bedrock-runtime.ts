/**
 * Bedrock Runtime InvokeModel over REST-JSON: `POST /model/{modelId}/invoke`
 * (the id %-encoded, possibly an ARN), the raw body in and out, answered by
 * the same Bedrock backend as aws_bedrock.invoke_model.
 */
import { BEDROCK_MAX_PAYLOAD_BYTES } from '../../backends/bedrock/limits.ts';
import type { BedrockBackend, CallContext } from '../../backends/types.ts';
import { AwsError } from '../../control/aws-error.ts';
import type { Authorize, ServiceRequest, ServiceResponse } from './types.ts';
import { headerOf } from './types.ts';

const INVOKE = /^\/model\/([^/]+)\/invoke$/;

/** The model id the path names, or undefined when the path is not InvokeModel's. */
export function bedrockModelOf(path: string): string | undefined {
  const m = INVOKE.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

/** The ARN IAM evaluates: the caller's ARN as given, else the foundation model's. */
export function modelArn(region: string, modelId: string): string {
  return modelId.startsWith('arn:') ? modelId : `arn:aws:bedrock:${region}::foundation-model/${modelId}`;
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
  if (request.body.length > BEDROCK_MAX_PAYLOAD_BYTES) {
    throw new AwsError(
      'ValidationException',
      `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${BEDROCK_MAX_PAYLOAD_BYTES}`,
    );
  }
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
