/**
 * Bedrock `rules`: scripted InvokeModel answers per model id (matched
 * exactly, or by its base id once ARN and inference-profile prefixes are
 * stripped): the first rule whose `bodyContains` or `pattern` matches the raw
 * request body, else the model's next queued outcome, else its default.
 * A `response` object is sent as JSON, a string as it is.
 *
 *   bedrock:
 *     models:
 *       anthropic.claude-3-haiku-20240307-v1:0:
 *         rules:
 *           - bodyContains: refund
 *             response: { content: [{ type: text, text: "Escalate to billing." }] }
 *         queue: [{ error: ThrottlingException }]
 *         default: { response: { content: [{ type: text, text: "OK" }] } }
 */
import { EmulatorError } from '../../errors.ts';
import { BEDROCK_MAX_PAYLOAD_BYTES, payloadTooLarge } from '../bedrock/limits.ts';
import { baseModelId } from '../bedrock/model-id.ts';
import type { BedrockBackend, CallContext, InvokeRequest, InvokeResponse } from '../types.ts';
import { checkRulesContext } from './context.ts';
import { list, matcher, RulesFile, section } from './rules-file.ts';
import { type Outcome, OutcomeQueue, outcome, unwrap } from './scripted.ts';

interface ModelRules {
  readonly rules: readonly { readonly matches: (body: string) => boolean; readonly result: Outcome<string> }[];
  readonly queue: OutcomeQueue<string>;
  readonly fallback?: Outcome<string>;
}

type BedrockRules = ReadonlyMap<string, ModelRules>;

const responseOf = (o: Record<string, unknown>) =>
  o.response === undefined ? undefined : typeof o.response === 'string' ? o.response : JSON.stringify(o.response);

export function parseBedrockRules(doc: unknown): BedrockRules {
  const models = section(doc, 'bedrock').models;
  if (typeof models !== 'object' || models === null) throw new Error('bedrock.models: expected an object of model id to rules');
  const out = new Map<string, ModelRules>();
  for (const [id, value] of Object.entries(models)) {
    const where = `bedrock.models.${id}`;
    const o = (value ?? {}) as Record<string, unknown>;
    const rules = list(o.rules, `${where}.rules`).map((r, i) => {
      const at = `${where}.rules[${i}]`;
      const contains = r.bodyContains === undefined ? undefined : String(r.bodyContains);
      const pattern = matcher({ pattern: r.pattern as string | undefined, flags: r.flags as string | undefined }, at);
      return {
        matches: (body: string) => (contains === undefined || body.includes(contains)) && pattern(body),
        result: outcome(r, at, responseOf),
      };
    });
    const queue = new OutcomeQueue(list(o.queue, `${where}.queue`).map((q, i) => outcome(q, `${where}.queue[${i}]`, responseOf)));
    const fallback =
      o.default === undefined ? undefined : outcome(o.default as Record<string, unknown>, `${where}.default`, responseOf);
    out.set(id, fallback === undefined ? { rules, queue } : { rules, queue, fallback });
  }
  return out;
}

export class RulesBedrockBackend implements BedrockBackend {
  readonly kind = 'rules';
  private readonly file: RulesFile<BedrockRules>;

  constructor(readonly path: string) {
    this.file = new RulesFile(path, parseBedrockRules);
  }

  async invokeModel(modelId: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    if (request.body.length > BEDROCK_MAX_PAYLOAD_BYTES) throw payloadTooLarge(modelId, request.body.length);
    checkRulesContext(`Bedrock model ${modelId}`, ctx);
    const all = this.file.current();
    const rules = all.get(modelId) ?? all.get(baseModelId(modelId));
    if (!rules) {
      throw new EmulatorError(
        'EndpointNotFound',
        `Could not resolve the foundation model from the provided model identifier ${modelId}.`,
        {
          serviceCode: 'ResourceNotFoundException',
          hint: `Script model ${modelId} under bedrock.models in ${this.path}.`,
        },
      );
    }
    const body = request.body.toString('utf8');
    const result = rules.rules.find((r) => r.matches(body))?.result ?? rules.queue.take() ?? rules.fallback;
    if (result === undefined) {
      throw new EmulatorError('InvalidArgument', `No rule in ${this.path} answers model ${modelId} for this request body.`, {
        serviceCode: 'ValidationException',
        hint: `Add a rule, a queue item or a default for model ${modelId}.`,
      });
    }
    const answer = unwrap(result, { service: 'bedrock', operation: 'InvokeModel', target: modelId }, this.path);
    return { body: Buffer.from(answer), contentType: 'application/json' };
  }
}
