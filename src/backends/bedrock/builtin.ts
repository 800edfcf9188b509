/**
 * The built-in Bedrock backend (kind 'builtin'): answers InvokeModel for the
 * common model families with each family's real JSON request and response
 * shapes, deterministically and in process. Text models return a templated
 * echo summary of the prompt (see text.ts); embedding models return hashed
 * n-gram vectors (see embeddings.ts). Neither is a real model.
 */
import { canceledError } from '../support/call-guard.ts';
import type { BedrockBackend, CallContext, InvokeRequest, InvokeResponse } from '../types.ts';
import { anthropic } from './families/anthropic.ts';
import { cohereChat, cohereEmbed, cohereGenerate } from './families/cohere.ts';
import type { FamilyHandler } from './families/handler.ts';
import { llama } from './families/llama.ts';
import { mistral } from './families/mistral.ts';
import { titanEmbedV1, titanEmbedV2, titanText } from './families/titan.ts';
import { parseJsonObject } from './json.ts';
import { BEDROCK_MAX_PAYLOAD_BYTES, inferenceTimeout, malformedInput, modelNotFound, payloadTooLarge } from './limits.ts';
import { baseModelId } from './model-id.ts';

export type ModelFamily =
  | 'titan-text'
  | 'titan-embed-v1'
  | 'titan-embed-v2'
  | 'cohere-embed'
  | 'cohere-chat'
  | 'cohere-generate'
  | 'anthropic'
  | 'llama'
  | 'mistral';

const HANDLERS: Record<ModelFamily, FamilyHandler> = {
  'titan-text': titanText,
  'titan-embed-v1': titanEmbedV1,
  'titan-embed-v2': titanEmbedV2,
  'cohere-embed': cohereEmbed,
  'cohere-chat': cohereChat,
  'cohere-generate': cohereGenerate,
  anthropic,
  llama,
  mistral,
};

/** Base model id prefixes, most specific first. */
const PREFIXES: readonly (readonly [string, ModelFamily])[] = [
  ['amazon.titan-text-', 'titan-text'],
  ['amazon.titan-tg1-', 'titan-text'],
  ['amazon.titan-embed-text-v2', 'titan-embed-v2'],
  ['amazon.titan-embed-text-v1', 'titan-embed-v1'],
  ['amazon.titan-embed-g1-text', 'titan-embed-v1'],
  ['cohere.embed-', 'cohere-embed'],
  ['cohere.command-r', 'cohere-chat'],
  ['cohere.command', 'cohere-generate'],
  ['anthropic.claude', 'anthropic'],
  ['meta.llama', 'llama'],
  ['mistral.', 'mistral'],
];

const PREFIX_NAMES = [...new Set(PREFIXES.map(([prefix]) => prefix))];

/** The family that answers `modelId`, if the built-in backend knows it. */
export function modelFamily(modelId: string): ModelFamily | undefined {
  const base = baseModelId(modelId);
  return PREFIXES.find(([prefix]) => base.startsWith(prefix))?.[1];
}

export class BuiltinBedrockBackend implements BedrockBackend {
  readonly kind = 'builtin';

  async invokeModel(modelId: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const start = Date.now();
    if (request.body.length > BEDROCK_MAX_PAYLOAD_BYTES) throw payloadTooLarge(modelId, request.body.length);
    // The work below is synchronous and short, so the deadline and the
    // cancel signal are checked on entry and again before answering.
    checkContext(modelId, ctx, start);
    const family = modelFamily(modelId);
    if (!family) throw modelNotFound(modelId, PREFIX_NAMES);
    if (!isJsonType(request.contentType)) {
      throw malformedInput(`the content type must be application/json, not ${request.contentType}`);
    }
    const rawBody = request.body.toString('utf8');
    const response = HANDLERS[family]({ modelId: baseModelId(modelId), body: parseJsonObject(rawBody), rawBody });
    checkContext(modelId, ctx, start);
    return { body: Buffer.from(JSON.stringify(response)), contentType: 'application/json' };
  }
}

function checkContext(modelId: string, ctx: CallContext, start: number): void {
  if (ctx.signal.aborted) throw canceledError();
  if (Date.now() >= ctx.deadline) throw inferenceTimeout(modelId, Math.max(0, ctx.deadline - start));
}

function isJsonType(contentType: string): boolean {
  const type = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return type === '' || type === 'application/json' || type === '*/*';
}
