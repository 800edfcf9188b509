/**
 * Issue 11, finding 7: the API trusted any web page. A page could reach it
 * through DNS rebinding (a foreign Host header) or cross-site (an Origin, a
 * text/plain or form POST), apiCredentials did not cover /_aurora-ml/* or
 * /metrics, and SigV4 had no time window. Each is driven here over real
 * HTTP; SDK clients, curl's SigV4 signer and the AWS CLI keep working.
 */
import { execFile } from 'node:child_process';
import { request } from 'node:http';
import { promisify } from 'node:util';
import { ComprehendClient, DetectSentimentCommand } from '@aws-sdk/client-comprehend';
import { DescribeDBClustersCommand, RDSClient } from '@aws-sdk/client-rds';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hostRule } from '../src/api/browser-guard.ts';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

const run = promisify(execFile);
const KEY = { accessKeyId: 'AKIAAPISAFETYTEST001', secretAccessKey: 'api-safety-secret' };
const ANY_KEY = { accessKeyId: 'AKIAANYKEY', secretAccessKey: 'any' };
const FOREIGN_HOST = 'rebind.attacker.example';
const MODULE_SPEC = JSON.stringify({ kind: 'module', path: '/tmp/never-loaded.mjs' });

let open: TestEmulator;
let keyed: TestEmulator;

beforeAll(async () => {
  [open, keyed] = await Promise.all([startTestEmulator(), startTestEmulator({ apiCredentials: [KEY] })]);
});

afterAll(async () => {
  await Promise.allSettled([open?.[Symbol.asyncDispose](), keyed?.[Symbol.asyncDispose]()]);
});

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
}

