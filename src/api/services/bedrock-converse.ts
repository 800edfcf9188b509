/**
 * Bedrock Runtime Converse (`POST /model/{modelId}/converse`) and
 * ConverseStream (`.../converse-stream`). The conversation is sent to the
 * model's backend as the InvokeModel body its family takes (see
 * backends/bedrock/converse-native.ts), so per-model routing, faults,
 * latency and the call log apply exactly as they do to InvokeModel; the
 * call log names the backend call InvokeModel. ConverseStream answers the
 * whole reply at once as one event stream: the events and their order are
 * Bedrock's, the pacing is not.
 */
import { type Conversation, nativeRequest, type Reply } from '../../backends/bedrock/converse-native.ts';
import type { BedrockBackend, CallContext } from '../../backends/types.ts';
import { checkBodySize } from './bedrock-runtime.ts';
import { parseConversation } from './converse-request.ts';
import { jsonEvent } from './event-stream.ts';
import type { Authorize, ServiceRequest, ServiceResponse } from './types.ts';

/** Words per contentBlockDelta, so a client's stream handling sees more than one delta. */
const WORDS_PER_DELTA = 4;

export async function handleConverse(
  request: ServiceRequest,
  operation: 'Converse' | 'ConverseStream',
  modelId: string,
  arn: string,
  backend: BedrockBackend,
  authorize: Authorize,
  ctx: CallContext,
): Promise<ServiceResponse> {
  // Bedrock authorizes Converse as InvokeModel and ConverseStream as its streaming twin.
  authorize(operation === 'Converse' ? 'bedrock:InvokeModel' : 'bedrock:InvokeModelWithResponseStream', arn);
  checkBodySize(request.body);
  const started = Date.now();
  const reply = await converse(modelId, parseConversation(request.body), backend, ctx);
  const latencyMs = Date.now() - started;
  return operation === 'Converse' ? converseResponse(reply, latencyMs) : streamResponse(reply, latencyMs);
}

async function converse(modelId: string, conversation: Conversation, backend: BedrockBackend, ctx: CallContext): Promise<Reply> {
  const native = nativeRequest(modelId, conversation);
  const answer = await backend.invokeModel(
    modelId,
    { body: native.body, contentType: 'application/json', accept: 'application/json' },
    ctx,
  );
  return native.read(answer.body);
}

const usageOf = (reply: Reply) => ({
  inputTokens: reply.inputTokens,
  outputTokens: reply.outputTokens,
  totalTokens: reply.inputTokens + reply.outputTokens,
});

function converseResponse(reply: Reply, latencyMs: number): ServiceResponse {
  const body = {
    output: { message: { role: 'assistant', content: [{ text: reply.text }] } },
    stopReason: reply.stopReason,
    usage: usageOf(reply),
    metrics: { latencyMs },
  };
  return { status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify(body), 'utf8') };
}

/** The reply cut after every few words; whitespace stays with the word before it, so the pieces join back exactly. */
function deltas(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/g) ?? [''];
  const out: string[] = [];
  for (let i = 0; i < words.length; i += WORDS_PER_DELTA) out.push(words.slice(i, i + WORDS_PER_DELTA).join(''));
  return out;
}

function streamResponse(reply: Reply, latencyMs: number): ServiceResponse {
  const events = [
    jsonEvent('messageStart', { role: 'assistant' }),
    ...deltas(reply.text).map((text) => jsonEvent('contentBlockDelta', { contentBlockIndex: 0, delta: { text } })),
    jsonEvent('contentBlockStop', { contentBlockIndex: 0 }),
    jsonEvent('messageStop', { stopReason: reply.stopReason }),
    jsonEvent('metadata', { usage: usageOf(reply), metrics: { latencyMs } }),
  ];
  return { status: 200, headers: { 'content-type': 'application/vnd.amazon.eventstream' }, body: Buffer.concat(events) };
}
