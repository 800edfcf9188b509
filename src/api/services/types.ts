/**
 * What an ML service API (Comprehend, SageMaker Runtime, Bedrock Runtime)
 * receives and answers. The server reads and authenticates the request; a
 * service only maps it onto a backend and shapes AWS's response.
 */
import type { IncomingHttpHeaders } from 'node:http';

export type MlServiceName = 'comprehend' | 'sagemaker' | 'bedrock';

export interface ServiceRequest {
  readonly method: string;
  /** The path as sent, still %-encoded. */
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** Aborted when the client goes away before the answer. */
  readonly signal: AbortSignal;
}

export interface ServiceResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
}

/** May the calling identity perform `action` on `resource`? Throws the service's AccessDeniedException if not. */
export type Authorize = (action: string, resource: string) => void;

export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}
