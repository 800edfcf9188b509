/**
 * SageMaker `rules`: scripted answers per endpoint, one answer line per input
 * line (as Aurora's CSV batches expect): the first rule matching the line
 * (exact `line` or `pattern`), else the next item of the endpoint's queue,
 * else its default. An `error` outcome fails the whole request, as a failing
 * model would.
 *
 *   sagemaker:
 *     endpoints:
 *       churn:
 *         rules:
 *           - { line: "42,gold", answer: "0.91" }
 *           - { pattern: "^\\d+,free$", answer: "0.12" }
 *         queue: ["0.5", "0.6", { error: ModelError, message: "model crashed" }]
 *         default: "0.3"
 */
import { EmulatorError } from '../../errors.ts';
import { invokeWithinLimits } from '../sagemaker/limits.ts';
import type { CallContext, InvokeRequest, InvokeResponse, SageMakerBackend } from '../types.ts';
import { list, matcher, RulesFile, section } from './rules-file.ts';
import { type Outcome, OutcomeQueue, outcome, unwrap } from './scripted.ts';

interface EndpointRules {
  readonly rules: readonly { readonly matches: (line: string) => boolean; readonly result: Outcome<string> }[];
  readonly queue: OutcomeQueue<string>;
  readonly fallback?: Outcome<string>;
}

type SageMakerRules = ReadonlyMap<string, EndpointRules>;

const answerOf = (o: Record<string, unknown>) => (o.answer === undefined ? undefined : String(o.answer));

/** A plain string stands for { answer: string }. */
const item = (v: unknown, where: string): Outcome<string> =>
  typeof v === 'object' && v !== null ? outcome(v as Record<string, unknown>, where, answerOf) : { answer: String(v) };

export function parseSageMakerRules(doc: unknown): SageMakerRules {
  const endpoints = section(doc, 'sagemaker').endpoints;
  if (typeof endpoints !== 'object' || endpoints === null)
    throw new Error('sagemaker.endpoints: expected an object of endpoint name to rules');
  const out = new Map<string, EndpointRules>();
  for (const [name, value] of Object.entries(endpoints)) {
    const where = `sagemaker.endpoints.${name}`;
    const o = (value ?? {}) as Record<string, unknown>;
    const rules = list(o.rules, `${where}.rules`).map((r, i) => ({
      matches: matcher(
        {
          text: r.line === undefined ? undefined : String(r.line),
          pattern: r.pattern as string | undefined,
          flags: r.flags as string | undefined,
        },
        `${where}.rules[${i}]`,
      ),
      result: outcome(r, `${where}.rules[${i}]`, answerOf),
    }));
    const queueItems = o.queue === undefined ? [] : Array.isArray(o.queue) ? o.queue : [o.queue];
    const queue = new OutcomeQueue(queueItems.map((q, i) => item(q, `${where}.queue[${i}]`)));
    out.set(name, o.default === undefined ? { rules, queue } : { rules, queue, fallback: item(o.default, `${where}.default`) });
  }
  return out;
}

export class RulesSageMakerBackend implements SageMakerBackend {
  readonly kind = 'rules';
  private readonly file: RulesFile<SageMakerRules>;

  constructor(readonly path: string) {
    this.file = new RulesFile(path, parseSageMakerRules);
  }

  /** Endpoints the file scripts (read now). */
  endpointNames(): string[] {
    return [...this.file.current().keys()];
  }

  invokeEndpoint(endpointName: string, request: InvokeRequest, ctx: CallContext): Promise<InvokeResponse> {
    const where = `the rules file ${this.path}`;
    return invokeWithinLimits(endpointName, request, ctx, where, async () => {
      const rules = this.file.current().get(endpointName);
      if (!rules) {
        throw new EmulatorError('EndpointNotFound', `Endpoint ${endpointName} not found.`, {
          serviceCode: 'ValidationError',
          hint: `Script endpoint ${endpointName} under sagemaker.endpoints in ${this.path}.`,
        });
      }
      const text = request.body.toString('utf8').replace(/\r?\n$/, '');
      const call = { service: 'sagemaker', operation: 'InvokeEndpoint', target: endpointName } as const;
      const answers = text.split(/\r?\n/).map((line) => {
        const result = rules.rules.find((r) => r.matches(line))?.result ?? rules.queue.take() ?? rules.fallback;
        if (result === undefined) {
          throw new EmulatorError(
            'ServiceFailure',
            `Received client error (400) from primary with message "no rule answers the line ${JSON.stringify(line.slice(0, 200))}". See ${where} of endpoint ${endpointName} for more information.`,
            {
              serviceCode: 'ModelError',
              hint: `Add a rule, a queue item or a default for endpoint ${endpointName} in ${this.path}.`,
            },
          );
        }
        return unwrap(result, call, this.path);
      });
      return {
        body: Buffer.from(answers.join('\n')),
        contentType: request.accept.includes('*') || request.accept === '' ? 'text/csv' : request.accept,
      };
    });
  }
}
