/**
 * One port for HTTP/1.1 and cleartext HTTP/2 (prior knowledge, "h2c").
 * The Bedrock Runtime SDK client speaks HTTP/2 only (its default handler is
 * the HTTP/2 one, for the streaming operations), while the IAM, RDS,
 * Comprehend and SageMaker Runtime clients and the CLI speak HTTP/1.1. Node
 * cannot negotiate the two without TLS, so each connection's first bytes
 * decide: the HTTP/2 connection preface starts with "PRI ", which no
 * HTTP/1.1 request line does.
 */
import type { Server as Http1Server, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server, type Http2Session } from 'node:http2';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import type { Logger } from 'pino';

const PREFACE_START = Buffer.from('PRI ', 'latin1');

export interface DualProtocolServer {
  readonly listener: Server;
  /** Ends every open connection of either protocol, then stops listening. */
  close(): Promise<void>;
}

/**
 * Listens for both protocols and hands HTTP/1.1 connections to `http1` and
 * HTTP/2 requests (through Node's compatibility API, which has the same
 * request and response surface) to `onRequest`.
 */
export function dualProtocolServer(
  http1: Http1Server,
  onRequest: (req: IncomingMessage, res: ServerResponse) => void,
  log: Logger,
): DualProtocolServer {
  const http2 = createHttp2Server();
  http2.on('request', (req, res) => onRequest(req as unknown as IncomingMessage, res as unknown as ServerResponse));
  const sockets = new Set<Socket>();
  const sessions = new Set<Http2Session>();
  http2.on('session', (session) => {
    sessions.add(session);
    session.on('close', () => sessions.delete(session));
    session.on('error', (err) => log.debug({ err }, 'API: HTTP/2 session error'));
  });

  const listener = createNetServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    let head = Buffer.alloc(0);
    const sniff = (chunk: Buffer) => {
      head = Buffer.concat([head, chunk]);
      const n = Math.min(head.length, PREFACE_START.length);
      const maybeHttp2 = head.subarray(0, n).equals(PREFACE_START.subarray(0, n));
      if (maybeHttp2 && head.length < PREFACE_START.length) return; // too few bytes to tell yet
      socket.off('data', sniff);
      socket.pause();
      socket.unshift(head);
      (maybeHttp2 ? http2 : http1).emit('connection', socket);
      // The chosen server installed its own reader; let the bytes flow to it.
      process.nextTick(() => socket.resume());
    };
    socket.on('data', sniff);
    socket.on('error', (err) => log.debug({ err }, 'API: connection error'));
  });

  const close = async () => {
    for (const session of sessions) session.destroy();
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => listener.close(() => resolve()));
  };
  return { listener, close };
}
