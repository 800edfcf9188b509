/**
 * The contract every ML backend passes, whatever serves it: one answer per
 * document or line in order, requests up to the service limits accepted and
 * beyond them refused with the catalog's codes, a call past its deadline
 * failing at once with the timeout callers map, a cancelled call failing
 * with QueryCanceled. Run it against a new backend with:
 *
 *   comprehendContract('aws', async () => ({ backend: new AwsComprehendBackend(...) }));
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BedrockBackend, CallContext, ComprehendBackend, SageMakerBackend } from '../../src/backends/types.ts';
import { rejection } from './rejection.ts';

export interface Subject<B> {
  readonly backend: B;
  close?(): Promise<void>;
}

export interface SageMakerSubject extends Subject<SageMakerBackend> {
  /** An endpoint the backend serves. */
  readonly endpoint: string;
  /** CSV lines the endpoint answers (at least three, each answered independently of the others). */
  readonly lines: readonly string[];
}

export interface BedrockSubject extends Subject<BedrockBackend> {
  readonly modelId: string;
  /** A request body the model answers the same way every time. */
  readonly body: unknown;
}

type Make<S> = () => S | Promise<S>;

export function ctx(timeoutMs = 10_000, signal: AbortSignal = new AbortController().signal): CallContext {
  return { deadline: Date.now() + timeoutMs, signal };
}

const past = (): CallContext => ({ deadline: Date.now() - 1, signal: new AbortController().signal });

const aborted = (): CallContext => {
  const c = new AbortController();
  c.abort();
  return { deadline: Date.now() + 10_000, signal: c.signal };
};

/** The error the promise fails with; checks it is a catalog error (the shared helper). */
export const failure = rejection;

/** Fails with a timeout code, and quickly. */
async function timesOut(call: () => Promise<unknown>): Promise<void> {
  const start = Date.now();
  const err = await failure(call());
  expect(['InferenceTimeout', 'StatementTimeout']).toContain(err.code);
  expect(Date.now() - start).toBeLessThan(1_000);
}

async function cancels(call: () => Promise<unknown>): Promise<void> {
  const err = await failure(call());
  expect(err.code).toBe('QueryCanceled');
}

function subjectOf<S extends Subject<unknown>>(make: Make<S>): () => S {
  let subject: S | undefined;
  beforeAll(async () => {
    subject = await make();
  });
  afterAll(async () => {
    await subject?.close?.();
  });
  return () => {
    if (!subject) throw new Error('subject not started');
    return subject;
  };
}

const TEXTS = [
  'I love this product, it works great.',
  'The delivery was late and the box was broken.',
  'Acme Corp opened an office in Paris.',
];

export function comprehendContract(name: string, make: Make<Subject<ComprehendBackend>>): void {
  describe(`Comprehend contract: ${name}`, () => {
    const subject = subjectOf(make);

    it('answers one result per document, in the order sent', async () => {
      const b = subject().backend;
      const reversed = [...TEXTS].reverse();
      for (const run of [
        (t: string[]) => b.detect('DetectSentiment', t, 'en', ctx()),
        (t: string[]) => b.detect('DetectEntities', t, 'en', ctx()),
        (t: string[]) => b.detect('DetectKeyPhrases', t, 'en', ctx()),
        (t: string[]) => b.detect('DetectDominantLanguage', t, '', ctx()),
      ] as ((t: string[]) => Promise<unknown[]>)[]) {
        const forward = await run([...TEXTS]);
        expect(forward).toHaveLength(TEXTS.length);
        expect(await run(reversed)).toEqual([...forward].reverse());
      }
    });

    it('accepts a full batch: 25 documents of 5000 bytes each', async () => {
      const doc = 'The service was fine. '.repeat(228).slice(0, 5000);
      expect(Buffer.byteLength(doc)).toBe(5000);
      const out = await subject().backend.detect('DetectSentiment', Array(25).fill(doc), 'en', ctx());
      expect(out).toHaveLength(25);
    });

    it('fails at once with the timeout when the deadline has passed', async () => {
      await timesOut(() => subject().backend.detect('DetectSentiment', TEXTS, 'en', past()));
      await timesOut(() => subject().backend.detect('DetectDominantLanguage', TEXTS, '', past()));
    });

    it('fails with QueryCanceled when the statement is cancelled', async () => {
      await cancels(() => subject().backend.detect('DetectEntities', TEXTS, 'en', aborted()));
    });
  });
}

