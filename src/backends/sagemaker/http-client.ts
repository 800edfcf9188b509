/**
 * A minimal HTTP/1.1 client over node:http with a keep-alive agent: on
 * loopback it costs a fraction of what fetch (undici) does per request, and
 * inference containers are called once per batch, often back to back.
 */
import http from 'node:http';
import https from 'node:https';

export interface HttpExchange {
  readonly method: 'GET' | 'POST';
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** The response is abandoned as soon as it grows past this. */
  readonly maxResponseBytes: number;
  readonly signal: AbortSignal;
}

export interface HttpResult {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: Buffer;
}

/** No response arrived: the server is down, unreachable, or dropped the connection. */
export class ConnectError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** The request went out on a kept-alive socket the server may just have closed. */
    readonly reusedSocket: boolean,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** A response started but could not be read completely. */
export class ResponseError extends Error {
  constructor(
    message: string,
    readonly tooLarge: boolean,
  ) {
    super(message);
    this.name = 'ResponseError';
  }
}

export class HttpClient {
  private readonly agent: http.Agent;
  private readonly secure: boolean;

  constructor(url: URL) {
    this.secure = url.protocol === 'https:';
    // Idle sockets close after 4 s, before Node servers' default 5 s
    // keepAliveTimeout, so we rarely write to a socket the server is closing.
    const options: http.AgentOptions = { keepAlive: true, timeout: 4_000, scheduling: 'lifo' };
    this.agent = this.secure ? new https.Agent(options) : new http.Agent(options);
  }

  async send(exchange: HttpExchange): Promise<HttpResult> {
    try {
      return await this.once(exchange);
    } catch (err) {
      // Node's documented remedy for the keep-alive race: the server closed an
      // idle socket as we reused it, so the request never reached the model.
      if (err instanceof ConnectError && err.reusedSocket && err.code === 'ECONNRESET' && !exchange.signal.aborted) {
        return this.once(exchange);
      }
      throw err;
    }
  }

  close(): void {
    this.agent.destroy();
  }

  private once(exchange: HttpExchange): Promise<HttpResult> {
    const { method, url, headers, body, maxResponseBytes, signal } = exchange;
    const request = this.secure ? https.request : http.request;
    return new Promise<HttpResult>((resolve, reject) => {
      let responded = false;
      const req = request(url, { method, headers, agent: this.agent, signal }, (res) => {
        responded = true;
        const tooLarge = (): void => {
          res.destroy();
          reject(new ResponseError(`response body exceeds ${maxResponseBytes} bytes`, true));
        };
        if (Number(res.headers['content-length']) > maxResponseBytes) return tooLarge();
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxResponseBytes) return tooLarge();
          chunks.push(chunk);
        });
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'], body: Buffer.concat(chunks, size) }),
        );
        res.on('error', (err) => reject(new ResponseError(err.message, false)));
      });
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (responded) reject(new ResponseError(err.message, false));
        else reject(new ConnectError(err.code ?? 'ERR_CONNECTION', err.message, req.reusedSocket));
      });
      req.end(body);
    });
  }
}
