/**
 * Amazon Comprehend's real-time operations over JSON 1.1
 * (`X-Amz-Target: Comprehend_20171127.<Op>`), answered by the same backend,
 * limits and language list as the SQL functions. Batch operations report a
 * document over the size limit in ErrorList and answer the others.
 */

import { AwsError } from '../../aws-error.ts';
import { COMPREHEND_OPERATIONS, type ComprehendOperationSpec } from '../../backends/comprehend-operations.ts';
import type { CallContext, ComprehendBackend, ComprehendOperation } from '../../backends/types.ts';
import { limits } from '../../ml/limits.ts';
import type { Authorize, ServiceRequest, ServiceResponse } from './types.ts';
import { headerOf } from './types.ts';

export const COMPREHEND_TARGET_PREFIX = 'Comprehend_20171127.';

type Json = Record<string, unknown>;

interface Documents {
  readonly texts: readonly string[];
  readonly languageCode: string;
}

/** Runs one operation over a batch of texts on the backend; results in input order. */
type BatchTask = (backend: ComprehendBackend, docs: Documents, ctx: CallContext) => Promise<Json[]>;

const validation = (message: string) => new AwsError('ValidationException', message, 400);

function requiredString(input: Json, member: string, wire: string): string {
  const value = input[member];
  if (value === undefined || value === null) {
    throw validation(
      `1 validation error detected: Value null at '${wire}' failed to satisfy constraint: Member must not be null`,
    );
  }
  if (typeof value !== 'string') throw new AwsError('SerializationException', `${member} must be a string`, 400);
  if (value.length === 0) {
    throw validation(
      `1 validation error detected: Value at '${wire}' failed to satisfy constraint: Member must have length greater than or equal to 1`,
    );
  }
  return value;
}

function textTooLarge(text: string): string | undefined {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= limits.comprehendMaxTextBytes) return undefined;
  return `Input text size exceeds limit. Max length of request text allowed is ${limits.comprehendMaxTextBytes} bytes while in this request the text size is ${bytes} bytes`;
}

function checkLanguage(code: string, supported: readonly string[]): void {
  if (supported.includes(code)) return;
  throw new AwsError(
    'UnsupportedLanguageException',
    `The language code '${code}' is not supported. Supported languages: ${supported.join(', ')}`,
  );
}

function backendTask<Op extends ComprehendOperation>(operation: Op): BatchTask {
  const spec: ComprehendOperationSpec<Op> = COMPREHEND_OPERATIONS[operation];
  return async (backend, { texts, languageCode }, ctx) =>
    (await backend.detect(operation, texts, languageCode, ctx)).map((r) => spec.toJson(r));
}

/** ContainsPiiEntities: one label per PII type DetectPiiEntities finds, with its best score. */
const containsPii: BatchTask = async (backend, { texts, languageCode }, ctx) =>
  (await backend.detect('DetectPiiEntities', texts, languageCode, ctx)).map((found) => {
    const best = new Map<string, number>();
    for (const e of found) best.set(e.type, Math.max(best.get(e.type) ?? 0, e.score));
    return { Labels: [...best].map(([Name, Score]) => ({ Name, Score })) };
  });

interface Operation {
  readonly task: BatchTask;
  readonly batch: boolean;
  /** null: the operation takes no LanguageCode. */
  readonly languages: readonly string[] | null;
}

/** Each backend operation, and its Batch* form where AWS has one. */
const BACKEND_OPERATIONS: [string, Operation][] = (
  Object.entries(COMPREHEND_OPERATIONS) as [ComprehendOperation, ComprehendOperationSpec][]
).flatMap(([name, spec]) => [
  [name, { task: backendTask(name), batch: false, languages: spec.languages }],
  ...(spec.batch
    ? [[`Batch${name}`, { task: backendTask(name), batch: true, languages: spec.languages }] as [string, Operation]]
    : []),
]);

const OPERATIONS: Readonly<Record<string, Operation>> = {
  ...Object.fromEntries(BACKEND_OPERATIONS),
  ContainsPiiEntities: {
    task: containsPii,
    batch: false,
    languages: COMPREHEND_OPERATIONS.DetectPiiEntities.languages,
  },
};

