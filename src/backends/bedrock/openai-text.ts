/**
 * Bedrock text model families translated to OpenAI chat or text completions
 * and back: Titan Text, Anthropic Messages, Meta Llama, Mistral (prompt and
 * chat forms). Request fields are read with Bedrock's own validation wording.
 */
import type { ModelCall } from './families/handler.ts';
import {
  expectString,
  isJsonObject,
  type JsonObject,
  type JsonValue,
  optionalInt,
  optionalObject,
  optionalStrings,
  requiredArray,
  requiredInt,
  requiredString,
} from './json.ts';
import { malformedInput } from './limits.ts';
import { promptMessages } from './openai-prompt.ts';
import type { Translation } from './openai-translation.ts';
import { type ChatMessage, type Generation, readGeneration, type Sampling } from './openai-wire.ts';
import { countTokens, stableId } from './text.ts';

/** Which OpenAI endpoint answers prompt-style families (Titan, Llama, Mistral prompts). */
export type TextApi = 'chat' | 'completions';

/** The OpenAI request for a prompt, by chat (template unwrapped) or by raw text completion. */
function promptTranslation(
  prompt: string,
  sampling: Sampling,
  textApi: TextApi,
  respond: (g: Generation) => JsonValue,
): Translation {
  if (textApi === 'completions') {
    return {
      path: '/v1/completions',
      request: { prompt, ...defined(sampling) },
      respond: (body) => respond(readGeneration('/v1/completions', body)),
    };
  }
  return chatTranslation(promptMessages(prompt), sampling, respond);
}

function chatTranslation(
  messages: readonly ChatMessage[],
  sampling: Sampling,
  respond: (g: Generation) => JsonValue,
): Translation {
  return {
    path: '/v1/chat/completions',
    request: { messages, ...defined(sampling) },
    respond: (body) => respond(readGeneration('/v1/chat/completions', body)),
  };
}

const TITAN_REASON: Readonly<Record<string, string>> = { length: 'LENGTH', content_filter: 'CONTENT_FILTERED' };

/** amazon.titan-text-*: {inputText, textGenerationConfig} -> {inputTextTokenCount, results}. */
export function titanText({ body }: ModelCall, textApi: TextApi): Translation {
  const inputText = requiredString(body, 'inputText');
  const at = '#/textGenerationConfig';
  const config = optionalObject(body, 'textGenerationConfig') ?? {};
  const sampling: Sampling = {
    max_tokens: optionalInt(config, 'maxTokenCount', 0, at) ?? 512,
    temperature: optionalNumber(config, 'temperature', at),
    top_p: optionalNumber(config, 'topP', at),
    stop: nonEmpty(optionalStrings(config, 'stopSequences', at)),
  };
  return promptTranslation(inputText, sampling, textApi, (g) => ({
    inputTextTokenCount: g.promptTokens ?? countTokens(inputText),
    results: [
      {
        tokenCount: g.completionTokens ?? countTokens(g.text),
        outputText: g.text,
        completionReason: TITAN_REASON[g.finishReason] ?? 'FINISH',
      },
    ],
  }));
}

/** meta.llama*: {prompt, max_gen_len} -> {generation, prompt_token_count, generation_token_count, stop_reason}. */
export function llama({ body }: ModelCall, textApi: TextApi): Translation {
  const prompt = requiredString(body, 'prompt');
  const sampling: Sampling = {
    max_tokens: optionalInt(body, 'max_gen_len', 1) ?? 512,
    temperature: optionalNumber(body, 'temperature'),
    top_p: optionalNumber(body, 'top_p'),
  };
  return promptTranslation(prompt, sampling, textApi, (g) => ({
    generation: g.text,
    prompt_token_count: g.promptTokens ?? countTokens(prompt),
    generation_token_count: g.completionTokens ?? countTokens(g.text),
    stop_reason: g.finishReason === 'length' ? 'length' : 'stop',
  }));
}

