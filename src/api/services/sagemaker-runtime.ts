/**
 * SageMaker Runtime InvokeEndpoint over REST-JSON:
 * `POST /endpoints/{EndpointName}/invocations`, the raw body in and out, the
 * Content-Type and Accept headers passed through, answered by the same
 * SageMaker backend (and so the same endpoints, limits and errors) as
 * aws_sagemaker.invoke_endpoint.
 */
import type { CallContext, SageMakerBackend } from '../../backends/types.ts';
import type { Authorize, ServiceRequest, ServiceResponse } from './types.ts';
import { headerOf } from './types.ts';

const INVOCATIONS = /^\/endpoints\/([^/]+)\/invocations$/;

/** The endpoint name the path names, or undefined when the path is not InvokeEndpoint's. */
export function sageMakerEndpointOf(path: string): string | undefined {
  const m = INVOCATIONS.exec(path);
  if (!m) return undefined;
  try {
    return decodeURIComponent(m[1] as string);
  } catch {
    return undefined;
  }
}

/** IAM names endpoints in lower case; InvokeEndpoint matches the name's case exactly. */
export function endpointArn(region: string, accountId: string, endpointName: string): string {
  return `arn:aws:sagemaker:${region}:${accountId}:endpoint/${endpointName.toLowerCase()}`;
}

export async function handleInvokeEndpoint(
  request: ServiceRequest,
  endpointName: string,
  arn: string,
  backend: SageMakerBackend,
  authorize: Authorize,
  ctx: CallContext,
): Promise<ServiceResponse> {
  authorize('sagemaker:InvokeEndpoint', arn);
  // SageMaker's own defaults when the caller names no types.
  const response = await backend.invokeEndpoint(
    endpointName,
    {
      body: request.body,
      contentType: headerOf(request.headers, 'content-type') ?? 'application/octet-stream',
      accept: headerOf(request.headers, 'accept') ?? '*/*',
    },
    ctx,
  );
  return {
    status: 200,
    headers: { 'content-type': response.contentType, 'x-amzn-invoked-production-variant': 'AllTraffic' },
    body: response.body,
  };
}
