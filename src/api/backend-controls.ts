/**
 * `/_aurora-ml/backends` on the API port: the backends' latency, capacity and
 * faults, read with GET and changed while running with PATCH (a partial
 * patch, `null` removes a setting). Like the call log, these routes take no
 * signature: they are the emulator's own, not an AWS API.
 *
 * Below it, which backend serves what (a body is the spec the config takes
 * at the same place; see src/backends/compose.ts):
 *
 *   GET    /_aurora-ml/backends/selection                       every spec in effect
 *   GET|PUT /_aurora-ml/backends/comprehend                     backends.comprehend
 *   GET|PUT /_aurora-ml/backends/bedrock                        backends.bedrock (models without a route)
 *   GET|PUT|DELETE /_aurora-ml/backends/sagemaker/endpoints/<name>
 *   GET|PUT|DELETE /_aurora-ml/backends/bedrock/models/<model id or prefix*>   (URL-encoded)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BedrockSpec, ComprehendSpec, SageMakerEndpointSpec } from '../backends/kinds.ts';
import type { BackendControls } from '../backends/middleware/controls.ts';
import type { BackendSelection } from '../backends/selection.ts';
import { AwsError } from '../control/aws-error.ts';
import { EmulatorError } from '../errors.ts';

export const CONTROLS_PATH = '/_aurora-ml/backends';

/** Far above any real patch; guards memory. */
const MAX_PATCH_BYTES = 256 * 1024;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_PATCH_BYTES) throw new AwsError('ValidationException', 'the patch is too large');
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new AwsError('SerializationException', 'the body is not JSON');
  }
}

function methodNotAllowed(res: ServerResponse, allow: string): void {
  res.setHeader('allow', allow);
  json(res, 405, { error: { code: 'MethodNotAllowed', message: `use ${allow}` } });
}

function notFound(res: ServerResponse, what: string): void {
  json(res, 404, { error: { code: 'NotFound', message: `no ${what}` } });
}

/** A spec body: a JSON object (the builders check the rest). */
async function readSpec(req: IncomingMessage): Promise<Record<string, unknown>> {
  const body = await readJson(req);
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AwsError('ValidationException', 'the body must be a JSON object: a backend spec such as {"kind":"builtin"}');
  return body as Record<string, unknown>;
}

/** One named thing (endpoint, model route) under a path: read, replace, remove. */
async function named(
  req: IncomingMessage,
  res: ServerResponse,
  what: string,
  ops: { get(): unknown; put(spec: Record<string, unknown>): void; remove(): boolean },
): Promise<void> {
  if (req.method === 'GET') {
    const spec = ops.get();
    if (spec === undefined) notFound(res, what);
    else json(res, 200, spec);
  } else if (req.method === 'PUT') {
    const spec = await readSpec(req);
    ops.put(spec);
    json(res, 200, spec);
  } else if (req.method === 'DELETE') {
    if (ops.remove()) json(res, 200, { removed: what });
    else notFound(res, what);
  } else methodNotAllowed(res, 'GET, PUT, DELETE');
}

async function handleSelection(req: IncomingMessage, res: ServerResponse, rest: string, selection: BackendSelection) {
  const now = selection.snapshot();
  if (rest === 'selection') {
    if (req.method === 'GET') json(res, 200, now);
    else methodNotAllowed(res, 'GET');
  } else if (rest === 'comprehend' || rest === 'bedrock') {
    if (req.method === 'GET') json(res, 200, rest === 'comprehend' ? now.comprehend : now.bedrock.default);
    else if (req.method === 'PUT') {
      const spec = await readSpec(req);
      if (rest === 'comprehend') selection.setComprehend(spec as ComprehendSpec);
      else selection.setBedrock(spec as BedrockSpec);
      json(res, 200, spec);
    } else methodNotAllowed(res, 'GET, PUT');
  } else if (rest.startsWith('sagemaker/endpoints/')) {
    const name = decodeURIComponent(rest.slice('sagemaker/endpoints/'.length));
    await named(req, res, `SageMaker endpoint ${name}`, {
      get: () => now.sagemaker.endpoints[name],
      put: (spec) => selection.setEndpoint(name, spec as unknown as SageMakerEndpointSpec),
      remove: () => selection.removeEndpoint(name),
    });
  } else if (rest.startsWith('bedrock/models/')) {
    const key = decodeURIComponent(rest.slice('bedrock/models/'.length));
    await named(req, res, `Bedrock model route ${key}`, {
      get: () => now.bedrock.models[key],
      put: (spec) => selection.setBedrockModel(key, spec as BedrockSpec),
      remove: () => selection.removeBedrockModel(key),
    });
  } else notFound(res, `route ${CONTROLS_PATH}/${rest}`);
}

/** Answers the request when it is for the controls routes; false otherwise. */
export async function handleControlsRequest(
  req: IncomingMessage,
  res: ServerResponse,
  controls: BackendControls,
  selection?: BackendSelection,
): Promise<boolean> {
  // The raw path: model ids in it are percent-encoded, and URL parsing keeps them so.
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const under = path.startsWith(`${CONTROLS_PATH}/`) && selection !== undefined;
  if (path !== CONTROLS_PATH && !under) return false;
  try {
    if (under) await handleSelection(req, res, path.slice(CONTROLS_PATH.length + 1).replace(/\/$/, ''), selection);
    else if (req.method === 'GET') json(res, 200, controls.getControls());
    else if (req.method === 'PATCH' || req.method === 'PUT' || req.method === 'POST') {
      json(res, 200, controls.setControls(await readJson(req)));
    } else {
      res.setHeader('allow', 'GET, PATCH');
      json(res, 405, { error: { code: 'MethodNotAllowed', message: 'use GET or PATCH' } });
    }
  } catch (err) {
    if (err instanceof AwsError) json(res, err.httpStatus, { error: { code: err.code, message: err.message } });
    else if (err instanceof EmulatorError && err.code === 'InvalidArgument')
      json(res, 400, { error: { code: 'ValidationException', message: err.message } });
    else if (err instanceof URIError)
      json(res, 400, { error: { code: 'ValidationException', message: 'bad percent-encoding in the path' } });
    else json(res, 500, { error: { code: 'InternalFailure', message: 'internal error in aurora-ml-emulator' } });
  }
  return true;
}
