/**
 * The ML service APIs on the API port, driven by the real AWS SDK v3 clients:
 * each answers what the SQL function answers for the same input (through the
 * PostgreSQL front), errors parse as the SDK's modelled exceptions, and a
 * credential bound to an IAM role is held to that role's policies.
 */

import { BedrockRuntimeClient, InvokeModelCommand } from '@aws-sdk/client-bedrock-runtime';
import {
  BatchDetectSentimentCommand,
  ComprehendClient,
  ContainsPiiEntitiesCommand,
  DetectDominantLanguageCommand,
  DetectEntitiesCommand,
  DetectKeyPhrasesCommand,
  DetectPiiEntitiesCommand,
  DetectSentimentCommand,
} from '@aws-sdk/client-comprehend';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { InvokeEndpointCommand, ModelError, SageMakerRuntimeClient } from '@aws-sdk/client-sagemaker-runtime';
import type pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApiServer } from '../src/api/server.ts';
import { BuiltinBedrockBackend } from '../src/backends/bedrock/builtin.ts';
import { BuiltinComprehendBackend } from '../src/backends/comprehend/builtin.ts';
import { SageMakerRouter } from '../src/backends/sagemaker/router.ts';
import type { CallContext, SentimentScore } from '../src/backends/types.ts';
import { controlStateFor } from '../src/control/presets.ts';
import { MemoryStateStore } from '../src/control/store.ts';
import { ACCOUNT, DUMMY } from './helpers/control-api.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { InferenceContainer } from './helpers/inference-container.ts';

const ENGLISH = 'I absolutely love this phone. The battery lasts for days and the camera is wonderful.';
const NEWS = 'Jeff Bezos founded Amazon in Seattle in July 1994 and later launched Amazon Web Services.';
const OVERSIZED = 'a'.repeat(5001);

/** The AWS error a call failed with: the SDK's exception name and the HTTP status. */
async function failure(promise: Promise<unknown>): Promise<{ name: string; status: number; message: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
    return { name: e.name, status: e.$metadata?.httpStatusCode ?? 0, message: e.message };
  }
  throw new Error('expected the call to fail');
}

const ctx = (): CallContext => ({ deadline: Date.now() + 30_000, signal: new AbortController().signal });

const winning = (label: string, s: SentimentScore): number =>
  label === 'POSITIVE' ? s.Positive : label === 'NEGATIVE' ? s.Negative : label === 'MIXED' ? s.Mixed : s.Neutral;

