/**
 * aws_bedrock.invoke_model and invoke_model_get_embeddings: one request per
 * distinct call (Bedrock has no batching in Aurora), the raw response body as
 * model_output, or the float array found under json_key.
 */
import type { BedrockBackend } from '../backends/types.ts';
import { EmulatorError } from '../errors.ts';
import type { EvalContext, MlCall, MlResults } from '../ml/calls.ts';
import { callContext } from '../ml/deadline.ts';
import { limits } from '../ml/limits.ts';
import { runBatches } from '../ml/run-batches.ts';
import type { MlStats } from '../ml/stats.ts';

/** Finds the embedding under json_key ('embedding', or 'embeddings' holding [[...]]). */
export function embeddingFrom(body: string, jsonKey: string, modelId: string): number[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new EmulatorError('InvalidResponse', `Bedrock model ${modelId} did not answer JSON, so no embedding could be read`);
  }
  let value = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[jsonKey] : undefined;
  if (Array.isArray(value) && Array.isArray(value[0])) value = value[0];
  if (!Array.isArray(value) || !value.every((n) => typeof n === 'number')) {
    throw new EmulatorError(
      'InvalidResponse',
      `Bedrock model ${modelId}: the response has no numeric array under the key "${jsonKey}"`,
      { hint: 'Pass the key your model family uses, e.g. embedding (Titan) or embeddings (Cohere).' },
    );
  }
  return value as number[];
}

export async function evaluateBedrock(
  calls: readonly MlCall[],
  backend: BedrockBackend,
  ctx: EvalContext,
  stats: MlStats,
): Promise<MlResults> {
  const results: MlResults = new Map();
  const jobs = calls.map((call) => async () => {
    // A fifth argument is the MySQL ALIAS function's TIMEOUT_MS (it replaces aurora_ml_inference_timeout).
    const [modelId, contentType, third, input, timeoutMs] = call.args;
    if (modelId === null || input === null || input === undefined) {
      results.set(call.key, null);
      return;
    }
    const embeddings = call.fn === 'aws_bedrock.invoke_model_get_embeddings';
    const body = Buffer.from(String(input), 'utf8');
    if (body.length > limits.bedrockMaxBodyBytes) {
      throw new EmulatorError(
        'PayloadTooLarge',
        `Bedrock ValidationException: the request body is ${body.length} bytes; the limit is ${limits.bedrockMaxBodyBytes} bytes`,
        { serviceCode: 'ValidationException' },
      );
    }
    stats.actualRequests++;
    stats.singleRequests++;
    const response = await backend.invokeModel(
      String(modelId),
      {
        body,
        contentType: String(contentType ?? 'application/json'),
        accept: embeddings ? 'application/json' : String(third ?? 'application/json'),
      },
      callContext(typeof timeoutMs === 'number' && timeoutMs > 0 ? { ...ctx, inferenceTimeoutMs: timeoutMs } : ctx),
    );
    stats.actualResponses++;
    const text = response.body.toString('utf8');
    results.set(
      call.key,
      embeddings ? `{${embeddingFrom(text, String(third ?? 'embedding'), String(modelId)).join(',')}}` : text,
    );
  });
  await runBatches(jobs, limits.requestConcurrency, ctx.progress);
  return results;
}