/** The operation X-Amz-Target names, or undefined when the header is not Comprehend's. */
export function comprehendOperation(target: string | undefined): string | undefined {
  return target?.startsWith(COMPREHEND_TARGET_PREFIX) ? target.slice(COMPREHEND_TARGET_PREFIX.length) : undefined;
}

function parseInput(body: Buffer): Json {
  let parsed: unknown;
  try {
    parsed = body.length === 0 ? {} : JSON.parse(body.toString('utf8'));
  } catch {
    throw new AwsError('SerializationException', 'The request body is not valid JSON', 400);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new AwsError('SerializationException', 'The request body must be a JSON object', 400);
  }
  return parsed as Json;
}

export async function handleComprehend(
  request: ServiceRequest,
  backend: ComprehendBackend,
  authorize: Authorize,
  ctx: CallContext,
): Promise<ServiceResponse> {
  const name = comprehendOperation(headerOf(request.headers, 'x-amz-target')) ?? '';
  const operation = Object.hasOwn(OPERATIONS, name) ? OPERATIONS[name] : undefined;
  if (!operation) throw new AwsError('UnknownOperationException', `Operation ${name || '(none)'} is not supported`, 400);
  authorize(`comprehend:${name}`, '*');
  const input = parseInput(request.body);
  const languageCode = operation.languages ? requiredString(input, 'LanguageCode', 'languageCode') : '';
  const output = operation.batch
    ? await runBatch(input, languageCode, operation, backend, ctx)
    : await runSingle(input, languageCode, operation, backend, ctx);
  return {
    status: 200,
    headers: { 'content-type': 'application/x-amz-json-1.1' },
    body: Buffer.from(JSON.stringify(output), 'utf8'),
  };
}

async function runSingle(
  input: Json,
  languageCode: string,
  operation: Operation,
  backend: ComprehendBackend,
  ctx: CallContext,
): Promise<Json> {
  const text = requiredString(input, 'Text', 'text');
  const tooLarge = textTooLarge(text);
  if (tooLarge) throw new AwsError('TextSizeLimitExceededException', tooLarge);
  if (operation.languages) checkLanguage(languageCode, operation.languages);
  const [result] = await operation.task(backend, { texts: [text], languageCode }, ctx);
  return result ?? {};
}

async function runBatch(
  input: Json,
  languageCode: string,
  operation: Operation,
  backend: ComprehendBackend,
  ctx: CallContext,
): Promise<Json> {
  const list = input.TextList;
  if (list === undefined || list === null) {
    throw validation(
      "1 validation error detected: Value null at 'textList' failed to satisfy constraint: Member must not be null",
    );
  }
  if (!Array.isArray(list) || !list.every((t) => typeof t === 'string')) {
    throw new AwsError('SerializationException', 'TextList must be a list of strings', 400);
  }
  if (list.length === 0 || list.some((t) => t.length === 0)) {
    throw validation('TextList must hold at least one document, and each document at least one character');
  }
  if (list.length > limits.comprehendMaxBatch) {
    throw new AwsError(
      'BatchSizeLimitExceededException',
      `The number of documents in the request (${list.length}) exceeds the limit of ${limits.comprehendMaxBatch}. Try your request again with fewer documents.`,
    );
  }
  if (operation.languages) checkLanguage(languageCode, operation.languages);
  const texts = list as string[];
  const errors: Json[] = [];
  const accepted: number[] = [];
  for (const [index, text] of texts.entries()) {
    const tooLarge = textTooLarge(text);
    if (tooLarge) errors.push({ Index: index, ErrorCode: 'TEXT_SIZE_LIMIT_EXCEEDED', ErrorMessage: tooLarge });
    else accepted.push(index);
  }
  const results =
    accepted.length === 0
      ? []
      : await operation.task(backend, { texts: accepted.map((i) => texts[i] as string), languageCode }, ctx);
  return {
    ResultList: results.map((result, i) => ({ Index: accepted[i], ...result })),
    ErrorList: errors,
  };
}
