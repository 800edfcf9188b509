/**
 * Converse on top of InvokeModel: a conversation becomes the request body
 * each model family takes natively, and the family's answer becomes one
 * reply. Every backend (built-in, OpenAI-compatible, real AWS, recorded)
 * already answers those native bodies, so Converse gets their routing,
 * faults and call log without a second backend method. A single user turn
 * without a system prompt is sent as the bare text to the prompt-style
 * families, so Converse and InvokeModel agree for the same prompt.
 */
import { EmulatorError } from '../../errors.ts';
import { type ModelFamily, modelFamily } from './builtin.ts';
import { isJsonObject, type JsonObject, type JsonValue } from './json.ts';
import { modelNotFound } from './limits.ts';
import { baseModelId } from './model-id.ts';
import { countTokens } from './text.ts';

export interface Turn {
  readonly role: 'user' | 'assistant';
  readonly text: string;
}

export interface Conversation {
  readonly system: readonly string[];
  readonly turns: readonly Turn[];
  readonly maxTokens?: number;
  readonly temperature?: number;
  readonly topP?: number;
  readonly stopSequences: readonly string[];
  /** additionalModelRequestFields: merged over the native body, as Bedrock does. */
  readonly extra?: JsonObject;
}

/** Converse's StopReason values this mapping produces. */
export type StopReason = 'end_turn' | 'max_tokens' | 'stop_sequence' | 'content_filtered' | 'tool_use';

export interface Reply {
  readonly text: string;
  readonly stopReason: StopReason;
  readonly inputTokens: number;
  readonly outputTokens: number;
}

/** How one family is asked and how its answer is read. */
interface NativeMapping {
  readonly body: (modelId: string, c: Conversation) => Record<string, JsonValue>;
  readonly reply: (answer: JsonObject, c: Conversation) => Reply;
}

const CONVERSE_FAMILIES = ['amazon.titan-text', 'anthropic.claude', 'meta.llama', 'mistral.', 'cohere.command'];

/** The native request body for `modelId`, and how to read its answer; throws what Bedrock says for a model Converse cannot use. */
export function nativeRequest(modelId: string, conversation: Conversation): { body: Buffer; read: (answer: Buffer) => Reply } {
  const family = modelFamily(modelId);
  // An id of no known family is one Bedrock cannot resolve: the same error InvokeModel gives.
  if (!family) throw modelNotFound(modelId, CONVERSE_FAMILIES);
  const mapping = MAPPINGS[family];
  if (!mapping) {
    throw new EmulatorError(
      'InvalidArgument',
      "This action doesn't support the model that you provided. Try again with a supported text or chat model.",
      { serviceCode: 'ValidationException' },
    );
  }
  const body = { ...mapping.body(baseModelId(modelId), conversation), ...conversation.extra };
  return {
    body: Buffer.from(JSON.stringify(body)),
    read: (answer) => mapping.reply(parseAnswer(modelId, answer), conversation),
  };
}

function parseAnswer(modelId: string, answer: Buffer): JsonObject {
  let value: JsonValue;
  try {
    value = JSON.parse(answer.toString('utf8')) as JsonValue;
  } catch {
    value = null;
  }
  if (!isJsonObject(value)) {
    throw new EmulatorError('InvalidResponse', `Model ${modelId} answered with a body that is not a JSON object.`, {
      serviceCode: 'ModelErrorException',
    });
  }
  return value;
}

/** Drops undefined members so the native body holds only what the caller set. */
function defined(fields: Record<string, JsonValue | undefined>): Record<string, JsonValue> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Record<string, JsonValue>;
}

/** A lone user turn with no system prompt: the bare text, as an InvokeModel caller would send it. */
function loneUserText(c: Conversation): string | undefined {
  const [only] = c.turns;
  return c.system.length === 0 && c.turns.length === 1 && only?.role === 'user' ? only.text : undefined;
}

const lastUserText = (c: Conversation): string => c.turns.filter((t) => t.role === 'user').at(-1)?.text ?? '';
const inputText = (c: Conversation): string => [...c.system, ...c.turns.map((t) => t.text)].join('\n');

function str(v: JsonValue | undefined): string {
  return typeof v === 'string' ? v : '';
}

function num(v: JsonValue | undefined): number | undefined {
  return typeof v === 'number' ? v : undefined;
}

function first(v: JsonValue | undefined): JsonObject {
  const item = Array.isArray(v) ? (v as readonly JsonValue[])[0] : undefined;
  return isJsonObject(item) ? item : {};
}

/** Usage from the model's own counts, or counted the built-in way when the family reports none. */
function reply(c: Conversation, text: string, stopReason: StopReason, input?: number, output?: number): Reply {
  return { text, stopReason, inputTokens: input ?? countTokens(inputText(c)), outputTokens: output ?? countTokens(text) };
}

/** Titan's own chat transcript: "User: ...", "Bot: ...", ending on the Bot turn to write. */
function titanTranscript(c: Conversation): string {
  const lines = [...c.system, ...c.turns.map((t) => `${t.role === 'user' ? 'User' : 'Bot'}: ${t.text}`), 'Bot:'];
  return lines.join('\n');
}

function llamaPrompt(modelId: string, c: Conversation): string {
  const lone = loneUserText(c);
  if (lone !== undefined) return lone;
  if (modelId.startsWith('meta.llama2')) return instPrompt(c);
  const header = (role: string, text: string) => `<|start_header_id|>${role}<|end_header_id|>\n\n${text}<|eot_id|>`;
  const system = c.system.length > 0 ? header('system', c.system.join('\n')) : '';
  const turns = c.turns.map((t) => header(t.role, t.text)).join('');
  return `<|begin_of_text|>${system}${turns}<|start_header_id|>assistant<|end_header_id|>\n\n`;
}

