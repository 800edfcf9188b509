/**
 * Issue 11, finding 2: one unauthenticated request with a target that
 * `new URL()` rejects (`GET //x:99999/`) took the whole process down. It now
 * gets 400, and the API, the ML fronts and everything else keep serving.
 */
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

let env: TestEmulator;

beforeAll(async () => {
  env = await startTestEmulator();
});

afterAll(async () => {
  await env?.[Symbol.asyncDispose]();
});

/** Sends one raw HTTP/1.1 request and returns the status line of the answer. */
function rawRequest(port: number, target: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('latin1');
    });
    socket.on('end', () => resolve(answer.split('\r\n')[0] ?? ''));
    socket.on('error', reject);
    socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
  });
}

describe('request targets new URL() rejects', () => {
  for (const target of ['//x:99999/', '//[/', '//%/', 'http://x:70000/_aurora-ml/backends']) {
    it(`${target} gets 400 and the emulator keeps serving`, async () => {
      const port = env.emulator.api.port;
      expect(await rawRequest(port, target)).toBe('HTTP/1.1 400 Bad Request');
      const controls = await fetch(`${env.emulator.api.url}/_aurora-ml/backends`);
      expect(controls.status).toBe(200);
      const client = await env.client();
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  }
});
