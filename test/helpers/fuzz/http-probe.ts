/**
 * Sends one raw HTTP case to the API and judges the answer: valid HTTP gets a
 * status line, a status below 600, a body (except HEAD and 204/304) of the
 * declared length, and no 5xx (nothing documents one with no faults
 * injected); broken HTTP may be answered the same way or closed.
 */
import net from 'node:net';
import type { HttpCase } from './http-cases.ts';

export interface HttpAnswer {
  readonly status: number;
  readonly headers: string;
  readonly body: Buffer;
}

function exchange(port: number, bytes: Buffer, timeoutMs: number): Promise<{ raw: Buffer; timedOut: boolean }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ raw: Buffer.concat(chunks), timedOut: true });
    }, timeoutMs);
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ raw: Buffer.concat(chunks), timedOut: false });
    });
    socket.on('connect', () => socket.end(bytes));
  });
}

export function parseAnswer(raw: Buffer): HttpAnswer | null {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const head = raw.toString('latin1', 0, end);
  const m = /^HTTP\/1\.[01] (\d{3})[^\r\n]*/.exec(head);
  if (!m) return null;
  return { status: Number(m[1]), headers: head, body: raw.subarray(end + 4) };
}

/** Runs the case; returns the status (0 when a broken request was closed unanswered); throws on a finding. */
export async function runHttpCase(port: number, c: HttpCase): Promise<number> {
  const { raw, timedOut } = await exchange(port, c.bytes, 15_000);
  const answer = parseAnswer(raw);
  const fail = (why: string) => new Error(`${c.label}: ${why}`);
  if (answer === null) {
    if (c.framed) throw fail(timedOut ? 'no answer within 15 s' : `closed without an HTTP answer (${raw.length} bytes)`);
    // The port also speaks cleartext HTTP/2: its preface gets a SETTINGS frame back.
    if (raw.length > 0 && !c.label.endsWith('h2-preface'))
      throw fail(`answered with something that is not HTTP: ${JSON.stringify(raw.toString('latin1', 0, 80))}`);
    return 0;
  }
  if (answer.status < 100 || answer.status >= 600) throw fail(`status ${answer.status}`);
  const length = /\r\ncontent-length: *(\d+)/i.exec(answer.headers);
  if (length && c.method !== 'HEAD' && Number(length[1]) !== answer.body.length) {
    throw fail(`content-length ${length[1]} but ${answer.body.length} body bytes`);
  }
  const bodyOwed = c.method !== 'HEAD' && answer.status !== 204 && answer.status !== 304;
  if (bodyOwed && answer.body.length === 0) throw fail(`status ${answer.status} with an empty body`);
  if (answer.status >= 500) throw fail(`5xx: ${answer.status} ${answer.body.toString('utf8', 0, 300)}`);
  return answer.status;
}

/** The API still serves a valid request: the backend controls and a Comprehend DetectSentiment. */
export async function checkApiServes(url: string): Promise<void> {
  const controls = await fetch(`${url}/_aurora-ml/backends`);
  await controls.text();
  if (controls.status !== 200) throw new Error(`GET /_aurora-ml/backends answered ${controls.status}`);
  const res = await fetch(`${url}/`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'Comprehend_20171127.DetectSentiment' },
    body: JSON.stringify({ Text: 'I love it', LanguageCode: 'en' }),
  });
  const answer = (await res.json()) as { Sentiment?: string };
  if (res.status !== 200 || answer.Sentiment !== 'POSITIVE') {
    throw new Error(`DetectSentiment answered ${res.status} ${JSON.stringify(answer)}`);
  }
}
