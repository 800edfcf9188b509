/**
 * The built-in text models' "generation": a short, deterministic, templated
 * echo summary of the prompt, so tests and demos get stable output. It is not
 * a language model, and its answers say so.
 */
import { createHash } from 'node:crypto';

/** One token per word (run of letters/digits) or punctuation mark: stable, close enough to real tokenizers for usage counts. */
const TOKEN = /[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu;
const EXCERPT_WORDS = 16;

export function countTokens(text: string): number {
  let n = 0;
  for (const _ of text.matchAll(TOKEN)) n++;
  return n;
}

/** Strips chat-template markers (Llama, Mistral, legacy Claude) so the summary quotes what the user wrote. */
export function cleanPrompt(prompt: string): string {
  return prompt
    .replace(/<\|start_header_id\|>[^<]*<\|end_header_id\|>/g, ' ')
    .replace(/<\|[^|>]*\|>|\[\/?INST\]|<\/?s>|<<\/?SYS>>/g, ' ')
    .replace(/\n\n(Human|Assistant):/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

/** The reply to `prompt`: the same prompt and model always give the same text. */
export function composeReply(modelId: string, prompt: string): string {
  const words = cleanPrompt(prompt)
    .split(' ')
    .filter((w) => w !== '');
  if (words.length === 0) return `Emulated reply from ${modelId}: the prompt was empty.`;
  const excerpt = words.slice(0, EXCERPT_WORDS).join(' ') + (words.length > EXCERPT_WORDS ? ' ...' : '');
  const count = `${words.length} word${words.length === 1 ? '' : 's'}`;
  return `Emulated reply from ${modelId}. Your prompt (${count}) reads: "${excerpt}"`;
}

export type FinishReason = 'complete' | 'length' | 'stop_sequence';

export interface Completion {
  readonly text: string;
  readonly tokens: number;
  readonly reason: FinishReason;
  /** The stop sequence that ended the text, when reason is 'stop_sequence'. */
  readonly stopSequence: string | null;
}

/** Applies stop sequences (earliest match wins), then the token budget, as the real models do. */
export function finish(text: string, maxTokens: number, stopSequences: readonly string[]): Completion {
  let out = text;
  let stopSequence: string | null = null;
  let cut = -1;
  for (const stop of stopSequences) {
    const at = stop === '' ? -1 : out.indexOf(stop);
    if (at >= 0 && (cut < 0 || at < cut)) {
      cut = at;
      stopSequence = stop;
    }
  }
  if (cut >= 0) out = out.slice(0, cut);
  let tokens = 0;
  for (const match of out.matchAll(TOKEN)) {
    if (tokens === maxTokens) {
      return { text: out.slice(0, match.index).trimEnd(), tokens, reason: 'length', stopSequence: null };
    }
    tokens++;
  }
  return { text: out, tokens, reason: stopSequence === null ? 'complete' : 'stop_sequence', stopSequence };
}

/** A stable response id derived from the model and the request, so equal requests give byte-equal responses. */
export function stableId(modelId: string, body: string, length = 24): string {
  return createHash('sha256').update(modelId).update('\0').update(body).digest('hex').slice(0, length);
}
