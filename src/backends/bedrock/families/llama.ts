/** Meta Llama: {prompt, max_gen_len} -> {generation, prompt_token_count, generation_token_count, stop_reason}. */
import { type JsonValue, optionalInt, requiredString } from '../json.ts';
import { composeReply, countTokens, finish } from '../text.ts';
import type { ModelCall } from './handler.ts';

export function llama({ modelId, body }: ModelCall): JsonValue {
  const prompt = requiredString(body, 'prompt');
  const out = finish(composeReply(modelId, prompt), optionalInt(body, 'max_gen_len', 1) ?? 512, []);
  return {
    generation: out.text,
    prompt_token_count: countTokens(prompt),
    generation_token_count: out.tokens,
    stop_reason: out.reason === 'length' ? 'length' : 'stop',
  };
}
