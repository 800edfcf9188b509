/** What every model family's handler receives and returns. */
import type { JsonObject, JsonValue } from '../json.ts';

export interface ModelCall {
  /** The base model id (ARN and cross-region prefix removed). */
  readonly modelId: string;
  readonly body: JsonObject;
  /** The body as sent, for stable response ids. */
  readonly rawBody: string;
}

/** Turns one request body into the family's response body, or throws a ValidationException. */
export type FamilyHandler = (call: ModelCall) => JsonValue;
