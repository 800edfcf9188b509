/**
 * The parts of the OpenAI API that OpenAI-compatible servers (Ollama, vLLM,
 * llama.cpp, LM Studio...) all implement, and readers that check a response
 * before any Bedrock shape is built from it.
 */
import { EmulatorError } from '../../errors.ts';

export type OpenAiPath = '/v1/chat/completions' | '/v1/completions' | '/v1/embeddings';

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
}

/** Sampling parameters shared by chat and text completions; undefined ones are not sent. */
export interface Sampling {
  readonly max_tokens?: number | undefined;
  readonly temperature?: number | undefined;
  readonly top_p?: number | undefined;
  readonly stop?: readonly string[] | undefined;
}

/** What a text completion produced, whichever endpoint produced it. */
export interface Generation {
  readonly text: string;
  /** OpenAI's finish_reason: 'stop', 'length', 'content_filter', or what the server says. */
  readonly finishReason: string;
  readonly promptTokens: number | undefined;
  readonly completionTokens: number | undefined;
}

export interface Embeddings {
  readonly vectors: number[][];
  readonly promptTokens: number | undefined;
}

type Json = Record<string, unknown>;

function invalid(path: OpenAiPath, reason: string): EmulatorError {
  return new EmulatorError('InvalidResponse', `The OpenAI-compatible server's answer to ${path} cannot be read: ${reason}`, {
    serviceCode: 'ModelErrorException',
  });
}

export function parseBody(path: OpenAiPath, text: string): Json {
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Json;
  } catch {
    // reported below
  }
  throw invalid(path, 'the body is not a JSON object');
}

/** choices[0] of /v1/chat/completions (message.content) or /v1/completions (text). */
export function readGeneration(path: OpenAiPath, body: Json): Generation {
  const choices = body.choices;
  const choice = Array.isArray(choices) ? (choices[0] as Json | undefined) : undefined;
  if (typeof choice !== 'object' || choice === null) throw invalid(path, 'it has no choices[0]');
  let text: unknown;
  if (path === '/v1/chat/completions') {
    const message = choice.message as Json | undefined;
    // A null content is a legitimate empty answer (e.g. cut off at max_tokens 0).
    text = message?.content ?? (message ? '' : undefined);
  } else {
    text = choice.text;
  }
  if (typeof text !== 'string') throw invalid(path, 'choices[0] carries no text');
  const usage = (body.usage ?? {}) as Json;
  return {
    text,
    finishReason: typeof choice.finish_reason === 'string' ? choice.finish_reason : 'stop',
    promptTokens: count(usage.prompt_tokens),
    completionTokens: count(usage.completion_tokens),
  };
}

/** data[].embedding of /v1/embeddings, in input order. */
export function readEmbeddings(body: Json, expected: number): Embeddings {
  const data = body.data;
  if (!Array.isArray(data) || data.length !== expected) {
    throw invalid(
      '/v1/embeddings',
      `expected ${expected} embeddings in data, found ${Array.isArray(data) ? data.length : 'none'}`,
    );
  }
  const items = (data as Json[]).map((item, i) => ({ index: typeof item?.index === 'number' ? item.index : i, item }));
  items.sort((a, b) => a.index - b.index);
  const vectors = items.map(({ item }, i) => {
    const vector = item?.embedding;
    if (!Array.isArray(vector) || vector.length === 0 || !vector.every((x) => typeof x === 'number')) {
      throw invalid('/v1/embeddings', `data[${i}].embedding is not an array of numbers (base64 encoding is not supported)`);
    }
    return vector as number[];
  });
  return { vectors, promptTokens: count(((body.usage ?? {}) as Json).prompt_tokens) };
}

function count(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? value : undefined;
}
