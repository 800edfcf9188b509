/**
 * The backend kinds compose.ts builds through factories ('aws', 'openai',
 * 'model'), with their options read from the config as written. Real AWS
 * clients retry nothing themselves: the emulator's retry layer does, as
 * Aurora's does, and counts each retry.
 */
import { EmulatorError } from '../errors.ts';
import { createAwsBedrockBackend } from './aws/bedrock.ts';
import { createAwsComprehendBackend } from './aws/comprehend.ts';
import type { AwsBackendOptions } from './aws/options.ts';
import { createAwsSageMakerBackend } from './aws/sagemaker.ts';
import { createOpenAiBedrockBackend, type OpenAiBedrockBackendOptions } from './bedrock/openai.ts';
import type { BackendFactories, KindOptions } from './kinds.ts';
import { createModelSageMakerBackend } from './sagemaker/model/backend.ts';

function awsOptions(config: KindOptions): AwsBackendOptions {
  const text = (key: string) => (typeof config[key] === 'string' ? (config[key] as string) : undefined);
  return {
    ...(text('region') !== undefined ? { region: text('region') } : {}),
    ...(text('endpoint') !== undefined ? { endpoint: text('endpoint') } : {}),
    maxAttempts: 1,
  };
}

function required(config: KindOptions, key: string, kind: string): string {
  const value = config[key];
  if (typeof value !== 'string' || value === '') {
    throw new EmulatorError('InvalidArgument', `backend kind ${kind} needs the option "${key}"`);
  }
  return value;
}

export function backendFactories(): BackendFactories {
  return {
    'comprehend.aws': (config) => createAwsComprehendBackend(awsOptions(config)),
    'sagemaker.aws': (config) => createAwsSageMakerBackend(awsOptions(config)),
    'sagemaker.model': (config) =>
      createModelSageMakerBackend({ path: required(config, 'path', 'model'), endpointName: config.endpointName }),
    'bedrock.aws': (config) => createAwsBedrockBackend(awsOptions(config)),
    'bedrock.openai': (config) =>
      createOpenAiBedrockBackend({
        ...(config as Partial<OpenAiBedrockBackendOptions>),
        baseUrl: required(config, 'baseUrl', 'openai'),
      }),
  };
}