/** Llama 2 / Mistral [INST] blocks, the system prompt in <<SYS>> inside the first. */
function instPrompt(c: Conversation): string {
  let out = '<s>';
  let system = c.system.length > 0 ? `<<SYS>>\n${c.system.join('\n')}\n<</SYS>>\n\n` : '';
  for (const turn of c.turns) {
    if (turn.role === 'user') {
      out += `[INST] ${system}${turn.text} [/INST]`;
      system = '';
    } else out += ` ${turn.text}</s><s>`;
  }
  return out;
}

const titanText: NativeMapping = {
  body: (_id, c) => ({
    inputText: loneUserText(c) ?? titanTranscript(c),
    textGenerationConfig: defined({
      maxTokenCount: c.maxTokens,
      temperature: c.temperature,
      topP: c.topP,
      stopSequences: c.stopSequences.length > 0 ? [...c.stopSequences] : undefined,
    }),
  }),
  reply: (answer, c) => {
    const result = first(answer.results);
    const reasons: Record<string, StopReason> = {
      LENGTH: 'max_tokens',
      STOP_CRITERIA_MET: 'stop_sequence',
      CONTENT_FILTERED: 'content_filtered',
    };
    const reason = reasons[str(result.completionReason)] ?? 'end_turn';
    return reply(c, str(result.outputText), reason, num(answer.inputTextTokenCount), num(result.tokenCount));
  },
};

const anthropic: NativeMapping = {
  body: (_id, c) =>
    defined({
      anthropic_version: 'bedrock-2023-05-31',
      // Messages requires max_tokens; Converse lets it default to the model's limit.
      max_tokens: c.maxTokens ?? 4096,
      system: c.system.length > 0 ? c.system.join('\n') : undefined,
      messages: c.turns.map((t) => ({ role: t.role, content: [{ type: 'text', text: t.text }] })),
      temperature: c.temperature,
      top_p: c.topP,
      stop_sequences: c.stopSequences.length > 0 ? [...c.stopSequences] : undefined,
    }),
  reply: (answer, c) => {
    const blocks = Array.isArray(answer.content) ? (answer.content as readonly JsonValue[]).filter(isJsonObject) : [];
    const text = blocks
      .filter((b) => b.type === 'text')
      .map((b) => str(b.text))
      .join('');
    const reasons: Record<string, StopReason> = {
      max_tokens: 'max_tokens',
      stop_sequence: 'stop_sequence',
      tool_use: 'tool_use',
    };
    const usage = isJsonObject(answer.usage) ? answer.usage : {};
    return reply(c, text, reasons[str(answer.stop_reason)] ?? 'end_turn', num(usage.input_tokens), num(usage.output_tokens));
  },
};

const llama: NativeMapping = {
  body: (id, c) => defined({ prompt: llamaPrompt(id, c), max_gen_len: c.maxTokens, temperature: c.temperature, top_p: c.topP }),
  reply: (answer, c) =>
    reply(
      c,
      str(answer.generation),
      answer.stop_reason === 'length' ? 'max_tokens' : 'end_turn',
      num(answer.prompt_token_count),
      num(answer.generation_token_count),
    ),
};

const mistral: NativeMapping = {
  body: (_id, c) =>
    defined({
      prompt: loneUserText(c) ?? instPrompt(c),
      max_tokens: c.maxTokens,
      temperature: c.temperature,
      top_p: c.topP,
      stop: c.stopSequences.length > 0 ? [...c.stopSequences] : undefined,
    }),
  reply: (answer, c) => {
    const output = first(answer.outputs);
    return reply(c, str(output.text), output.stop_reason === 'length' ? 'max_tokens' : 'end_turn');
  },
};

const cohereSampling = (c: Conversation) => ({
  max_tokens: c.maxTokens,
  temperature: c.temperature,
  p: c.topP,
  stop_sequences: c.stopSequences.length > 0 ? [...c.stopSequences] : undefined,
});

const cohereStop = (reason: JsonValue | undefined): StopReason => (reason === 'MAX_TOKENS' ? 'max_tokens' : 'end_turn');

const cohereChat: NativeMapping = {
  body: (_id, c) => {
    const lastUser = c.turns.map((t) => t.role).lastIndexOf('user');
    const history = c.turns.slice(0, lastUser).map((t) => ({ role: t.role === 'user' ? 'USER' : 'CHATBOT', message: t.text }));
    return defined({
      message: lastUserText(c),
      chat_history: history.length > 0 ? history : undefined,
      preamble: c.system.length > 0 ? c.system.join('\n') : undefined,
      ...cohereSampling(c),
    });
  },
  reply: (answer, c) => reply(c, str(answer.text), cohereStop(answer.finish_reason)),
};

const cohereGenerate: NativeMapping = {
  body: (_id, c) => defined({ prompt: loneUserText(c) ?? titanTranscript(c), ...cohereSampling(c) }),
  reply: (answer, c) => {
    const generation = first(answer.generations);
    return reply(c, str(generation.text), cohereStop(generation.finish_reason));
  },
};

/** Embedding families have no Converse form. */
const MAPPINGS: Readonly<Record<ModelFamily, NativeMapping | undefined>> = {
  'titan-text': titanText,
  'titan-embed-v1': undefined,
  'titan-embed-v2': undefined,
  'cohere-embed': undefined,
  'cohere-chat': cohereChat,
  'cohere-generate': cohereGenerate,
  anthropic,
  llama,
  mistral,
};
