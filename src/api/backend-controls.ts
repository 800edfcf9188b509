/**
 * `/_aurora-ml/backends` on the API port: the backends' latency, capacity and
 * faults, read with GET and changed while running with PATCH (a partial
 * patch, `null` removes a setting). A PATCH answers the settings now in
 * effect plus `keptOwnSetting`: the targets a service-wide change did not
 * reach because they have their own setting (see BackendControls). The server
 * guards these routes before they run (./browser-guard.ts; with
 * apiCredentials, a SigV4 signature). Bodies and answers of every route:
 * ./openapi.ts, served at /_aurora-ml/openapi.json.
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
import { AwsError } from '../aws-error.ts';
import type { BedrockSpec, ComprehendSpec, SageMakerEndpointSpec } from '../backends/kinds.ts';
import type { BackendControls } from '../backends/middleware/controls.ts';
import type { BackendSelection } from '../backends/selection.ts';
import { EmulatorError } from '../errors.ts';

export const CONTROLS_PATH = '/_aurora-ml/backends';

/** Far above any real patch; the server reads no more of a body for these routes. */
export const MAX_PATCH_BYTES = 256 * 1024;

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8') || '{}');
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
function readSpec(body: Buffer): Record<string, unknown> {
  const spec = parseJson(body);
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec))
    throw new AwsError('ValidationException', 'the body must be a JSON object: a backend spec such as {"kind":"builtin"}');
  return spec as Record<string, unknown>;
}

/** One named thing (endpoint, model route) under a path: read, replace, remove. */
function named(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  what: string,
  ops: { get(): unknown; put(spec: Record<string, unknown>): void; remove(): boolean },
): void {
  if (req.method === 'GET') {
    const spec = ops.get();
    if (spec === undefined) notFound(res, what);
    else json(res, 200, spec);
  } else if (req.method === 'PUT') {
    const spec = readSpec(body);
    ops.put(spec);
    json(res, 200, spec);
  } else if (req.method === 'DELETE') {
    if (ops.remove()) json(res, 200, { removed: what });
    else notFound(res, what);
  } else methodNotAllowed(res, 'GET, PUT, DELETE');
}

function handleSelection(req: IncomingMessage, body: Buffer, res: ServerResponse, rest: string, selection: BackendSelection) {
  const now = selection.snapshot();
  if (rest === 'selection') {
    if (req.method === 'GET') json(res, 200, now);
    else methodNotAllowed(res, 'GET');
  } else if (rest === 'comprehend' || rest === 'bedrock') {
    if (req.method === 'GET') json(res, 200, rest === 'comprehend' ? now.comprehend : now.bedrock.default);
    else if (req.method === 'PUT') {
      const spec = readSpec(body);
      if (rest === 'comprehend') selection.setComprehend(spec as ComprehendSpec);
      else selection.setBedrock(spec as BedrockSpec);
      json(res, 200, spec);
    } else methodNotAllowed(res, 'GET, PUT');
  } else if (rest.startsWith('sagemaker/endpoints/')) {
    const name = decodeURIComponent(rest.slice('sagemaker/endpoints/'.length));
    named(req, body, res, `SageMaker endpoint ${name}`, {
      get: () => now.sagemaker.endpoints[name],
      put: (spec) => selection.setEndpoint(name, spec as unknown as SageMakerEndpointSpec),
      remove: () => selection.removeEndpoint(name),
    });
  } else if (rest.startsWith('bedrock/models/')) {
    const key = decodeURIComponent(rest.slice('bedrock/models/'.length));
    named(req, body, res, `Bedrock model route ${key}`, {
      get: () => now.bedrock.models[key],
      put: (spec) => selection.setBedrockModel(key, spec as BedrockSpec),
      remove: () => selection.removeBedrockModel(key),
    });
  } else notFound(res, `route ${CONTROLS_PATH}/${rest}`);
}

/**
 * Answers the request when it is for the controls routes; false otherwise.
 * `body` is the request's body, read (and its signature checked) by the server.
 */
export function handleControlsRequest(
  req: IncomingMessage,
  body: Buffer,
  res: ServerResponse,
  controls: BackendControls,
  selection?: BackendSelection,
): boolean {
  // The raw path: model ids in it are percent-encoded, and URL parsing keeps them so.
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  const under = path.startsWith(`${CONTROLS_PATH}/`) && selection !== undefined;
  if (path !== CONTROLS_PATH && !under) return false;
  try {
    if (under) handleSelection(req, body, res, path.slice(CONTROLS_PATH.length + 1).replace(/\/$/, ''), selection);
    else if (req.method === 'GET') json(res, 200, controls.getControls());
    else if (req.method === 'PATCH' || req.method === 'PUT' || req.method === 'POST') {
      json(res, 200, controls.setControls(parseJson(body)));
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
