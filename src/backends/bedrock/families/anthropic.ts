/** Anthropic Claude: the Messages API, and legacy Text Completions for claude-v2 / claude-instant. */
import {
  expectString,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  optionalStrings,
  requiredArray,
  requiredInt,
  requiredString,
} from '../json.ts';
import { malformedInput } from '../limits.ts';
import { composeReply, countTokens, type FinishReason, finish, stableId } from '../text.ts';
import type { ModelCall } from './handler.ts';

const STOP_REASON: Record<FinishReason, string> = {
  complete: 'end_turn',
  length: 'max_tokens',
  stop_sequence: 'stop_sequence',
};

/** anthropic.claude-*: Messages when the body has `messages`, Text Completions when it has `prompt`. */
export function anthropic(call: ModelCall): JsonValue {
  if (call.body.messages === undefined && call.body.prompt !== undefined) return textCompletion(call);
  return messages(call);
}

function messages({ modelId, body, rawBody }: ModelCall): JsonValue {
  requiredString(body, 'anthropic_version');
  const maxTokens = requiredInt(body, 'max_tokens', 1);
  const turns = requiredArray(body, 'messages');
  if (turns.length === 0) throw malformedInput('#/messages: expected minimum item count: 1, found: 0');
  let inputText = systemText(body);
  let lastUser = '';
  turns.forEach((turn, i) => {
    const at = `#/messages/${i}`;
    if (!isJsonObject(turn)) throw malformedInput(`${at}: expected type: JSONObject`);
    const role = requiredString(turn, 'role', at);
    if (role !== 'user' && role !== 'assistant') throw malformedInput(`${at}/role: ${role} is not a valid enum value`);
    const text = contentText(turn, at);
    inputText += `${text}\n`;
    if (role === 'user') lastUser = text;
  });
  const out = finish(composeReply(modelId, lastUser), maxTokens, optionalStrings(body, 'stop_sequences'));
  return {
    id: `msg_bdrk_${stableId(modelId, rawBody)}`,
    type: 'message',
    role: 'assistant',
    model: modelName(modelId),
    content: [{ type: 'text', text: out.text }],
    stop_reason: STOP_REASON[out.reason],
    stop_sequence: out.stopSequence,
    usage: { input_tokens: countTokens(inputText), output_tokens: out.tokens },
  };
}

function textCompletion({ modelId, body }: ModelCall): JsonValue {
  const prompt = requiredString(body, 'prompt');
  const maxTokens = requiredInt(body, 'max_tokens_to_sample', 0);
  const out = finish(composeReply(modelId, prompt), maxTokens, optionalStrings(body, 'stop_sequences'));
  return {
    completion: ` ${out.text}`,
    stop_reason: out.reason === 'length' ? 'max_tokens' : 'stop_sequence',
    stop: out.reason === 'length' ? null : (out.stopSequence ?? '\n\nHuman:'),
  };
}

/** A message's text: a string, or the text blocks of a content array (images and tools contribute none). */
function contentText(turn: JsonObject, at: string): string {
  const content = turn.content;
  if (content === undefined) throw malformedInput(`${at}: required key [content] not found`);
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw malformedInput(`${at}/content: expected type: JSONArray or String`);
  return (content as readonly JsonValue[])
    .filter(isJsonObject)
    .filter((block) => block.type === 'text')
    .map((block, i) => expectString(block.text ?? null, `${at}/content/${i}/text`))
    .join('\n');
}

function systemText(body: JsonObject): string {
  const system = body.system;
  if (typeof system === 'string') return `${system}\n`;
  if (Array.isArray(system)) return `${contentText({ content: system }, '#/system')}\n`;
  return '';
}

/** The `model` field Bedrock reports: the id without provider prefix and version suffix. */
function modelName(modelId: string): string {
  return modelId.replace(/^anthropic\./, '').replace(/-v\d+(:\d+)?$/, '');
}
