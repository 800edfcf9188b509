/** Amazon Titan Text and Titan Text Embeddings request/response shapes. */
import { embedText } from '../embeddings.ts';
import { type JsonValue, optionalBoolean, optionalInt, optionalObject, optionalStrings, requiredString } from '../json.ts';
import { malformedInput } from '../limits.ts';
import { composeReply, countTokens, type FinishReason, finish } from '../text.ts';
import type { ModelCall } from './handler.ts';

const COMPLETION_REASON: Record<FinishReason, string> = {
  complete: 'FINISH',
  length: 'LENGTH',
  stop_sequence: 'STOP_CRITERIA_MET',
};

/** amazon.titan-text-*: {inputText, textGenerationConfig} -> {inputTextTokenCount, results}. */
export function titanText({ modelId, body }: ModelCall): JsonValue {
  const inputText = requiredString(body, 'inputText');
  const config = optionalObject(body, 'textGenerationConfig') ?? {};
  const at = '#/textGenerationConfig';
  const maxTokens = optionalInt(config, 'maxTokenCount', 0, at) ?? 512;
  const out = finish(composeReply(modelId, inputText), maxTokens, optionalStrings(config, 'stopSequences', at));
  return {
    inputTextTokenCount: countTokens(inputText),
    results: [{ tokenCount: out.tokens, outputText: out.text, completionReason: COMPLETION_REASON[out.reason] }],
  };
}

/** amazon.titan-embed-text-v1 and amazon.titan-embed-g1-text-02: 1536 values. */
export function titanEmbedV1({ body }: ModelCall): JsonValue {
  const inputText = nonEmptyText(requiredString(body, 'inputText'));
  return { embedding: embedText(inputText, 1536), inputTextTokenCount: countTokens(inputText) };
}

const V2_DIMENSIONS = [256, 512, 1024];

/** amazon.titan-embed-text-v2:0: 1024 values by default; `dimensions` 256 or 512; `normalize` (default true). */
export function titanEmbedV2({ body }: ModelCall): JsonValue {
  const inputText = nonEmptyText(requiredString(body, 'inputText'));
  const dimensions = optionalInt(body, 'dimensions', 1) ?? 1024;
  if (!V2_DIMENSIONS.includes(dimensions)) {
    throw malformedInput(`#/dimensions: ${dimensions} is not a valid enum value (expected one of ${V2_DIMENSIONS.join(', ')})`);
  }
  const embedding = embedText(inputText, dimensions, optionalBoolean(body, 'normalize') ?? true);
  const types = optionalStrings(body, 'embeddingTypes');
  const response: { [key: string]: JsonValue } = { embedding, inputTextTokenCount: countTokens(inputText) };
  if (types.length > 0) response.embeddingsByType = embeddingsByType(embedding, types);
  return response;
}

function embeddingsByType(embedding: readonly number[], types: readonly string[]): JsonValue {
  const byType: { [key: string]: JsonValue } = {};
  for (const type of types) {
    if (type === 'float') byType.float = embedding;
    else if (type === 'binary') byType.binary = embedding.map((x) => (x > 0 ? 1 : 0));
    else throw malformedInput(`#/embeddingTypes: ${type} is not a valid enum value (expected float or binary)`);
  }
  return byType;
}

function nonEmptyText(text: string): string {
  if (text.length === 0) throw malformedInput('#/inputText: expected minLength: 1, actual: 0');
  return text;
}
