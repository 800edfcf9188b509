/**
 * Issue 12, finding 5: the runtime controls' bodies were documented nowhere,
 * and a service-wide fault PATCHed at /_aurora-ml/backends did not reach an
 * endpoint with its own faults in the config, with no word about it. Here:
 * the OpenAPI document at /_aurora-ml/openapi.json is replayed route by route
 * (its examples sent, each answer checked against its schema), every route
 * the server answers must be in it, and what a service-wide PATCH answers
 * (keptOwnSetting) is what SQL then sees.
 */
import { request } from 'node:http';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_METHODS, type OpenApiDocument, type Operation } from '../src/api/openapi.ts';
import { catalog } from '../src/errors.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';
import { schemaErrors } from './helpers/json-schema.ts';

/** An endpoint whose config gives it faults of its own (a rate that never fires, so its calls succeed). */
const OWN = 'own-faults';

let env: TestEmulator;
let sql: pg.Client;
let doc: OpenApiDocument;

interface Answer {
  readonly status: number;
  readonly allow: string | null;
  readonly contentType: string;
  readonly body: unknown;
}

async function send(method: string, path: string, body?: unknown): Promise<Answer> {
  const res = await fetch(`${env.emulator.api.url}${path}`, {
    method,
    ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  });
  const contentType = res.headers.get('content-type') ?? '';
  if (contentType.startsWith('text/event-stream')) {
    // A live stream never ends: its head is the answer.
    await res.body?.cancel();
    return { status: res.status, allow: res.headers.get('allow'), contentType, body: '' };
  }
  const text = await res.text();
  return {
    status: res.status,
    allow: res.headers.get('allow'),
    contentType,
    body: contentType.includes('json') ? JSON.parse(text) : text,
  };
}

const errorsOf = (schema: unknown, value: unknown) => schemaErrors(schema as Record<string, unknown>, value, doc);

async function invoke(endpoint: string): Promise<string> {
  try {
    const { rows } = await sql.query(`SELECT aws_sagemaker.invoke_endpoint($1, NULL, 'a', 1) AS out`, [endpoint]);
    return rows[0].out as string;
  } catch (err) {
    return `error ${(err as { code?: string }).code}`;
  }
}

