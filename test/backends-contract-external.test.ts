/**
 * The shared backend contract (test/helpers/backend-contract.ts), run against
 * the backends that talk to something outside the process: `aws` (the AWS SDK
 * clients, pointed at an emulator's own AWS-compatible API port), `openai`
 * (a real OpenAI-compatible HTTP server started here) and `model` (a model
 * file evaluated in process).
 */
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll } from 'vitest';
import { createAwsBedrockBackend } from '../src/backends/aws/bedrock.ts';
import { createAwsComprehendBackend } from '../src/backends/aws/comprehend.ts';
import { createAwsSageMakerBackend } from '../src/backends/aws/sagemaker.ts';
import { createOpenAiBedrockBackend } from '../src/backends/bedrock/openai.ts';
import { createModelSageMakerBackend } from '../src/backends/sagemaker/model/backend.ts';
import { type Emulator, startEmulator } from '../src/index.ts';
import { bedrockContract, comprehendContract, sageMakerContract } from './helpers/backend-contract.ts';
import { UPSTREAM } from './helpers/emulator.ts';
import { OpenAiServer } from './helpers/openai-server.ts';

/** One emulator serves the AWS APIs the `aws` backends call; started on first use. */
let emulator: Promise<Emulator> | undefined;
const api = async () => {
  emulator ??= startEmulator({
    pgListen: '127.0.0.1:0',
    apiListen: '127.0.0.1:0',
    pgUpstream: UPSTREAM,
    logger: pino({ level: 'silent' }),
  });
  const emu = await emulator;
  return {
    endpoint: emu.api.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  };
};

let openai: Promise<OpenAiServer> | undefined;
const openAiServer = () => {
  openai ??= OpenAiServer.start({ models: ['llama3.2'] });
  return openai;
};

afterAll(async () => {
  await (await emulator)?.close();
  await (await openai)?.[Symbol.asyncDispose]();
});

comprehendContract('aws (SDK against the API port)', async () => ({ backend: createAwsComprehendBackend(await api()) }));

sageMakerContract('aws (SDK against the API port)', async () => ({
  backend: createAwsSageMakerBackend(await api()),
  endpoint: 'demo-echo',
  lines: ['1,a', '2,b', '3,c'],
}));

sageMakerContract('model (logistic model file)', () => ({
  backend: createModelSageMakerBackend({
    path: fileURLToPath(new URL('./fixtures/logistic-model.json', import.meta.url)),
    endpointName: 'churn',
  }),
  endpoint: 'churn',
  lines: ['1,0,0', '0,1,0', '0,0,1'],
}));

bedrockContract('aws (SDK against the API port)', async () => ({
  backend: createAwsBedrockBackend(await api()),
  modelId: 'amazon.titan-text-express-v1',
  body: { inputText: 'Hello there' },
}));

bedrockContract('openai (a real OpenAI-compatible server)', async () => ({
  backend: createOpenAiBedrockBackend({ baseUrl: (await openAiServer()).url, defaultModel: 'llama3.2' }),
  modelId: 'meta.llama3-8b-instruct-v1:0',
  body: { prompt: 'Hello there', max_gen_len: 32 },
}));
