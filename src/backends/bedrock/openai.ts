/**
 * Bedrock backend (kind 'openai') for any OpenAI-compatible server: Ollama,
 * vLLM, llama.cpp's server, LM Studio... Each InvokeModel body is translated
 * from its model family's Bedrock shape into an OpenAI chat, text completion
 * or embeddings request, and the answer back into the family's Bedrock
 * response, so SQL written for Bedrock runs against a local model.
 */
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import { ConnectError, HttpClient, ResponseError } from '../sagemaker/http-client.ts';
import { guardCall } from '../support/call-guard.ts';
import type { BedrockBackend, CallContext, InvokeRequest, InvokeResponse } from '../types.ts';
import { modelFamily } from './builtin.ts';
import { parseJsonObject } from './json.ts';
import { BEDROCK_MAX_PAYLOAD_BYTES, inferenceTimeout, malformedInput, modelNotFound, payloadTooLarge } from './limits.ts';
import { baseModelId } from './model-id.ts';
import { httpError, modelTimeout, notTranslated, unreachable } from './openai-errors.ts';
import type { TextApi } from './openai-text.ts';
import { TRANSLATORS, type Translation } from './openai-translation.ts';

/** What the hint of an unknown model id lists. */
const TRANSLATED_FAMILIES = [
  'amazon.titan-text',
  'amazon.titan-embed',
  'anthropic.claude',
  'meta.llama',
  'mistral.',
  'cohere.embed',
];

import { parseBody } from './openai-wire.ts';

export interface OpenAiBedrockBackendOptions {
  /** The server's base URL, with or without /v1: http://127.0.0.1:11434 (Ollama), http://127.0.0.1:8000 (vLLM). */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <apiKey>` when set. */
  readonly apiKey?: string;
  /** Bedrock model id (as sent, or its base id) -> the server's model name. */
  readonly models?: Readonly<Record<string, string>>;
  /** The server model for Bedrock ids not in `models`; default: the Bedrock base model id itself. */
  readonly defaultModel?: string;
  /** Endpoint for prompt-style families (Titan Text, Llama, Mistral prompts): 'chat' (default) or raw 'completions'. */
  readonly textApi?: TextApi;
  /** A model time limit of the backend's own, reported as ModelTimeoutException; default: only the caller's deadline. */
  readonly modelTimeoutMs?: number;
}

export class OpenAiBedrockBackend implements BedrockBackend {
  readonly kind = 'openai';
  private readonly base: URL;
  private readonly client: HttpClient;

  constructor(private readonly options: OpenAiBedrockBackendOptions) {
    this.base = parseBaseUrl(options.baseUrl);
    this.client = new HttpClient(this.base);
  }

  /** The server model name a Bedrock model id is sent as. */
  serverModel(modelId: string): string {
    const base = baseModelId(modelId);
    return this.options.models?.[modelId] ?? this.options.models?.[base] ?? this.options.defaultModel ?? base;
  }

  async invokeModel(modelId: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    if (request.body.length > BEDROCK_MAX_PAYLOAD_BYTES) throw payloadTooLarge(modelId, request.body.length);
    const family = modelFamily(modelId);
    // An id of no known family is unknown to Bedrock itself; a known family without a translation is ours to refuse.
    if (!family) throw modelNotFound(modelId, TRANSLATED_FAMILIES);
    const translator = TRANSLATORS[family];
    if (!translator) throw notTranslated(modelId);
    const type = (request.contentType.split(';')[0] ?? '').trim().toLowerCase();
    if (type !== '' && type !== 'application/json' && type !== '*/*') {
      throw malformedInput(`the content type must be application/json, not ${request.contentType}`);
    }
    const rawBody = request.body.toString('utf8');
    const translation = translator(
      { modelId: baseModelId(modelId), body: parseJsonObject(rawBody), rawBody },
      this.options.textApi ?? 'chat',
    );

    const start = Date.now();
    const limit = this.options.modelTimeoutMs;
    const callerFirst = limit === undefined || ctx.deadline <= start + limit;
    const deadline = callerFirst ? ctx.deadline : start + limit;
    const onTimeout = (): EmulatorError =>
      callerFirst ? inferenceTimeout(modelId, Math.max(0, ctx.deadline - start)) : modelTimeout(modelId);
    const answer = await guardCall(ctx, deadline, onTimeout, (signal) => this.exchange(modelId, translation, signal));
    return { body: Buffer.from(JSON.stringify(translation.respond(answer))), contentType: 'application/json' };
  }

  async close(): Promise<void> {
    this.client.close();
  }

  private async exchange(modelId: string, translation: Translation, signal: AbortSignal): Promise<Record<string, unknown>> {
    const url = new URL(`${this.base.pathname.replace(/\/+$/, '')}${translation.path}`, this.base);
    const model = this.serverModel(modelId);
    const body = Buffer.from(JSON.stringify({ model, ...translation.request }));
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      accept: 'application/json',
      'content-length': String(body.length),
    };
    if (this.options.apiKey) headers.authorization = `Bearer ${this.options.apiKey}`;
    let result: Awaited<ReturnType<HttpClient['send']>>;
    try {
      result = await this.client.send({
        method: 'POST',
        url,
        headers,
        body,
        maxResponseBytes: BEDROCK_MAX_PAYLOAD_BYTES,
        signal,
      });
    } catch (err) {
      // Once our signal fired, the guard has already settled with the right error.
      if (signal.aborted && signal.reason instanceof EmulatorError) throw signal.reason;
      if (err instanceof ConnectError) throw unreachable(modelId, url.href, err.code, err);
      if (err instanceof ResponseError) throw httpError(modelId, model, 502, err.message, url.href);
      throw toEmulatorError(err);
    }
    const text = result.body.toString('utf8');
    if (result.status < 200 || result.status > 299) throw httpError(modelId, model, result.status, text, url.href);
    return parseBody(translation.path, text);
  }
}

/** Accepts the server's root or its /v1 URL; requests always go to <root>/v1/... */
function parseBaseUrl(baseUrl: string): URL {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new EmulatorError('InvalidArgument', `Invalid OpenAI-compatible server URL "${baseUrl}": expected http://host:port`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EmulatorError(
      'InvalidArgument',
      `Invalid OpenAI-compatible server URL "${baseUrl}": only http and https are supported`,
    );
  }
  url.pathname = url.pathname.replace(/\/+$/, '').replace(/\/v1$/, '');
  return url;
}

export function createOpenAiBedrockBackend(opts: OpenAiBedrockBackendOptions): OpenAiBedrockBackend {
  return new OpenAiBedrockBackend(opts);
}
