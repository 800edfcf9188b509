/**
 * Reads a Converse / ConverseStream request body into a Conversation, or
 * rejects it with ValidationException as Bedrock does. Text content blocks
 * are what the emulated models read; cache points are accepted and ignored;
 * images, documents, tools and guardrails are refused by name rather than
 * silently dropped, since an answer that ignored them would mislead.
 */

import { AwsError } from '../../aws-error.ts';
import type { Conversation, Turn } from '../../backends/bedrock/converse-native.ts';
import { isJsonObject, type JsonObject, type JsonValue } from '../../backends/bedrock/json.ts';

const invalid = (message: string) => new AwsError('ValidationException', message);

/** Members Bedrock defines that this emulator does not act on: refused with a message naming them. */
const UNSUPPORTED_MEMBERS = ['toolConfig', 'guardrailConfig', 'promptVariables'];

export function parseConversation(body: Buffer): Conversation {
  let request: JsonValue;
  try {
    request = JSON.parse(body.toString('utf8') || '{}') as JsonValue;
  } catch {
    throw invalid('The request body is not valid JSON.');
  }
  if (!isJsonObject(request)) throw invalid('The request body must be a JSON object.');
  for (const member of UNSUPPORTED_MEMBERS) {
    if (request[member] !== undefined && request[member] !== null) {
      throw invalid(`The emulator's Converse does not support ${member}; send text messages only.`);
    }
  }
  const turns = readTurns(request.messages);
  const system = readBlocks(request.system, 'system');
  const config = optionalObject(request.inferenceConfig, 'inferenceConfig') ?? {};
  const extra = optionalObject(request.additionalModelRequestFields, 'additionalModelRequestFields');
  const maxTokens = numberIn(config, 'maxTokens', 1, Number.MAX_SAFE_INTEGER, true);
  const temperature = numberIn(config, 'temperature', 0, 1, false);
  const topP = numberIn(config, 'topP', 0, 1, false);
  return {
    system,
    turns,
    ...(maxTokens === undefined ? {} : { maxTokens }),
    ...(temperature === undefined ? {} : { temperature }),
    ...(topP === undefined ? {} : { topP }),
    stopSequences: readStrings(config.stopSequences, 'inferenceConfig.stopSequences'),
    ...(extra ? { extra } : {}),
  };
}

function readTurns(value: JsonValue | undefined): Turn[] {
  if (value === undefined || value === null) {
    throw invalid("1 validation error detected: Value at 'messages' failed to satisfy constraint: Member must not be null");
  }
  if (!Array.isArray(value)) throw invalid("Value at 'messages' must be a list of messages.");
  const turns = (value as readonly JsonValue[]).map((message, i): Turn => {
    if (!isJsonObject(message)) throw invalid(`Value at 'messages.${i + 1}' must be an object with role and content.`);
    const role = message.role;
    if (role !== 'user' && role !== 'assistant') {
      throw invalid(
        `1 validation error detected: Value at 'messages.${i + 1}.member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]`,
      );
    }
    return { role, text: readBlocks(message.content, `messages.${i + 1}.content`).join('\n') };
  });
  if (turns[0]?.role !== 'user') {
    throw invalid(
      'A conversation must start with a user message. Try again with a conversation that starts with a user message.',
    );
  }
  for (let i = 1; i < turns.length; i++) {
    if (turns[i]?.role === turns[i - 1]?.role) {
      throw invalid(
        'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      );
    }
  }
  return turns;
}

/** The texts of a list of content blocks (each block is a union: exactly one member set). */
function readBlocks(value: JsonValue | undefined, at: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(`Value at '${at}' must be a list of content blocks.`);
  const texts: string[] = [];
  (value as readonly JsonValue[]).forEach((block, i) => {
    const where = `${at}.${i + 1}`;
    if (!isJsonObject(block)) throw invalid(`Value at '${where}' must be a content block object.`);
    const members = Object.keys(block).filter((k) => block[k] !== null && block[k] !== undefined);
    if (members.length !== 1) throw invalid(`Value at '${where}' must set exactly one member, found ${members.length}.`);
    const [member] = members as [string];
    if (member === 'cachePoint') return;
    if (member !== 'text') throw invalid(`The emulator's Converse reads text content blocks only; '${where}' is ${member}.`);
    if (typeof block.text !== 'string') throw invalid(`Value at '${where}.text' must be a string.`);
    texts.push(block.text);
  });
  return texts;
}

function optionalObject(value: JsonValue | undefined, at: string): JsonObject | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isJsonObject(value)) throw invalid(`Value at '${at}' must be an object.`);
  return value;
}

/** The member when set and within [min, max] (and whole when `integer`). */
function numberIn(config: JsonObject, key: string, min: number, max: number, integer: boolean): number | undefined {
  const value = config[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || (integer && !Number.isInteger(value)) || value < min || value > max) {
    const bound = max === Number.MAX_SAFE_INTEGER ? `greater than or equal to ${min}` : `between ${min} and ${max}`;
    throw invalid(
      `1 validation error detected: Value '${String(value)}' at 'inferenceConfig.${key}' failed to satisfy constraint: Member must be ${bound}`,
    );
  }
  return value;
}

function readStrings(value: JsonValue | undefined, at: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !(value as readonly JsonValue[]).every((v) => typeof v === 'string')) {
    throw invalid(`Value at '${at}' must be a list of strings.`);
  }
  return [...(value as readonly string[])];
}
