/**
 * Which translation answers each Bedrock model family on an OpenAI-compatible
 * server. A translation is the OpenAI request (without `model`, which the
 * backend fills in from its model-id mapping) and the function that turns
 * the server's answer into the family's Bedrock response body.
 */
import type { ModelFamily } from './builtin.ts';
import type { ModelCall } from './families/handler.ts';
import type { JsonValue } from './json.ts';
import { cohereEmbed, titanEmbedV1, titanEmbedV2 } from './openai-embed.ts';
import { anthropic, llama, mistral, type TextApi, titanText } from './openai-text.ts';
import type { OpenAiPath } from './openai-wire.ts';

export interface Translation {
  readonly path: OpenAiPath;
  readonly request: Readonly<Record<string, unknown>>;
  readonly respond: (body: Record<string, unknown>) => JsonValue;
}

type Translator = (call: ModelCall, textApi: TextApi) => Translation;

/** Cohere's generate and chat APIs have no faithful OpenAI counterpart (documents, connectors...): not translated. */
export const TRANSLATORS: Readonly<Record<ModelFamily, Translator | undefined>> = {
  'titan-text': titanText,
  'titan-embed-v1': titanEmbedV1,
  'titan-embed-v2': titanEmbedV2,
  'cohere-embed': cohereEmbed,
  'cohere-chat': undefined,
  'cohere-generate': undefined,
  anthropic,
  llama,
  mistral,
};