/** mistral.*: {prompt} -> {outputs: [{text, stop_reason}]}, or the chat form {messages} -> {choices}. */
export function mistral({ modelId, body, rawBody }: ModelCall, textApi: TextApi): Translation {
  const sampling: Sampling = {
    max_tokens: optionalInt(body, 'max_tokens', 1) ?? 512,
    temperature: optionalNumber(body, 'temperature'),
    top_p: optionalNumber(body, 'top_p'),
    stop: nonEmpty(optionalStrings(body, 'stop')),
  };
  const reason = (g: Generation): string => (g.finishReason === 'length' ? 'length' : 'stop');
  if (body.messages !== undefined && body.prompt === undefined) {
    const messages = requiredArray(body, 'messages').map((turn, i) => chatMessage(turn, `#/messages/${i}`, true));
    return chatTranslation(messages, sampling, (g) => {
      const prompt = g.promptTokens ?? countTokens(messages.map((m) => m.content).join('\n'));
      const completion = g.completionTokens ?? countTokens(g.text);
      return {
        id: stableId(modelId, rawBody, 32),
        object: 'chat.completion',
        model: modelId,
        choices: [{ index: 0, message: { role: 'assistant', content: g.text }, finish_reason: reason(g) }],
        usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
      };
    });
  }
  const prompt = requiredString(body, 'prompt');
  return promptTranslation(prompt, sampling, textApi, (g) => ({ outputs: [{ text: g.text, stop_reason: reason(g) }] }));
}

const ANTHROPIC_STOP: Readonly<Record<string, string>> = { length: 'max_tokens' };

/** anthropic.claude-* Messages: {anthropic_version, max_tokens, messages, system} -> {content, stop_reason, usage}. */
export function anthropic({ modelId, body, rawBody }: ModelCall): Translation {
  if (body.messages === undefined && body.prompt !== undefined) {
    throw malformedInput('the openai backend translates the Messages API only; send {"messages": [...]} instead of "prompt"');
  }
  requiredString(body, 'anthropic_version');
  const turns = requiredArray(body, 'messages');
  if (turns.length === 0) throw malformedInput('#/messages: expected minimum item count: 1, found: 0');
  const messages = turns.map((turn, i) => chatMessage(turn, `#/messages/${i}`, false));
  const system = body.system === undefined ? undefined : contentText(body.system, '#/system');
  const sampling: Sampling = {
    max_tokens: requiredInt(body, 'max_tokens', 1),
    temperature: optionalNumber(body, 'temperature'),
    top_p: optionalNumber(body, 'top_p'),
    stop: nonEmpty(optionalStrings(body, 'stop_sequences')),
  };
  const all = system === undefined ? messages : [{ role: 'system' as const, content: system }, ...messages];
  return chatTranslation(all, sampling, (g) => ({
    id: `msg_bdrk_${stableId(modelId, rawBody)}`,
    type: 'message',
    role: 'assistant',
    model: modelId.replace(/^anthropic\./, '').replace(/-v\d+(:\d+)?$/, ''),
    content: [{ type: 'text', text: g.text }],
    stop_reason: ANTHROPIC_STOP[g.finishReason] ?? 'end_turn',
    stop_sequence: null,
    usage: {
      input_tokens: g.promptTokens ?? countTokens(all.map((m) => m.content).join('\n')),
      output_tokens: g.completionTokens ?? countTokens(g.text),
    },
  }));
}

function chatMessage(turn: JsonValue, at: string, allowSystem: boolean): ChatMessage {
  if (!isJsonObject(turn)) throw malformedInput(`${at}: expected type: JSONObject`);
  const role = requiredString(turn, 'role', at);
  if (role !== 'user' && role !== 'assistant' && !(allowSystem && role === 'system')) {
    throw malformedInput(`${at}/role: ${role} is not a valid enum value`);
  }
  if (turn.content === undefined) throw malformedInput(`${at}: required key [content] not found`);
  return { role, content: contentText(turn.content, `${at}/content`) };
}

/** A string, or the text blocks of a content array; other blocks (images, tools) have no OpenAI text equivalent. */
function contentText(content: JsonValue, at: string): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw malformedInput(`${at}: expected type: JSONArray or String`);
  return (content as readonly JsonValue[])
    .map((block, i) => {
      if (!isJsonObject(block) || block.type !== 'text') {
        throw malformedInput(`${at}/${i}: the openai backend translates text blocks only`);
      }
      return expectString(block.text ?? null, `${at}/${i}/text`);
    })
    .join('\n');
}

function optionalNumber(obj: JsonObject, key: string, at = '#'): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number') throw malformedInput(`${at}/${key}: expected type: Number`);
  return value;
}

function nonEmpty(list: readonly string[]): readonly string[] | undefined {
  return list.length > 0 ? list : undefined;
}

/** Drops undefined fields so servers apply their own defaults. */
function defined(sampling: Sampling): Record<string, unknown> {
  return Object.fromEntries(Object.entries(sampling).filter(([, v]) => v !== undefined));
}
