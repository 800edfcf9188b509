/**
 * What every middleware layer sees of one backend call, whatever the service:
 * which service and target it goes to, how many items it carries, its request
 * in a normalized JSON form (for cassette keys) and how to turn its answer
 * into JSON and back (for cassettes). Layers are written once against this
 * shape; wrap.ts adapts them to each service's backend interface.
 */
import type { CallContext } from '../types.ts';

export type Service = 'comprehend' | 'sagemaker' | 'bedrock';

export const SERVICES: readonly Service[] = ['comprehend', 'sagemaker', 'bedrock'];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** Turns a call's answer into JSON for a cassette, and back. */
export interface Codec<T> {
  encode(value: T): Json;
  decode(json: Json): T;
}

export interface BackendCall<T> {
  readonly service: Service;
  /** The AWS operation, e.g. BatchDetectSentiment, InvokeEndpoint, InvokeModel. */
  readonly operation: string;
  /** Endpoint name (SageMaker), model id (Bedrock) or operation (Comprehend): what per-target settings are keyed by. */
  readonly target: string;
  /** Documents or CSV lines in the request: what a per-item latency cost multiplies. */
  readonly items: number;
  /** Comprehend: the documents' language (none for dominant-language detection). */
  readonly languageCode?: string;
  /** Normalized for cassette keys; built on first read, as only record/replay needs it. */
  readonly request: Json;
  readonly codec: Codec<T>;
}

/** One middleware layer: does something around `next`, which runs the wrapped backend. */
export type Layer = <T>(call: BackendCall<T>, ctx: CallContext, next: (ctx: CallContext) => Promise<T>) => Promise<T>;

/** What names a call in messages and errors. */
export type CallTarget = Pick<BackendCall<unknown>, 'service' | 'operation' | 'target'>;

/** How a call is named in messages: "SageMaker endpoint churn", "Comprehend BatchDetectSentiment". */
export function describeCall(call: CallTarget): string {
  switch (call.service) {
    case 'comprehend':
      return `Comprehend ${call.operation}`;
    case 'sagemaker':
      return `SageMaker endpoint ${call.target}`;
    case 'bedrock':
      return `Bedrock model ${call.target}`;
  }
}
