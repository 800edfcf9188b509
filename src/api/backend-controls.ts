/**
 * `/_aurora-ml/backends` on the API port: the backends' latency, capacity and
 * faults, read with GET and changed while running with PATCH (a partial
 * patch, `null` removes a setting). Like the call log, these routes take no
 * signature: they are the emulator's own, not an AWS API.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BackendControls } from '../backends/middleware/controls.ts';
import { AwsError } from '../control/aws-error.ts';

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

/** Answers the request when it is for the controls route; false otherwise. */
export async function handleControlsRequest(
  req: IncomingMessage,
  res: ServerResponse,
  controls: BackendControls,
): Promise<boolean> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname;
  if (path !== CONTROLS_PATH) return false;
  try {
    if (req.method === 'GET') json(res, 200, controls.getControls());
    else if (req.method === 'PATCH' || req.method === 'PUT' || req.method === 'POST') {
      json(res, 200, controls.setControls(await readJson(req)));
    } else {
      res.setHeader('allow', 'GET, PATCH');
      json(res, 405, { error: { code: 'MethodNotAllowed', message: 'use GET or PATCH' } });
    }
  } catch (err) {
    if (err instanceof AwsError) json(res, err.httpStatus, { error: { code: err.code, message: err.message } });
    else json(res, 500, { error: { code: 'InternalFailure', message: 'internal error in aurora-ml-emulator' } });
  }
  return true;
}