describe('ML service APIs against the SQL functions', () => {
  let emu: TestEmulator;
  let sql: pg.Client;
  let comprehend: ComprehendClient;
  let sagemaker: SageMakerRuntimeClient;
  let bedrock: BedrockRuntimeClient;
  const builtin = new BuiltinComprehendBackend();

  beforeAll(async () => {
    emu = await startTestEmulator();
    sql = await emu.client();
    await sql.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
    const config = { endpoint: emu.emulator.api.url, region: 'us-east-1', credentials: DUMMY, maxAttempts: 1 };
    comprehend = new ComprehendClient(config);
    sagemaker = new SageMakerRuntimeClient(config);
    bedrock = new BedrockRuntimeClient(config);
  });

  afterAll(async () => {
    comprehend?.destroy();
    sagemaker?.destroy();
    bedrock?.destroy();
    await emu?.[Symbol.asyncDispose]();
  });

  it('DetectSentiment answers what aws_comprehend.detect_sentiment answers', async () => {
    for (const text of [ENGLISH, 'This was the worst service I have ever had.', 'The meeting is on Tuesday.']) {
      const api = await comprehend.send(new DetectSentimentCommand({ Text: text, LanguageCode: 'en' }));
      const { rows } = await sql.query('SELECT sentiment, confidence FROM aws_comprehend.detect_sentiment($1, $2)', [text, 'en']);
      expect(api.Sentiment).toBe(rows[0].sentiment);
      const scores = api.SentimentScore as SentimentScore;
      expect(winning(api.Sentiment ?? '', scores)).toBeCloseTo(rows[0].confidence, 5);
      expect(scores.Positive + scores.Negative + scores.Neutral + scores.Mixed).toBeCloseTo(1, 2);
    }
  });

  it('BatchDetectSentiment answers each document and lists the oversized one in ErrorList', async () => {
    const out = await comprehend.send(
      new BatchDetectSentimentCommand({ TextList: [ENGLISH, OVERSIZED, 'Terrible, broken, useless.'], LanguageCode: 'en' }),
    );
    expect(out.ResultList?.map((r) => r.Index)).toEqual([0, 2]);
    expect(out.ErrorList).toEqual([
      { Index: 1, ErrorCode: 'TEXT_SIZE_LIMIT_EXCEEDED', ErrorMessage: expect.stringContaining('5001 bytes') },
    ]);
    const single = await comprehend.send(new DetectSentimentCommand({ Text: ENGLISH, LanguageCode: 'en' }));
    expect(out.ResultList?.[0]).toMatchObject({ Sentiment: single.Sentiment, SentimentScore: single.SentimentScore });
  });

  it('DetectEntities, DetectKeyPhrases and DetectDominantLanguage answer what the built-in backend answers', async () => {
    const entities = await comprehend.send(new DetectEntitiesCommand({ Text: NEWS, LanguageCode: 'en' }));
    const [expectedEntities] = await builtin.detect('DetectEntities', [NEWS], 'en', ctx());
    expect(entities.Entities).toEqual(
      expectedEntities?.map((e) => ({
        Score: e.score,
        Type: e.type,
        Text: e.text,
        BeginOffset: e.beginOffset,
        EndOffset: e.endOffset,
      })),
    );
    expect(entities.Entities?.length).toBeGreaterThan(0);

    const phrases = await comprehend.send(new DetectKeyPhrasesCommand({ Text: NEWS, LanguageCode: 'en' }));
    const [expectedPhrases] = await builtin.detect('DetectKeyPhrases', [NEWS], 'en', ctx());
    expect(phrases.KeyPhrases).toEqual(
      expectedPhrases?.map((k) => ({ Score: k.score, Text: k.text, BeginOffset: k.beginOffset, EndOffset: k.endOffset })),
    );

    const language = await comprehend.send(new DetectDominantLanguageCommand({ Text: 'Ceci est une phrase en français.' }));
    const [expectedLanguages] = await builtin.detect('DetectDominantLanguage', ['Ceci est une phrase en français.'], '', ctx());
    expect(language.Languages).toEqual(expectedLanguages?.map((l) => ({ LanguageCode: l.languageCode, Score: l.score })));
    expect(language.Languages?.[0]?.LanguageCode).toBe('fr');
    // And the SQL function agrees on the winner.
    const { rows } = await sql.query('SELECT language_code FROM aws_comprehend.detect_dominant_language($1)', [
      'Ceci est une phrase en français.',
    ]);
    expect(rows[0].language_code).toBe('fr');
  });

  it('DetectPiiEntities finds an email and a phone number at their code-point offsets', async () => {
    const text = '🙂 Write to jane.doe@example.com or call (206) 555-0142 before 2024-03-01.';
    const out = await comprehend.send(new DetectPiiEntitiesCommand({ Text: text, LanguageCode: 'en' }));
    const chars = [...text];
    const found = (out.Entities ?? []).map((e) => ({
      type: e.Type,
      text: chars.slice(e.BeginOffset, e.EndOffset).join(''),
    }));
    expect(found).toContainEqual({ type: 'EMAIL', text: 'jane.doe@example.com' });
    expect(found).toContainEqual({ type: 'PHONE', text: '(206) 555-0142' });
    const labels = await comprehend.send(new ContainsPiiEntitiesCommand({ Text: text, LanguageCode: 'en' }));
    expect(labels.Labels?.map((l) => l.Name)).toEqual(expect.arrayContaining(['EMAIL', 'PHONE']));
  });

  it("Comprehend's limits come back as the SDK's modelled exceptions", async () => {
    expect(await failure(comprehend.send(new DetectSentimentCommand({ Text: OVERSIZED, LanguageCode: 'en' })))).toMatchObject({
      name: 'TextSizeLimitExceededException',
      status: 400,
    });
    expect(
      await failure(comprehend.send(new DetectSentimentCommand({ Text: 'hello', LanguageCode: 'xx' as 'en' }))),
    ).toMatchObject({ name: 'UnsupportedLanguageException', status: 400 });
    expect(
      await failure(comprehend.send(new BatchDetectSentimentCommand({ TextList: Array(26).fill('fine'), LanguageCode: 'en' }))),
    ).toMatchObject({ name: 'BatchSizeLimitExceededException', status: 400 });
  });

  it('InvokeEndpoint answers what aws_sagemaker.invoke_endpoint answers for the same CSV line', async () => {
    const { rows } = await sql.query(`SELECT aws_sagemaker.invoke_endpoint('demo-echo', NULL, 1.5, 'two', 3) AS out`);
    const api = await sagemaker.send(
      new InvokeEndpointCommand({
        EndpointName: 'demo-echo',
        ContentType: 'text/csv',
        Accept: 'text/csv',
        Body: Buffer.from('1.5,two,3\n'),
      }),
    );
    expect(api.InvokedProductionVariant).toBe('AllTraffic');
    expect(api.Body?.transformToString().replace(/\r?\n$/, '')).toBe(rows[0].out);
  });

  it('InvokeEndpoint on an unknown endpoint is ValidationError', async () => {
    const failed = await failure(
      sagemaker.send(
        new InvokeEndpointCommand({ EndpointName: 'no-such-endpoint', ContentType: 'text/csv', Body: Buffer.from('1\n') }),
      ),
    );
    expect(failed).toMatchObject({ name: 'ValidationError', status: 400 });
    expect(failed.message).toContain('no-such-endpoint');
  });

  it("a model's own error is SageMaker's ModelError with the model's status and message", async () => {
    await using container = await InferenceContainer.start({ status: 400, errorBody: 'feature 3 is not a number' });
    await using server = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      store: new MemoryStateStore(controlStateFor('bare', { accountId: ACCOUNT, region: 'us-east-1' })),
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      propagationDelayMs: 0,
      backends: {
        comprehend: new BuiltinComprehendBackend(),
        sagemaker: new SageMakerRouter(
          { scorer: { kind: 'container', url: container.url } },
          { accountId: ACCOUNT, region: 'us-east-1' },
        ),
        bedrock: new BuiltinBedrockBackend(),
      },
    });
    const client = new SageMakerRuntimeClient({ endpoint: server.url, region: 'us-east-1', credentials: DUMMY, maxAttempts: 1 });
    try {
      const err = await client
        .send(new InvokeEndpointCommand({ EndpointName: 'scorer', ContentType: 'text/csv', Body: Buffer.from('1,2,x\n') }))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(err).toBeInstanceOf(ModelError);
      expect(err).toMatchObject({
        name: 'ModelError',
        OriginalStatusCode: 400,
        OriginalMessage: 'feature 3 is not a number',
        $metadata: { httpStatusCode: 424 },
      });
    } finally {
      client.destroy();
    }
  });

  it('InvokeModel answers what aws_bedrock.invoke_model answers', async () => {
    const input = JSON.stringify({ inputText: 'Write one sentence about databases.' });
    const modelId = 'amazon.titan-text-express-v1';
    const { rows } = await sql.query(`SELECT aws_bedrock.invoke_model($1, 'application/json', 'application/json', $2) AS out`, [
      modelId,
      input,
    ]);
    const api = await bedrock.send(
      new InvokeModelCommand({ modelId, contentType: 'application/json', accept: 'application/json', body: Buffer.from(input) }),
    );
    expect(api.contentType).toContain('application/json');
    expect(api.body.transformToString()).toBe(rows[0].out);
  });

  it("InvokeModel's errors parse as Bedrock's exceptions", async () => {
    expect(
      await failure(
        bedrock.send(
          new InvokeModelCommand({ modelId: 'nobody.no-model-v9', contentType: 'application/json', body: Buffer.from('{}') }),
        ),
      ),
    ).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
    expect(
      await failure(
        bedrock.send(
          new InvokeModelCommand({
            modelId: 'amazon.titan-text-express-v1',
            contentType: 'application/json',
            body: Buffer.from('not json'),
          }),
        ),
      ),
    ).toMatchObject({ name: 'ValidationException', status: 400 });
  });
});

