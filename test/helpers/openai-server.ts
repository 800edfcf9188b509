/**
 * A real OpenAI-compatible HTTP server on 127.0.0.1, port 0, answering
 * deterministically: chat and text completions reply with the last user
 * message (or the prompt) reversed, embeddings are 8 values computed from the
 * input's characters. Tests read back what it received and can make it fail.
 *
 *   await using server = await OpenAiServer.start({ models: ['llama3.2'] });
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export const EMBEDDING_DIMENSIONS = 8;

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Record<string, unknown>;
}

export interface Failure {
  readonly status: number;
  readonly body: string;
}

/** Whitespace-separated words: the server's "tokens". */
export const words = (text: string): string[] => text.split(/\s+/).filter((w) => w !== '');

export const reversed = (text: string): string => [...text].reverse().join('');

/** The fake embedding: for dimension i, the sum of char codes at positions ≡ i (mod 8), scaled down. */
export function fakeEmbedding(text: string): number[] {
  const v = new Array<number>(EMBEDDING_DIMENSIONS).fill(0);
  [...text].forEach((ch, i) => {
    v[i % EMBEDDING_DIMENSIONS] = (v[i % EMBEDDING_DIMENSIONS] ?? 0) + (ch.codePointAt(0) ?? 0) / 100;
  });
  return v;
}

export class OpenAiServer implements AsyncDisposable {
  readonly received: ReceivedRequest[] = [];
  /** Answer every request with this instead (e.g. {status: 429, body: ...}). */
  failure: Failure | undefined;
  /** Wait this long before answering (stops early when the client goes away). */
  delayMs = 0;

  private constructor(
    private readonly server: http.Server,
    private readonly models: ReadonlySet<string>,
  ) {}

  static async start(options: { models: readonly string[] }): Promise<OpenAiServer> {
    let self: OpenAiServer | undefined;
    const server = http.createServer((req, res) => void self?.handle(req, res));
    self = new OpenAiServer(server, new Set(options.models));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return self;
  }

  get url(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
    this.received.push({ path: req.url ?? '', headers: req.headers, body });
    if (this.delayMs > 0) {
      const gone = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), this.delayMs);
        res.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (gone) return;
    }
    if (this.failure) return send(res, this.failure.status, this.failure.body);
    if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: { message: 'method not allowed' } }));
    const model = String(body.model);
    if (!this.models.has(model))
      return send(res, 404, JSON.stringify({ error: `model "${model}" not found, try pulling it first` }));
    switch (req.url) {
      case '/v1/chat/completions': {
        const messages = body.messages as { role: string; content: string }[];
        const last = messages.filter((m) => m.role === 'user').at(-1)?.content ?? '';
        const prompt = messages.map((m) => m.content).join(' ');
        const { text, finish } = generate(reversed(last), body.max_tokens);
        return send(
          res,
          200,
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            model,
            choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: finish }],
            usage: { prompt_tokens: words(prompt).length, completion_tokens: words(text).length },
          }),
        );
      }
      case '/v1/completions': {
        const prompt = String(body.prompt);
        const { text, finish } = generate(reversed(prompt), body.max_tokens);
        return send(
          res,
          200,
          JSON.stringify({
            id: 'cmpl-1',
            object: 'text_completion',
            model,
            choices: [{ index: 0, text, finish_reason: finish }],
            usage: { prompt_tokens: words(prompt).length, completion_tokens: words(text).length },
          }),
        );
      }
      case '/v1/embeddings': {
        const inputs = Array.isArray(body.input) ? (body.input as string[]) : [String(body.input)];
        // Answer in reverse order with indexes, as servers may: clients must sort by index.
        const data = inputs.map((text, index) => ({ object: 'embedding', index, embedding: fakeEmbedding(text) })).reverse();
        return send(
          res,
          200,
          JSON.stringify({
            object: 'list',
            data,
            model,
            usage: { prompt_tokens: words(inputs.join(' ')).length, total_tokens: words(inputs.join(' ')).length },
          }),
        );
      }
      default:
        return send(res, 404, JSON.stringify({ error: { message: `no route ${req.url}` } }));
    }
  }
}

/** Cuts the reply to max_tokens words, reporting 'length' as OpenAI does. */
function generate(reply: string, maxTokens: unknown): { text: string; finish: string } {
  const all = words(reply);
  if (typeof maxTokens === 'number' && all.length > maxTokens)
    return { text: all.slice(0, maxTokens).join(' '), finish: 'length' };
  return { text: reply, finish: 'stop' };
}

function send(res: http.ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
