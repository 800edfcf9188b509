/** Cohere Embed, Command (generate) and Command R (chat) request/response shapes. */
import { embedText } from '../embeddings.ts';
import {
  expectString,
  isJsonObject,
  type JsonValue,
  optionalInt,
  optionalStrings,
  requiredArray,
  requiredString,
} from '../json.ts';
import { malformedInput } from '../limits.ts';
import { composeReply, finish, stableId } from '../text.ts';
import type { ModelCall } from './handler.ts';

const INPUT_TYPES = ['search_document', 'search_query', 'classification', 'clustering'];
const MAX_TEXTS = 96;
const EMBED_DIMENSIONS = 1024;

/** cohere.embed-*: {texts, input_type} -> {id, embeddings: [[1024 values]], texts, response_type}. */
export function cohereEmbed({ modelId, body, rawBody }: ModelCall): JsonValue {
  const texts = requiredArray(body, 'texts').map((t, i) => expectString(t, `#/texts/${i}`));
  if (texts.length === 0 || texts.length > MAX_TEXTS) {
    throw malformedInput(`#/texts: expected between 1 and ${MAX_TEXTS} items, found ${texts.length}`);
  }
  const inputType = requiredString(body, 'input_type');
  if (!INPUT_TYPES.includes(inputType)) {
    throw malformedInput(`#/input_type: ${inputType} is not a valid enum value (expected one of ${INPUT_TYPES.join(', ')})`);
  }
  const vectors = texts.map((t) => embedText(t, EMBED_DIMENSIONS));
  const types = optionalStrings(body, 'embedding_types');
  for (const type of types) {
    if (type !== 'float') throw malformedInput(`#/embedding_types: the built-in backend returns only float, not ${type}`);
  }
  const id = uuidFrom(stableId(modelId, rawBody, 32));
  return types.length > 0
    ? { id, embeddings: { float: vectors }, texts, response_type: 'embeddings_by_type' }
    : { id, embeddings: vectors, texts, response_type: 'embeddings_floats' };
}

/** cohere.command-text-*, cohere.command-light-*: {prompt} -> {id, prompt, generations}. */
export function cohereGenerate({ modelId, body, rawBody }: ModelCall): JsonValue {
  const prompt = requiredString(body, 'prompt');
  // Cohere's generate endpoint defaults to 20 tokens.
  const out = finish(
    composeReply(modelId, prompt),
    optionalInt(body, 'max_tokens', 1) ?? 20,
    optionalStrings(body, 'stop_sequences'),
  );
  const id = stableId(modelId, rawBody, 32);
  return {
    id: uuidFrom(id),
    prompt,
    generations: [
      {
        id: uuidFrom(stableId('generation', id, 32)),
        text: out.text,
        finish_reason: out.reason === 'length' ? 'MAX_TOKENS' : 'COMPLETE',
      },
    ],
  };
}

/** cohere.command-r*: {message, chat_history} -> {response_id, text, generation_id, chat_history, finish_reason}. */
export function cohereChat({ modelId, body, rawBody }: ModelCall): JsonValue {
  const message = requiredString(body, 'message');
  const history = body.chat_history === undefined ? [] : requiredArray(body, 'chat_history');
  const out = finish(
    composeReply(modelId, message),
    optionalInt(body, 'max_tokens', 1) ?? 4000,
    optionalStrings(body, 'stop_sequences'),
  );
  const id = stableId(modelId, rawBody, 32);
  return {
    response_id: uuidFrom(id),
    text: out.text,
    generation_id: uuidFrom(stableId('generation', id, 32)),
    chat_history: [...history.filter(isJsonObject), { role: 'USER', message }, { role: 'CHATBOT', message: out.text }],
    finish_reason: out.reason === 'length' ? 'MAX_TOKENS' : 'COMPLETE',
  };
}

function uuidFrom(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}