describe('ML service APIs under IAM', () => {
  const ADMIN = { accessKeyId: 'AKIAEMULATORADMIN001', secretAccessKey: 'admin-secret' };
  const CALLER = { accessKeyId: 'AKIAEMULATORCALLER01', secretAccessKey: 'caller-secret', roleName: 'sentiment-only' };

  it('a credential bound to a role may call only what its policies allow', async () => {
    const store = new MemoryStateStore(controlStateFor('bare', { accountId: ACCOUNT, region: 'us-east-1' }));
    await using server = await startApiServer({
      host: '127.0.0.1',
      port: 0,
      store,
      log: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }),
      propagationDelayMs: 0,
      credentials: [ADMIN, CALLER],
      backends: {
        comprehend: new BuiltinComprehendBackend(),
        sagemaker: new SageMakerRouter({}, { accountId: ACCOUNT, region: 'us-east-1' }),
        bedrock: new BuiltinBedrockBackend(),
      },
    });
    const base = { endpoint: server.url, region: 'us-east-1', maxAttempts: 1 };
    const iam = new IAMClient({ ...base, credentials: ADMIN });
    await iam.send(
      new CreateRoleCommand({
        RoleName: 'sentiment-only',
        AssumeRolePolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Principal: { Service: 'rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
        }),
      }),
    );
    await iam.send(
      new PutRolePolicyCommand({
        RoleName: 'sentiment-only',
        PolicyName: 'allow-sentiment',
        PolicyDocument: JSON.stringify({
          Version: '2012-10-17',
          Statement: [{ Effect: 'Allow', Action: 'comprehend:DetectSentiment', Resource: '*' }],
        }),
      }),
    );
    iam.destroy();

    const caller = new ComprehendClient({ ...base, credentials: CALLER });
    const admin = new ComprehendClient({ ...base, credentials: ADMIN });
    const sagemaker = new SageMakerRuntimeClient({ ...base, credentials: CALLER });
    const bedrock = new BedrockRuntimeClient({ ...base, credentials: CALLER });
    const stranger = new ComprehendClient({ ...base, credentials: { ...CALLER, secretAccessKey: 'wrong' } });
    try {
      const ok = await caller.send(new DetectSentimentCommand({ Text: ENGLISH, LanguageCode: 'en' }));
      expect(ok.Sentiment).toBe('POSITIVE');
      const denied = await failure(caller.send(new DetectEntitiesCommand({ Text: NEWS, LanguageCode: 'en' })));
      // JSON 1.1 services answer their access errors with 400, as DynamoDB and Kinesis do.
      expect(denied).toMatchObject({ name: 'AccessDeniedException', status: 400 });
      expect(denied.message).toContain('comprehend:DetectEntities');
      expect(denied.message).toContain('sentiment-only');
      // The credential without a role is the account's administrator.
      const entities = await admin.send(new DetectEntitiesCommand({ Text: NEWS, LanguageCode: 'en' }));
      expect(entities.Entities?.length).toBeGreaterThan(0);
      const endpointDenied = await failure(
        sagemaker.send(
          new InvokeEndpointCommand({ EndpointName: 'demo-echo', ContentType: 'text/csv', Body: Buffer.from('1\n') }),
        ),
      );
      expect(endpointDenied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
      expect(endpointDenied.message).toContain(`arn:aws:sagemaker:us-east-1:${ACCOUNT}:endpoint/demo-echo`);
      // Over HTTP/2, as the Bedrock client speaks it: the signature still checks, then IAM decides.
      const modelDenied = await failure(
        bedrock.send(
          new InvokeModelCommand({
            modelId: 'amazon.titan-text-express-v1',
            contentType: 'application/json',
            body: Buffer.from('{"inputText":"hi"}'),
          }),
        ),
      );
      expect(modelDenied).toMatchObject({ name: 'AccessDeniedException', status: 403 });
      expect(modelDenied.message).toContain('arn:aws:bedrock:us-east-1::foundation-model/amazon.titan-text-express-v1');
      expect(await failure(stranger.send(new DetectSentimentCommand({ Text: ENGLISH, LanguageCode: 'en' })))).toMatchObject({
        name: 'InvalidSignatureException',
        status: 403,
      });
    } finally {
      caller.destroy();
      admin.destroy();
      sagemaker.destroy();
      bedrock.destroy();
      stranger.destroy();
    }
  });
});
