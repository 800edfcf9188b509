/**
 * Bedrock embedding families translated to OpenAI /v1/embeddings and back:
 * Titan Text Embeddings v1 and v2, Cohere Embed. The vectors are the
 * server's; Titan v2's `normalize` (default true) is applied here, since
 * OpenAI-compatible servers differ on whether they normalise.
 */
import type { ModelCall } from './families/handler.ts';
import {
  expectString,
  type JsonValue,
  optionalBoolean,
  optionalInt,
  optionalStrings,
  requiredArray,
  requiredString,
} from './json.ts';
import { malformedInput } from './limits.ts';
import type { Translation } from './openai-translation.ts';
import { readEmbeddings } from './openai-wire.ts';
import { countTokens, stableId } from './text.ts';

const V2_DIMENSIONS = [256, 512, 1024];

export function titanEmbedV1({ body }: ModelCall): Translation {
  const inputText = nonEmptyText(requiredString(body, 'inputText'));
  return {
    path: '/v1/embeddings',
    request: { input: inputText },
    respond: (response) => {
      const { vectors, promptTokens } = readEmbeddings(response, 1);
      return { embedding: vectors[0] ?? [], inputTextTokenCount: promptTokens ?? countTokens(inputText) };
    },
  };
}

export function titanEmbedV2({ body }: ModelCall): Translation {
  const inputText = nonEmptyText(requiredString(body, 'inputText'));
  const dimensions = optionalInt(body, 'dimensions', 1);
  if (dimensions !== undefined && !V2_DIMENSIONS.includes(dimensions)) {
    throw malformedInput(`#/dimensions: ${dimensions} is not a valid enum value (expected one of ${V2_DIMENSIONS.join(', ')})`);
  }
  const normalize = optionalBoolean(body, 'normalize') ?? true;
  const types = optionalStrings(body, 'embeddingTypes');
  for (const type of types) {
    if (type !== 'float' && type !== 'binary') {
      throw malformedInput(`#/embeddingTypes: ${type} is not a valid enum value (expected float or binary)`);
    }
  }
  return {
    path: '/v1/embeddings',
    // Only an explicit size is passed on: the server's model decides its native one.
    request: dimensions === undefined ? { input: inputText } : { input: inputText, dimensions },
    respond: (response) => {
      const { vectors, promptTokens } = readEmbeddings(response, 1);
      const raw = vectors[0] ?? [];
      const embedding = normalize ? unitLength(raw) : raw;
      const out: { [key: string]: JsonValue } = { embedding, inputTextTokenCount: promptTokens ?? countTokens(inputText) };
      if (types.length > 0) {
        const byType: { [key: string]: JsonValue } = {};
        for (const type of types) byType[type] = type === 'float' ? embedding : embedding.map((x) => (x > 0 ? 1 : 0));
        out.embeddingsByType = byType;
      }
      return out;
    },
  };
}

export function cohereEmbed({ modelId, rawBody, body }: ModelCall): Translation {
  const texts = requiredArray(body, 'texts').map((t, i) => expectString(t, `#/texts/${i}`));
  if (texts.length === 0 || texts.length > 96) {
    throw malformedInput(`#/texts: expected between 1 and 96 items, found ${texts.length}`);
  }
  requiredString(body, 'input_type');
  const id = stableId(modelId, rawBody, 32);
  return {
    path: '/v1/embeddings',
    request: { input: texts },
    respond: (response) => ({
      id: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
      embeddings: readEmbeddings(response, texts.length).vectors,
      texts,
      response_type: 'embeddings_floats',
    }),
  };
}

function unitLength(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm === 0 ? [...vector] : vector.map((x) => x / norm);
}

function nonEmptyText(text: string): string {
  if (text.length === 0) throw malformedInput('#/inputText: expected minLength: 1, actual: 0');
  return text;
}