/** One HTTP/1.1 request to the API with exactly these headers (Host and Origin included), to 127.0.0.1 only. */
function send(
  env: TestEmulator,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const port = env.emulator.api.port;
    const req = request({ host: '127.0.0.1', port, method, path, headers: { host: `127.0.0.1:${port}`, ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const errorCode = (answer: Answer) => (JSON.parse(answer.text) as { error: { code: string } }).error.code;

async function endpointSpecs(env: TestEmulator): Promise<Record<string, unknown>> {
  const selection = await send(env, 'GET', '/_aurora-ml/backends/selection');
  return (JSON.parse(selection.text) as { sagemaker: { endpoints: Record<string, unknown> } }).sagemaker.endpoints;
}

async function comprehendLatency(env: TestEmulator): Promise<unknown> {
  const controls = await send(env, 'GET', '/_aurora-ml/backends');
  return (JSON.parse(controls.text) as { comprehend: { latency?: unknown } }).comprehend.latency;
}

const LATENCY_PATCH = JSON.stringify({ comprehend: { latency: { kind: 'fixed', ms: 1 } } });
const RESET_PATCH = JSON.stringify({ comprehend: { latency: null } });

describe('Host: DNS rebinding is refused', () => {
  it('a foreign Host cannot read or switch backends (the module-loading PUT of the report)', async () => {
    const port = open.emulator.api.port;
    const read = await send(open, 'GET', '/_aurora-ml/backends', { host: `${FOREIGN_HOST}:${port}` });
    expect(read.status).toBe(403);
    expect(errorCode(read)).toBe('Forbidden');
    const put = await send(
      open,
      'PUT',
      '/_aurora-ml/backends/sagemaker/endpoints/rebound',
      { host: `${FOREIGN_HOST}:${port}`, 'content-type': 'application/json' },
      MODULE_SPEC,
    );
    expect(put.status).toBe(403);
    expect(await endpointSpecs(open)).not.toHaveProperty('rebound');
    const metrics = await send(open, 'GET', '/metrics', { host: FOREIGN_HOST });
    expect(metrics.status).toBe(403);
  });

  it('the AWS APIs answer a foreign Host in their own error shapes', async () => {
    const query = await send(
      open,
      'POST',
      '/',
      { host: FOREIGN_HOST, 'content-type': 'application/x-www-form-urlencoded' },
      'Action=DescribeDBClusters&Version=2014-10-31',
    );
    expect(query.status).toBe(403);
    expect(query.text).toContain('<Code>AccessDenied</Code>');
    const comprehend = await send(
      open,
      'POST',
      '/',
      {
        host: FOREIGN_HOST,
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Comprehend_20171127.DetectSentiment',
      },
      JSON.stringify({ Text: 'I love it', LanguageCode: 'en' }),
    );
    expect(comprehend.status).toBe(403);
    expect(comprehend.headers['x-amzn-errortype']).toBe('AccessDeniedException');
    expect(JSON.parse(comprehend.text)).toMatchObject({ __type: 'AccessDeniedException' });
  });

  it('loopback names and addresses, with or without the port, are accepted', async () => {
    const port = open.emulator.api.port;
    for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, `[::1]:${port}`, `LOCALHOST:${port}`]) {
      expect((await send(open, 'GET', '/_aurora-ml/backends', { host })).status, host).toBe(200);
    }
  });

  it('a loopback listener accepts only loopback hosts; a wildcard one (docker) also names no public DNS can rebind', () => {
    const loopback = hostRule('127.0.0.1');
    expect(['127.0.0.1', 'localhost', 'api.localhost', '[::1]'].filter(loopback)).toHaveLength(4);
    expect(['172.18.0.3', 'emulator', FOREIGN_HOST].filter(loopback)).toEqual([]);
    const docker = hostRule('0.0.0.0');
    expect(['172.18.0.3', 'emulator', 'host.docker.internal', 'localhost', '[::1]'].filter(docker)).toHaveLength(5);
    expect(docker(FOREIGN_HOST)).toBe(false);
    const lan = hostRule('192.168.7.7');
    expect(lan('192.168.7.7')).toBe(true);
    expect(lan('192.168.7.8')).toBe(false);
  });
});

describe('Origin: pages on other sites cannot change anything', () => {
  it('a PATCH, PUT or DELETE from a foreign origin is refused and nothing changes', async () => {
    const origin = { origin: 'http://attacker.example', 'content-type': 'application/json' };
    const patch = await send(open, 'PATCH', '/_aurora-ml/backends', origin, LATENCY_PATCH);
    expect(patch.status).toBe(403);
    expect(await comprehendLatency(open)).toBeUndefined();
    const put = await send(open, 'PUT', '/_aurora-ml/backends/sagemaker/endpoints/csrf', origin, MODULE_SPEC);
    expect(put.status).toBe(403);
    expect(await endpointSpecs(open)).not.toHaveProperty('csrf');
    const sandboxed = await send(open, 'DELETE', '/_aurora-ml/calls', { origin: 'null' });
    expect(sandboxed.status).toBe(403);
  });

  it('a cross-site form POST to the unsigned Query API is refused, and so is a cross-site GET action', async () => {
    const form = await send(
      open,
      'POST',
      '/',
      { origin: 'https://attacker.example', 'content-type': 'application/x-www-form-urlencoded' },
      `Action=CreateRole&Version=2010-05-08&RoleName=csrf-form&AssumeRolePolicyDocument=${encodeURIComponent('{}')}`,
    );
    expect(form.status).toBe(403);
    expect(form.text).toContain('<Code>AccessDenied</Code>');
    // An <img> or a link: no Origin, but the browser marks it cross-site.
    const img = await send(
      open,
      'GET',
      '/?Action=CreateRole&Version=2010-05-08&RoleName=csrf-img&AssumeRolePolicyDocument=%7B%7D',
      {
        'sec-fetch-site': 'cross-site',
      },
    );
    expect(img.status).toBe(403);
    const roles = await send(open, 'GET', '/?Action=ListRoles&Version=2010-05-08');
    expect(roles.status).toBe(200);
    expect(roles.text).not.toContain('csrf-');
  });

  it('a page on a loopback origin (a local dev tool) may still write', async () => {
    const patch = await send(
      open,
      'PATCH',
      '/_aurora-ml/backends',
      { origin: 'http://localhost:3000', 'content-type': 'application/json' },
      LATENCY_PATCH,
    );
    expect(patch.status).toBe(200);
    expect(await comprehendLatency(open)).toEqual({ kind: 'fixed', ms: 1 });
    const reset = await send(open, 'PATCH', '/_aurora-ml/backends', { 'content-type': 'application/json' }, RESET_PATCH);
    expect(reset.status).toBe(200);
  });
});

describe('simple requests: /_aurora-ml/* writes must be JSON', () => {
  it('a text/plain or form POST to /_aurora-ml/backends is refused with 415 and changes nothing', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const post = await send(open, 'POST', '/_aurora-ml/backends', { 'content-type': type }, LATENCY_PATCH);
      expect(post.status, type).toBe(415);
      expect(errorCode(post)).toBe('UnsupportedMediaType');
    }
    const untyped = await send(open, 'PUT', '/_aurora-ml/backends/sagemaker/endpoints/plain', {}, MODULE_SPEC);
    expect(untyped.status).toBe(415);
    expect(await comprehendLatency(open)).toBeUndefined();
    expect(await endpointSpecs(open)).not.toHaveProperty('plain');
  });

  it('the same POST as application/json is applied', async () => {
    const post = await send(
      open,
      'POST',
      '/_aurora-ml/backends',
      { 'content-type': 'application/json; charset=utf-8' },
      LATENCY_PATCH,
    );
    expect(post.status).toBe(200);
    expect(await comprehendLatency(open)).toEqual({ kind: 'fixed', ms: 1 });
    await send(open, 'PATCH', '/_aurora-ml/backends', { 'content-type': 'application/json' }, RESET_PATCH);
  });
});

