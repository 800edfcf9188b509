/** Bedrock Runtime InvokeModel limits and the errors Bedrock reports. */
import { EmulatorError } from '../../errors.ts';

/** InvokeModel's body constraint. */
export const BEDROCK_MAX_PAYLOAD_BYTES = 25_000_000;

/** Bedrock's own wording for a request body a model's schema rejects. */
export function malformedInput(reason: string): EmulatorError {
  return new EmulatorError('InvalidArgument', `Malformed input request: ${reason}, please reformat your input and try again.`, {
    serviceCode: 'ValidationException',
  });
}

export function payloadTooLarge(modelId: string, bytes: number): EmulatorError {
  return new EmulatorError(
    'PayloadTooLarge',
    `1 validation error detected: Value at 'body' failed to satisfy constraint: Member must have length less than or equal to ${BEDROCK_MAX_PAYLOAD_BYTES} (model ${modelId} was sent ${bytes} bytes)`,
    { serviceCode: 'ValidationException' },
  );
}

export function modelNotFound(modelId: string, families: readonly string[]): EmulatorError {
  return new EmulatorError(
    'EndpointNotFound',
    `Could not resolve the foundation model from the provided model identifier ${modelId}.`,
    {
      serviceCode: 'ResourceNotFoundException',
      hint: `The built-in Bedrock backend answers model ids starting with ${families.join(', ')}.`,
    },
  );
}

export function inferenceTimeout(modelId: string, timeoutMs: number): EmulatorError {
  return new EmulatorError(
    'InferenceTimeout',
    `Bedrock model ${modelId} did not answer within the inference timeout (${timeoutMs} ms)`,
    { hint: 'Raise TIMEOUT_MS or aurora_ml_inference_timeout.' },
  );
}
