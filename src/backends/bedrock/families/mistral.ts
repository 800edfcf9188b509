/**
 * Mistral: text completion {prompt} -> {outputs: [{text, stop_reason}]}, and
 * the chat format {messages} that Mistral Large 2 accepts -> {choices}.
 */
import { isJsonObject, type JsonValue, optionalInt, optionalStrings, requiredArray, requiredString } from '../json.ts';
import { malformedInput } from '../limits.ts';
import { composeReply, countTokens, finish, stableId } from '../text.ts';
import type { ModelCall } from './handler.ts';

export function mistral(call: ModelCall): JsonValue {
  return call.body.messages !== undefined && call.body.prompt === undefined ? chat(call) : completion(call);
}

function completion({ modelId, body }: ModelCall): JsonValue {
  const prompt = requiredString(body, 'prompt');
  const out = finish(composeReply(modelId, prompt), optionalInt(body, 'max_tokens', 1) ?? 512, optionalStrings(body, 'stop'));
  return { outputs: [{ text: out.text, stop_reason: out.reason === 'length' ? 'length' : 'stop' }] };
}

function chat({ modelId, body, rawBody }: ModelCall): JsonValue {
  const turns = requiredArray(body, 'messages');
  let lastUser = '';
  let inputText = '';
  turns.forEach((turn, i) => {
    if (!isJsonObject(turn)) throw malformedInput(`#/messages/${i}: expected type: JSONObject`);
    const role = requiredString(turn, 'role', `#/messages/${i}`);
    const text = typeof turn.content === 'string' ? turn.content : '';
    inputText += `${text}\n`;
    if (role === 'user') lastUser = text;
  });
  const out = finish(composeReply(modelId, lastUser), optionalInt(body, 'max_tokens', 1) ?? 512, optionalStrings(body, 'stop'));
  const promptTokens = countTokens(inputText);
  return {
    id: stableId(modelId, rawBody, 32),
    object: 'chat.completion',
    model: modelId,
    choices: [
      { index: 0, message: { role: 'assistant', content: out.text }, finish_reason: out.reason === 'length' ? 'length' : 'stop' },
    ],
    usage: { prompt_tokens: promptTokens, completion_tokens: out.tokens, total_tokens: promptTokens + out.tokens },
  };
}