/** curl's own SigV4 signer (not ours): the request a scripted client would send. */
async function curlSigned(
  env: TestEmulator,
  key: { accessKeyId: string; secretAccessKey: string },
  method: string,
  path: string,
  body?: string,
): Promise<{ status: number; text: string }> {
  const args = ['-s', '-w', '\n%{http_code}', '-X', method, '--aws-sigv4', 'aws:amz:us-east-1:execute-api'];
  args.push('--user', `${key.accessKeyId}:${key.secretAccessKey}`);
  if (body !== undefined) args.push('-H', 'content-type: application/json', '--data-binary', body);
  const { stdout } = await run('curl', [...args, `${env.emulator.api.url}${path}`]);
  const cut = stdout.lastIndexOf('\n');
  return { status: Number(stdout.slice(cut + 1)), text: stdout.slice(0, cut) };
}

describe('apiCredentials cover every route', () => {
  it('unsigned requests to /_aurora-ml/* and /metrics are refused', async () => {
    for (const [method, path] of [
      ['GET', '/_aurora-ml/backends'],
      ['GET', '/_aurora-ml/calls'],
      ['DELETE', '/_aurora-ml/calls'],
      ['GET', '/metrics'],
    ] as const) {
      const answer = await send(keyed, method, path);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(errorCode(answer)).toBe('MissingAuthenticationToken');
    }
    const put = await send(
      keyed,
      'PUT',
      '/_aurora-ml/backends/sagemaker/endpoints/unsigned',
      { 'content-type': 'application/json' },
      MODULE_SPEC,
    );
    expect(put.status).toBe(403);
  });

  it('a request signed with a configured key passes; a wrong secret is SignatureDoesNotMatch', async () => {
    const read = await curlSigned(keyed, KEY, 'GET', '/_aurora-ml/backends');
    expect(read.status).toBe(200);
    expect(JSON.parse(read.text)).toHaveProperty('comprehend');
    const patch = await curlSigned(keyed, KEY, 'PATCH', '/_aurora-ml/backends', LATENCY_PATCH);
    expect(patch.status).toBe(200);
    expect(JSON.parse(patch.text)).toMatchObject({ comprehend: { latency: { kind: 'fixed', ms: 1 } } });
    expect((await curlSigned(keyed, KEY, 'GET', '/metrics')).status).toBe(200);
    const wrong = await curlSigned(keyed, { ...KEY, secretAccessKey: 'wrong' }, 'PATCH', '/_aurora-ml/backends', RESET_PATCH);
    expect(wrong.status).toBe(403);
    expect(JSON.parse(wrong.text)).toMatchObject({ error: { code: 'SignatureDoesNotMatch' } });
  });

  it('the AWS CLI v2 and the SDKs still work, signed (keys configured) or not', async () => {
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      AWS_ACCESS_KEY_ID: KEY.accessKeyId,
      AWS_SECRET_ACCESS_KEY: KEY.secretAccessKey,
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_CONFIG_FILE: '/nonexistent/aws-config',
      AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
    };
    for (const target of [open, keyed]) {
      const cli = ['--endpoint-url', target.emulator.api.url, '--output', 'json', 'rds', 'describe-db-clusters'];
      const { stdout } = await run('/usr/bin/aws', cli, { env });
      expect((JSON.parse(stdout) as { DBClusters: unknown[] }).DBClusters.length).toBeGreaterThan(0);
      const rds = new RDSClient({ endpoint: target.emulator.api.url, region: 'us-east-1', credentials: KEY, maxAttempts: 1 });
      expect((await rds.send(new DescribeDBClustersCommand({}))).DBClusters?.length).toBeGreaterThan(0);
      rds.destroy();
    }
  });
});