beforeAll(async () => {
  env = await startTestEmulator({
    apiListen: '127.0.0.1:0',
    backends: {
      sagemaker: {
        endpoints: { [OWN]: { kind: 'builtin', model: 'echo', faults: { rates: { ThrottlingException: 0 } } } },
      },
    },
  });
  sql = await env.client();
  await sql.query('CREATE EXTENSION aws_ml CASCADE');
  const answer = await send('GET', '/_aurora-ml/openapi.json');
  expect(answer.status).toBe(200);
  doc = answer.body as OpenApiDocument;
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

/** Writes first, then reads, then deletes: a GET or DELETE of a named backend finds the one its PUT example made. */
const ORDER = ['put', 'patch', 'post', 'get', 'delete'] as const;

function operations(): { path: string; method: string; op: Operation }[] {
  const out: { path: string; method: string; op: Operation }[] = [];
  for (const method of ORDER)
    for (const [path, item] of Object.entries(doc.paths)) {
      const op = item[method];
      if (op) out.push({ path, method, op });
    }
  return out;
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and covers the controls, selection, call log, metrics and itself', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      [
        '/_aurora-ml/openapi.json',
        '/_aurora-ml/backends',
        '/_aurora-ml/backends/selection',
        '/_aurora-ml/backends/comprehend',
        '/_aurora-ml/backends/bedrock',
        '/_aurora-ml/backends/sagemaker/endpoints/{name}',
        '/_aurora-ml/backends/bedrock/models/{key}',
        '/_aurora-ml/calls',
        '/_aurora-ml/calls/{id}',
        '/_aurora-ml/control/reset',
        '/_aurora-ml/statements',
        '/_aurora-ml/statements/{id}',
        '/_aurora-ml/connections',
        '/_aurora-ml/events',
        '/metrics',
      ].sort(),
    );
    const ids = operations().map((o) => o.op.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('every documented example conforms to its own schema', () => {
    let checked = 0;
    for (const { path, method, op } of operations()) {
      const media = [
        ...Object.values(op.requestBody?.content ?? {}),
        ...Object.values(op.responses).flatMap((r) => Object.values(r.content ?? {})),
      ];
      for (const m of media) {
        if (m.example === undefined) continue;
        expect(errorsOf(m.schema, m.example), `${method} ${path}`).toEqual([]);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(15);
  });

  it('a bad example would be caught: the validator is not a rubber stamp', () => {
    const patch = { $ref: '#/components/schemas/ControlsPatch' };
    expect(errorsOf(patch, { sagemaker: { faults: { down: 'yes' } } })).not.toEqual([]);
    expect(errorsOf(patch, { sagemaker: { fault: { down: true } } })).not.toEqual([]);
    expect(errorsOf(patch, { sagemaker: { latency: { kind: 'fixed' } } })).not.toEqual([]);
    expect(errorsOf(patch, { sagemaker: { faults: null, targets: { x: null } } })).toEqual([]);
  });

  it('every route answers its example with its documented success status and a body of the documented schema', async () => {
    await invoke('demo-echo'); // call 1 in the log, for GET /_aurora-ml/calls/{id}
    for (const { path, method, op } of operations()) {
      const concrete = path.replace(/\{(\w+)\}/g, (_, name: string) => {
        const example = op.parameters?.find((p) => p.name === name)?.example;
        if (example === undefined) throw new Error(`${method} ${path}: no example for ${name}`);
        return encodeURIComponent(example);
      });
      const requestExample = op.requestBody?.content['application/json']?.example;
      if (op.requestBody?.required) expect(requestExample, `${method} ${path} needs a request example`).toBeDefined();
      const answer = await send(method.toUpperCase(), concrete, requestExample);
      const success = Object.keys(op.responses).find((s) => s.startsWith('2'));
      expect(String(answer.status), `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(success);
      const content = op.responses[success ?? '']?.content ?? {};
      const [mediaType, media] = Object.entries(content)[0] ?? [];
      expect(answer.contentType.startsWith(mediaType ?? '?'), `${method} ${path} answers ${answer.contentType}`).toBe(true);
      expect(errorsOf(media?.schema, answer.body), `${method} ${path}`).toEqual([]);
    }
    // The controls examples queue throttles: leave the service as it was for the tests below.
    await send('PATCH', '/_aurora-ml/backends', { sagemaker: { faults: null } });
  });

  it('an error answer matches the documented error schema', async () => {
    const bad = await send('PATCH', '/_aurora-ml/backends', { sagemaker: { faults: { down: 'yes' } } });
    expect(bad.status).toBe(400);
    expect(
      errorsOf(doc.paths['/_aurora-ml/backends']?.patch?.responses['400']?.content?.['application/json']?.schema, bad.body),
    ).toEqual([]);
  });

  it('every route the server answers is in the document, with every method its Allow header names', async () => {
    // The paths src/api/backend-controls.ts, src/observe/http.ts and src/api/server.ts route, as concrete
    // requests, and paths they do not (which must answer "no route").
    const probes: [string, string | undefined][] = [
      ['/_aurora-ml/openapi.json', '/_aurora-ml/openapi.json'],
      ['/_aurora-ml/backends', '/_aurora-ml/backends'],
      ['/_aurora-ml/backends/selection', '/_aurora-ml/backends/selection'],
      ['/_aurora-ml/backends/comprehend', '/_aurora-ml/backends/comprehend'],
      ['/_aurora-ml/backends/bedrock', '/_aurora-ml/backends/bedrock'],
      ['/_aurora-ml/backends/sagemaker/endpoints/probe', '/_aurora-ml/backends/sagemaker/endpoints/{name}'],
      ['/_aurora-ml/backends/bedrock/models/probe.model', '/_aurora-ml/backends/bedrock/models/{key}'],
      ['/_aurora-ml/calls', '/_aurora-ml/calls'],
      ['/_aurora-ml/calls/1', '/_aurora-ml/calls/{id}'],
      ['/_aurora-ml/statements', '/_aurora-ml/statements'],
      ['/_aurora-ml/statements/1', '/_aurora-ml/statements/{id}'],
      ['/_aurora-ml/connections', '/_aurora-ml/connections'],
      ['/_aurora-ml/events', '/_aurora-ml/events'],
      ['/metrics', '/metrics'],
      ['/_aurora-ml', undefined],
      ['/_aurora-ml/', undefined],
      ['/_aurora-ml/backends/sagemaker', undefined],
      ['/_aurora-ml/backends/sagemaker/endpoints', undefined],
      ['/_aurora-ml/control/reset', '/_aurora-ml/control/reset'],
      ['/_aurora-ml/control', undefined],
      ['/_aurora-ml/openapi', undefined],
    ];
    for (const [path, template] of probes) {
      const documented = template === undefined ? undefined : doc.paths[template];
      for (const method of HTTP_METHODS) {
        const answer = await send(method.toUpperCase(), path, method === 'get' || method === 'delete' ? undefined : {});
        const noRoute =
          answer.status === 404 && /^no route/.test((answer.body as { error?: { message?: string } }).error?.message ?? '');
        const where = `${method} ${path} answered ${answer.status}`;
        if (answer.status === 405) {
          for (const allowed of (answer.allow ?? '').split(/,\s*/))
            expect(
              documented?.[allowed.toLowerCase() as (typeof HTTP_METHODS)[number]],
              `${where}; Allow: ${allowed}`,
            ).toBeDefined();
          expect(documented?.[method], where).toBeUndefined();
        } else if (noRoute) expect(documented?.[method], where).toBeUndefined();
        else expect(documented?.[method], `${where} but is not documented`).toBeDefined();
      }
    }
    await send('PATCH', '/_aurora-ml/backends', { preset: 'none', comprehend: { latency: null } });
  });
});

describe('the document is guarded like the other /_aurora-ml routes', () => {
  it('a foreign Host (DNS rebinding) is refused', async () => {
    const port = env.emulator.api.port;
    const status = await new Promise<number>((resolve, reject) => {
      const headers = { host: `rebind.attacker.example:${port}` };
      const req = request({ host: '127.0.0.1', port, path: '/_aurora-ml/openapi.json', headers }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(403);
  });
});

describe('a service-wide fault and an endpoint with its own faults', () => {
  it('the PATCH answer names the endpoint that keeps its own faults, and SQL sees exactly that', async () => {
    const patch = await send('PATCH', '/_aurora-ml/backends', { sagemaker: { faults: { down: true } } });
    expect(patch.status).toBe(200);
    expect(errorsOf({ $ref: '#/components/schemas/ControlsOutcome' }, patch.body)).toEqual([]);
    expect((patch.body as { keptOwnSetting: unknown }).keptOwnSetting).toEqual({ sagemaker: { faults: [OWN] } });
    expect(await invoke('demo-echo')).toBe(`error ${catalog.ServiceUnavailable.pg}`);
    expect(await invoke(OWN)).toBe('a 1');
  });

  it("dropping the endpoint's own faults in the same patch lets the service-wide fault reach it, and the answer says so", async () => {
    const patch = await send('PATCH', '/_aurora-ml/backends', {
      sagemaker: { faults: { down: true }, targets: { [OWN]: { faults: null } } },
    });
    expect(patch.status).toBe(200);
    expect((patch.body as { keptOwnSetting: unknown }).keptOwnSetting).toEqual({});
    expect(await invoke(OWN)).toBe(`error ${catalog.ServiceUnavailable.pg}`);
    expect(await invoke('demo-echo')).toBe(`error ${catalog.ServiceUnavailable.pg}`);
    await send('PATCH', '/_aurora-ml/backends', { sagemaker: { faults: null } });
    expect(await invoke(OWN)).toBe('a 1');
    expect(await invoke('demo-echo')).toBe('a 1');
  });

  it('a preset changes every service latency and names the targets with their own latency', async () => {
    const set = await send('PATCH', '/_aurora-ml/backends', { sagemaker: { targets: { [OWN]: { latency: { kind: 'none' } } } } });
    expect((set.body as { keptOwnSetting: unknown }).keptOwnSetting).toEqual({});
    const preset = await send('PATCH', '/_aurora-ml/backends', { preset: 'none' });
    expect((preset.body as { keptOwnSetting: unknown }).keptOwnSetting).toEqual({ sagemaker: { latency: [OWN] } });
  });
});
