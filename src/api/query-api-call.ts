/**
 * One call to the AWS Query APIs (IAM 2010-05-08, RDS 2014-10-31): read the
 * form, pick the service (Version, else the SigV4 scope's service, else the
 * action's name), check the signature when credentials are configured, run
 * the action, answer AWS's XML. Only an AwsError reaches the client as
 * itself; anything else is logged and the client sees InternalFailure.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { AwsError } from '../aws-error.ts';
import type { Authenticate } from './authenticate.ts';
import { parseForm, QueryParams } from './query.ts';
import { BodyTooLarge, readBody } from './read-body.ts';
import { errorXml, successXml } from './responses.ts';
import type { ApiService } from './service.ts';
import { parseAuthorization } from './sigv4.ts';

/** Far above any IAM policy or RDS request; guards memory, not semantics. */
const MAX_BODY_BYTES = 1024 * 1024;

export interface QueryApiDeps {
  readonly services: readonly ApiService[];
  readonly authenticate: Authenticate;
  readonly log: Logger;
}

interface Outcome {
  readonly status: number;
  readonly body: string;
  readonly service?: string;
  readonly action?: string;
}

/** Answers the call in AWS's XML and logs it; every failure is answered, none is thrown. */
export async function answerQueryApi(
  req: IncomingMessage,
  res: ServerResponse,
  requestId: string,
  deps: QueryApiDeps,
): Promise<void> {
  const started = performance.now();
  const outcome = await handle(req, requestId, deps);
  res.writeHead(outcome.status, {
    'content-type': 'text/xml; charset=utf-8',
    'content-length': Buffer.byteLength(outcome.body),
    'x-amzn-requestid': requestId,
  });
  res.end(outcome.body);
  deps.log.info(
    {
      requestId,
      service: outcome.service,
      action: outcome.action,
      status: outcome.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    },
    'control API call',
  );
}

function pickService(
  services: readonly ApiService[],
  version: string | undefined,
  scopeService: string | undefined,
  action: string | undefined,
): ApiService | undefined {
  return (
    services.find((s) => s.version === version) ??
    services.find((s) => s.signingName === scopeService) ??
    services.find((s) => action !== undefined && Object.hasOwn(s.actions, action))
  );
}

async function handle(req: IncomingMessage, requestId: string, deps: QueryApiDeps): Promise<Outcome> {
  let service: ApiService | undefined;
  let action: string | undefined;
  try {
    const body = await readBody(req, MAX_BODY_BYTES);
    const url = new URL(req.url ?? '/', 'http://localhost');
    const query = url.search.slice(1);
    const values = parseForm(query);
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    if (req.method === 'POST' && (isForm || req.headers['content-type'] === undefined)) {
      for (const [k, v] of parseForm(body.toString('utf8'))) values.set(k, v);
    }
    action = values.get('Action');
    const header = req.headers.authorization;
    const auth = header === undefined ? undefined : parseAuthorization(header);
    service = pickService(deps.services, values.get('Version'), auth?.service, action);

    deps.authenticate(req, url, body);

    if (action === undefined || action === '')
      throw new AwsError('MissingAction', 'The request must contain the parameter Action');
    if (!service) throw new AwsError('InvalidAction', `Could not find operation ${action} (unknown service or Version)`);
    const handler = Object.hasOwn(service.actions, action) ? service.actions[action] : undefined;
    if (!handler) throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${service.version}`);
    const result = await handler(new QueryParams(values, service.parameterErrors));
    return {
      status: 200,
      body: successXml(service.namespace, action, result, requestId),
      service: service.signingName,
      action,
    };
  } catch (err) {
    const error =
      err instanceof AwsError
        ? err
        : err instanceof BodyTooLarge
          ? new AwsError('RequestEntityTooLarge', `Request body exceeds ${MAX_BODY_BYTES} bytes`, 413)
          : internalFailure(err, requestId, deps.log);
    return {
      status: error.httpStatus,
      body: errorXml(service?.namespace, error, requestId),
      ...(service ? { service: service.signingName } : {}),
      ...(action !== undefined ? { action } : {}),
    };
  }
}

function internalFailure(err: unknown, requestId: string, log: Logger): AwsError {
  log.error({ err, requestId }, 'control API: unexpected failure');
  return new AwsError('InternalFailure', 'The request processing has failed because of an unknown error.', 500);
}