export function sageMakerContract(name: string, make: Make<SageMakerSubject>): void {
  describe(`SageMaker contract: ${name}`, () => {
    const subject = subjectOf(make);
    const invoke = (lines: readonly string[], c = ctx()) => {
      const s = subject();
      const body = Buffer.from(`${lines.join('\n')}\n`);
      return s.backend.invokeEndpoint(s.endpoint, { body, contentType: 'text/csv', accept: 'text/csv' }, c);
    };
    const linesOf = (body: Buffer) =>
      body
        .toString('utf8')
        .replace(/\r?\n$/, '')
        .split(/\r?\n/);

    it('answers one line per input line, in the order sent', async () => {
      const lines = subject().lines;
      const forward = linesOf((await invoke(lines)).body);
      expect(forward).toHaveLength(lines.length);
      expect(linesOf((await invoke([...lines].reverse())).body)).toEqual([...forward].reverse());
    });

    it('refuses an unknown endpoint with ValidationError', async () => {
      const err = await failure(
        subject().backend.invokeEndpoint(
          'no-such-endpoint-here',
          { body: Buffer.from('1\n'), contentType: 'text/csv', accept: 'text/csv' },
          ctx(),
        ),
      );
      expect(err.code).toBe('EndpointNotFound');
      expect(err.serviceCode).toBe('ValidationError');
    });

    it('refuses a body over 6 MB with ValidationError', async () => {
      const s = subject();
      const body = Buffer.alloc(6_291_457, 0x31);
      const err = await failure(
        s.backend.invokeEndpoint(s.endpoint, { body, contentType: 'text/csv', accept: 'text/csv' }, ctx()),
      );
      expect(err.code).toBe('PayloadTooLarge');
      expect(err.serviceCode).toBe('ValidationError');
    });

    it('fails at once with the timeout when the deadline has passed', async () => {
      await timesOut(() => invoke(subject().lines, past()));
    });

    it('fails with QueryCanceled when the statement is cancelled', async () => {
      await cancels(() => invoke(subject().lines, aborted()));
    });
  });
}

export function bedrockContract(name: string, make: Make<BedrockSubject>): void {
  describe(`Bedrock contract: ${name}`, () => {
    const subject = subjectOf(make);
    const invoke = (body: Buffer, c = ctx(), modelId = subject().modelId) =>
      subject().backend.invokeModel(modelId, { body, contentType: 'application/json', accept: 'application/json' }, c);
    const body = () => Buffer.from(JSON.stringify(subject().body));

    it('answers one JSON document per request', async () => {
      const res = await invoke(body());
      expect(res.contentType).toContain('json');
      expect(() => JSON.parse(res.body.toString('utf8'))).not.toThrow();
    });

    it('refuses an unknown model with ResourceNotFoundException', async () => {
      const err = await failure(invoke(body(), ctx(), 'amazon.no-such-model-v9'));
      expect(err.code).toBe('EndpointNotFound');
      expect(err.serviceCode).toBe('ResourceNotFoundException');
    });

    it('refuses a body over 25,000,000 bytes with ValidationException', async () => {
      const err = await failure(invoke(Buffer.alloc(25_000_001, 0x20)));
      expect(err.code).toBe('PayloadTooLarge');
      expect(err.serviceCode).toBe('ValidationException');
    });

    it('fails at once with the timeout when the deadline has passed', async () => {
      await timesOut(() => invoke(body(), past()));
    });

    it('fails with QueryCanceled when the statement is cancelled', async () => {
      await cancels(() => invoke(body(), aborted()));
    });
  });
}
