/**
 * A real HTTP server implementing the SageMaker inference container contract
 * (POST /invocations, GET /ping) on 127.0.0.1, port 0. Tests shape its
 * answers per request and read back what it received.
 *
 *   await using container = await InferenceContainer.start({ handler: (lines) => lines.map(f) });
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: Buffer;
}

/** Maps the request's lines (text split on line breaks, without a trailing empty line) to response lines. */
export type LinesHandler = (lines: string[], request: RecordedRequest) => string[] | Promise<string[]>;

export interface ContainerBehaviour {
  /** Default: echo every line. */
  readonly handler: LinesHandler;
  /** Answer /invocations with this status and `errorBody` instead of calling the handler. */
  readonly status?: number;
  readonly errorBody?: string;
  /** Wait this long before answering (stops early if the client goes away). */
  readonly delayMs?: number;
  /** Add (positive) or drop (negative) response lines, to simulate a wrong line count. */
  readonly lineCountDelta?: number;
  /** Response Content-Type (default text/csv). */
  readonly contentType?: string;
  /** /ping status (default 200). */
  readonly pingStatus?: number;
}

export class InferenceContainer implements AsyncDisposable {
  readonly requests: RecordedRequest[] = [];
  /** TCP connections accepted so far: shows whether clients keep connections alive. */
  connections = 0;
  behaviour: ContainerBehaviour;

  private constructor(
    private readonly server: http.Server,
    readonly url: string,
    behaviour: ContainerBehaviour,
  ) {
    this.behaviour = behaviour;
    server.on('connection', () => {
      this.connections++;
    });
  }

  static async start(behaviour: Partial<ContainerBehaviour> = {}): Promise<InferenceContainer> {
    let container: InferenceContainer | undefined;
    const server = http.createServer((req, res) => {
      void container?.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    container = new InferenceContainer(server, `http://127.0.0.1:${port}`, { handler: (lines) => lines, ...behaviour });
    return container;
  }

  /** Replaces part of the behaviour for the following requests. */
  set(changes: Partial<ContainerBehaviour>): void {
    this.behaviour = { ...this.behaviour, ...changes };
  }

  /** The requests sent to /invocations. */
  get invocations(): RecordedRequest[] {
    return this.requests.filter((r) => r.path === '/invocations');
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const recorded: RecordedRequest = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    this.requests.push(recorded);
    const b = this.behaviour;
    if (recorded.method === 'GET' && recorded.path === '/ping') {
      res.writeHead(b.pingStatus ?? 200).end();
      return;
    }
    if (recorded.method !== 'POST' || recorded.path !== '/invocations') {
      res.writeHead(404).end('not found');
      return;
    }
    if (b.delayMs !== undefined && !(await this.wait(b.delayMs, res))) return;
    if (b.status !== undefined && b.status >= 400) {
      res.writeHead(b.status, { 'content-type': 'text/plain' }).end(b.errorBody ?? '');
      return;
    }
    const text = recorded.body.toString('utf8');
    const lines = (text.endsWith('\n') ? text.slice(0, -1) : text).split(/\r?\n/);
    let out = await b.handler(lines, recorded);
    const delta = b.lineCountDelta ?? 0;
    if (delta > 0) out = [...out, ...Array.from({ length: delta }, () => 'extra')];
    if (delta < 0) out = out.slice(0, delta);
    res.writeHead(200, { 'content-type': b.contentType ?? 'text/csv' }).end(out.join('\n'));
  }

  /** Resolves true after `ms`, or false as soon as the client disconnects. */
  private wait(ms: number, res: http.ServerResponse): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(true), ms);
      res.once('close', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
  }
}
