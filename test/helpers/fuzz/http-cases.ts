/**
 * Case generators for the HTTP API: raw HTTP/1.1 requests with random
 * methods, request targets (absolute-form, `//host:port`, bad `%` escapes),
 * Host / Origin / content types, and bodies (bad JSON, huge, binary) for the
 * emulator's own routes and the AWS-compatible ones. `framed` cases are valid
 * HTTP, which must get an answer; the rest are broken HTTP (unknown methods
 * included: node's parser refuses them), which may be answered or closed. No body here is a valid backend change, so the
 * emulator's configuration stays as it was.
 */
import type { Rng } from './budget.ts';
import { randomBytes } from './bytes.ts';

export interface HttpCase {
  readonly label: string;
  readonly method: string;
  readonly bytes: Buffer;
  /** Valid HTTP framing: an answer is owed. */
  readonly framed: boolean;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE'];

function targets(rng: Rng, port: number): string {
  const hex = () => rng.int(0, 255).toString(16).padStart(2, '0');
  return rng.pick([
    '/',
    '/_aurora-ml',
    '/_aurora-ml/',
    '/_aurora-ml/backends',
    '/_aurora-ml/backends/selection',
    '/_aurora-ml/backends/comprehend',
    '/_aurora-ml/backends/sagemaker/endpoints/fuzz-ep',
    '/_aurora-ml/backends/sagemaker/endpoints/%00x',
    '/_aurora-ml/backends/sagemaker/endpoints/',
    '/_aurora-ml/backends/bedrock/models/a%2Fb*',
    '/_aurora-ml/backends/bedrock',
    '/_aurora-ml/calls',
    '/_aurora-ml/calls?service=sagemaker&connection=%zz',
    `/_aurora-ml/calls?service=${'s'.repeat(5000)}`,
    '/_aurora-ml/%2e%2e/metrics',
    '/metrics',
    '/metrics?x=%',
    '/endpoints/demo-echo/invocations',
    '/endpoints/%ZZ/invocations',
    `/endpoints/${'e'.repeat(300)}/invocations`,
    '/endpoints//invocations',
    '/model/amazon.titan-text-express-v1/invoke',
    '/model/x/invoke-with-response-stream',
    '/model/%/invoke',
    '//x:99999/',
    '//[/',
    '//%/',
    `http://x:70000/_aurora-ml/backends`,
    `http://127.0.0.1:${port}/_aurora-ml/backends`,
    `http://127.0.0.1:${port}/?Action=DescribeDBClusters&Version=2014-10-31`,
    '*',
    '/?Action=DescribeDBClusters&Version=2014-10-31',
    '/?Action=%',
    '/?Action=ListRoles&Version=2010-05-08',
    `/?Action=Nope&Version=2014-10-31&${'x=1&'.repeat(500)}`,
    `/%${hex()}%${hex()}`,
    `/${'p'.repeat(rng.int(1000, 12_000))}`,
  ]);
}

const JSON_BODIES = [
  '{}',
  '[]',
  'null',
  '{"Text":"I love it","LanguageCode":"en"}',
  '{"Text":5,"LanguageCode":["en"]}',
  '{"TextList":["a","b",null],"LanguageCode":"en"}',
  `{"TextList":${JSON.stringify(Array.from({ length: 100 }, (_, i) => `t${i}`))},"LanguageCode":"en"}`,
  '{"Text":"","LanguageCode":"zz"}',
  '{"inputText":"hi","textGenerationConfig":{"maxTokenCount":-1}}',
  '{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}',
  '{"kind":"nope"}',
  '{"kind":"container"}',
  '{"kind":"module"}',
  '{"comprehend":{"latency":{"kind":"fixed","ms":-1}}}',
  '{"comprehend":{"faults":{"rates":{"Bogus":2}}}}',
  '{"nope":{"latency":null}}',
  '{"comprehend":"x"}',
  '{bad json',
  '{"a":',
  '\u0000\u0001',
  `${'['.repeat(5000)}${']'.repeat(5000)}`,
  'Action=DescribeDBClusters&Version=2014-10-31',
  'Action=%&Version=%zz',
];

function body(rng: Rng): Buffer {
  const kind = rng.weighted<'none' | 'json' | 'binary' | 'huge'>([
    [3, 'none'],
    [6, 'json'],
    [2, 'binary'],
    [1, 'huge'],
  ]);
  if (kind === 'none') return Buffer.alloc(0);
  if (kind === 'json') return Buffer.from(rng.pick(JSON_BODIES));
  if (kind === 'binary') return randomBytes(rng, rng.int(1, 4096));
  return Buffer.alloc(rng.pick([70_000, 1_100_000, 2_500_000]), rng.pick(['{', 'a', '\u00ff']));
}

function headers(rng: Rng, port: number): string[] {
  const out: string[] = [];
  const host = rng.weighted<string | null>([
    [6, `127.0.0.1:${port}`],
    [1, 'localhost'],
    [1, `[::1]:${port}`],
    [1, 'rebind.attacker.example'],
    [1, ''],
    [1, 'localhost:99999'],
    [1, null],
  ]);
  if (host !== null) out.push(`Host: ${host}`);
  const origin = rng.weighted<string | null>([
    [6, null],
    [1, `http://127.0.0.1:${port}`],
    [1, 'https://evil.example'],
    [1, 'null'],
  ]);
  if (origin !== null) out.push(`Origin: ${origin}`);
  const type = rng.pick([
    null,
    'application/json',
    'application/x-amz-json-1.1',
    'application/x-www-form-urlencoded',
    'text/plain',
    'multipart/form-data; boundary=x',
    'application/json; charset=latin1',
    'garbage/',
  ]);
  if (type !== null) out.push(`Content-Type: ${type}`);
  const target = rng.pick([
    null,
    null,
    'Comprehend_20171127.DetectSentiment',
    'Comprehend_20171127.BatchDetectSentiment',
    'Comprehend_20171127.DetectDominantLanguage',
    'Comprehend_20171127.Nope',
    'x',
  ]);
  if (target !== null) out.push(`X-Amz-Target: ${target}`);
  const auth = rng.pick([
    null,
    null,
    'AWS4-HMAC-SHA256 Credential=AKIAFUZZ/20240101/us-east-1/comprehend/aws4_request, SignedHeaders=host, Signature=00',
    'AWS4-HMAC-SHA256 Credential=/////, SignedHeaders=, Signature=',
    'Basic Zm9vOmJhcg==',
  ]);
  if (auth !== null) out.push(`Authorization: ${auth}`);
  if (rng.chance(0.1)) out.push('Sec-Fetch-Site: cross-site');
  if (rng.chance(0.1)) out.push(`X-Amz-Date: ${rng.pick(['20000101T000000Z', 'garbage'])}`);
  return out;
}

function framedCase(rng: Rng, port: number): HttpCase {
  const method = rng.pick(METHODS);
  const target = targets(rng, port);
  const b = body(rng);
  const lines = [`${method} ${target} HTTP/1.1`, ...headers(rng, port), 'Connection: close'];
  let payload = b;
  if (b.length > 0 && rng.chance(0.2)) {
    lines.push('Transfer-Encoding: chunked');
    payload = Buffer.concat([Buffer.from(`${b.length.toString(16)}\r\n`), b, Buffer.from('\r\n0\r\n\r\n')]);
  } else if (b.length > 0 || rng.chance(0.5)) lines.push(`Content-Length: ${b.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return {
    label: `framed:${method} ${target.slice(0, 60)} body=${b.length}`,
    method,
    bytes: Buffer.concat([head, payload]),
    framed: true,
  };
}

function brokenCase(rng: Rng, port: number): HttpCase {
  const kind = rng.pick([
    'garbage',
    'unknown-method',
    'oversized-head',
    'no-colon',
    'two-lengths',
    'negative-length',
    'space-target',
    'version',
    'h2-preface',
    'ctl',
  ]);
  const host = `Host: 127.0.0.1:${port}`;
  const text = (() => {
    switch (kind) {
      case 'unknown-method':
        return `FUZZ /_aurora-ml/backends HTTP/1.1\r\n${host}\r\nContent-Length: 2\r\n\r\n{}`;
      case 'oversized-head':
        // Over node's 16 KB header limit: the emulator closes such requests without a 431.
        return `GET /${'p'.repeat(20_000)} HTTP/1.1\r\n${host}\r\n\r\n`;
      case 'no-colon':
        return `GET / HTTP/1.1\r\n${host}\r\nNoColonHere\r\n\r\n`;
      case 'two-lengths':
        return `POST /_aurora-ml/backends HTTP/1.1\r\n${host}\r\nContent-Length: 2\r\nContent-Length: 5\r\n\r\n{}`;
      case 'negative-length':
        return `POST / HTTP/1.1\r\n${host}\r\nContent-Length: -1\r\n\r\n`;
      case 'space-target':
        return `GET /a b/c HTTP/1.1\r\n${host}\r\n\r\n`;
      case 'version':
        return `GET / HTTP/9.9\r\n${host}\r\n\r\n`;
      case 'h2-preface':
        return 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\u0000\u0000\u0000\u0004\u0000\u0000\u0000\u0000\u0000';
      case 'ctl':
        return `GET /\u0001\u007f HTTP/1.1\r\n${host}\r\nX: \u0000\r\n\r\n`;
      default:
        return '';
    }
  })();
  const bytes = kind === 'garbage' ? randomBytes(rng, rng.int(1, 500)) : Buffer.from(text, 'latin1');
  return { label: `broken:${kind}`, method: 'GET', bytes, framed: false };
}

export function httpCase(rng: Rng, port: number): HttpCase {
  return rng.chance(0.85) ? framedCase(rng, port) : brokenCase(rng, port);
}