const MINUTE = 60_000;

describe('SigV4 time window: 15 minutes either way', () => {
  /** An SDK client whose clock is `offsetMs` off: it signs with that time. */
  const rdsAt = (env: TestEmulator, offsetMs: number, credentials = KEY) =>
    new RDSClient({
      endpoint: env.emulator.api.url,
      region: 'us-east-1',
      credentials,
      maxAttempts: 1,
      systemClockOffset: offsetMs,
    });

  async function failure(promise: Promise<unknown>) {
    try {
      await promise;
    } catch (err) {
      const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
      return { name: e.name, message: e.message, status: e.$metadata?.httpStatusCode };
    }
    throw new Error('expected the call to fail');
  }

  it('the Query API refuses requests dated 2020 or 2099, with or without keys configured', async () => {
    const years = 365 * 24 * 60 * MINUTE;
    for (const [env, credentials] of [
      [open, ANY_KEY],
      [keyed, KEY],
    ] as const) {
      const past = rdsAt(env, Date.UTC(2020, 0, 1) - Date.now(), credentials);
      expect(await failure(past.send(new DescribeDBClustersCommand({})))).toMatchObject({
        name: 'SignatureDoesNotMatch',
        status: 403,
        message: expect.stringContaining('Signature expired'),
      });
      const future = rdsAt(env, 70 * years, credentials);
      expect(await failure(future.send(new DescribeDBClustersCommand({})))).toMatchObject({
        name: 'SignatureDoesNotMatch',
        message: expect.stringContaining('Signature not yet current'),
      });
      past.destroy();
      future.destroy();
    }
  });

  it('the edge: 20 minutes off is refused, 10 minutes off is accepted', async () => {
    for (const [offset, accepted] of [
      [-20 * MINUTE, false],
      [20 * MINUTE, false],
      [-10 * MINUTE, true],
      [10 * MINUTE, true],
    ] as const) {
      const rds = rdsAt(keyed, offset);
      const call = rds.send(new DescribeDBClustersCommand({}));
      if (accepted) expect((await call).DBClusters?.length, `${offset}`).toBeGreaterThan(0);
      else expect(await failure(call), `${offset}`).toMatchObject({ name: 'SignatureDoesNotMatch' });
      rds.destroy();
    }
  });

  it('the JSON services answer InvalidSignatureException in their own shape', async () => {
    const comprehend = new ComprehendClient({
      endpoint: open.emulator.api.url,
      region: 'us-east-1',
      credentials: ANY_KEY,
      maxAttempts: 1,
      systemClockOffset: -30 * MINUTE,
    });
    expect(await failure(comprehend.send(new DetectSentimentCommand({ Text: 'I love it', LanguageCode: 'en' })))).toMatchObject({
      name: 'InvalidSignatureException',
      message: expect.stringContaining('Signature expired'),
    });
    comprehend.destroy();
  });

  it('a signed request to /_aurora-ml/* is held to the window too', async () => {
    const stale = new Date(Date.now() - 30 * MINUTE)
      .toISOString()
      .replace(/[-:]/g, '')
      .replace(/\.\d{3}/, '');
    const answer = await send(open, 'GET', '/_aurora-ml/backends', {
      'x-amz-date': stale,
      authorization: `AWS4-HMAC-SHA256 Credential=${ANY_KEY.accessKeyId}/${stale.slice(0, 8)}/us-east-1/execute-api/aws4_request, SignedHeaders=host;x-amz-date, Signature=${'0'.repeat(64)}`,
    });
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.text)).toMatchObject({
      error: { code: 'SignatureDoesNotMatch', message: expect.stringContaining('Signature expired') },
    });
  });
});
