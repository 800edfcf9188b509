/**
 * An OpenAI-compatible server's failures as the Bedrock Runtime exceptions
 * InvokeModel would raise, so SQL and the Bedrock API report them the same
 * way whichever backend answers.
 */
import { EmulatorError } from '../../errors.ts';

const EXCERPT_CHARS = 512;

/** The message an OpenAI-style error body carries: {"error": {"message"}} (OpenAI, vLLM) or {"error": "..."} (Ollama). */
export function serverMessage(body: string): string {
  let message = body;
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    const error = json.error;
    if (typeof error === 'string') message = error;
    else if (typeof error === 'object' && error !== null && typeof (error as { message?: unknown }).message === 'string') {
      message = (error as { message: string }).message;
    } else if (typeof json.message === 'string') message = json.message;
    else if (typeof json.detail === 'string') message = json.detail;
  } catch {
    // not JSON: the raw text is the message
  }
  return message.length > EXCERPT_CHARS ? `${message.slice(0, EXCERPT_CHARS)}...` : message;
}

/** An HTTP error status from the server; `serverModel` is the name it was asked for. */
export function httpError(modelId: string, serverModel: string, status: number, body: string, where: string): EmulatorError {
  const said = serverMessage(body);
  const detail = `The OpenAI-compatible server at ${where} answered HTTP ${status}: ${said}`;
  switch (true) {
    case status === 429:
      return new EmulatorError('ServiceFailure', 'Too many requests, please wait before trying again.', {
        serviceCode: 'ThrottlingException',
        detail,
      });
    case status === 404:
      return new EmulatorError(
        'EndpointNotFound',
        `Could not resolve the foundation model from the provided model identifier ${modelId}.`,
        {
          serviceCode: 'ResourceNotFoundException',
          detail,
          hint: `The server has no model "${serverModel}": pull it, or map ${modelId} to a model it has in the openai backend's models option.`,
        },
      );
    case status === 401 || status === 403:
      return new EmulatorError('MlAccessDenied', `The OpenAI-compatible server refused the request for ${modelId}: ${said}`, {
        serviceCode: 'AccessDeniedException',
        detail,
        hint: "Set the openai backend's apiKey.",
      });
    case status === 408 || status === 504:
      return modelTimeout(modelId, detail);
    case status === 503:
      return new EmulatorError('ServiceFailure', `Model ${modelId} is not ready to serve inference requests: ${said}`, {
        serviceCode: 'ModelNotReadyException',
        detail,
      });
    case status >= 400 && status < 500:
      return new EmulatorError('InvalidArgument', `Malformed input request: ${said}, please reformat your input and try again.`, {
        serviceCode: 'ValidationException',
        detail,
      });
    default:
      return new EmulatorError('ServiceFailure', `The model ${modelId} returned an error while processing the request: ${said}`, {
        serviceCode: 'ModelErrorException',
        detail,
      });
  }
}

/** The backend's own model time limit (not the caller's deadline) expired. */
export function modelTimeout(modelId: string, detail?: string): EmulatorError {
  return new EmulatorError('InferenceTimeout', `Model ${modelId} has timed out in processing the request.`, {
    serviceCode: 'ModelTimeoutException',
    ...(detail === undefined ? {} : { detail }),
    hint: 'Ask for fewer tokens, or raise modelTimeoutMs of the openai backend.',
  });
}

export function unreachable(modelId: string, where: string, code: string, cause: unknown): EmulatorError {
  return new EmulatorError(
    'ServiceUnavailable',
    `Bedrock model ${modelId} is unavailable: could not reach the OpenAI-compatible server at ${where} (${code})`,
    {
      serviceCode: 'ServiceUnavailableException',
      hint: 'Start the server (e.g. ollama serve), or fix the baseUrl of the openai backend.',
      cause,
    },
  );
}

export function notTranslated(modelId: string): EmulatorError {
  return new EmulatorError(
    'InvalidArgument',
    `The openai backend does not translate model ${modelId}; it answers Titan text and embeddings, Anthropic Messages, Llama, Mistral and Cohere Embed models`,
    { serviceCode: 'ValidationException' },
  );
}
