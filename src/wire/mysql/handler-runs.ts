/**
 * Each time the MySQL statement handler takes a command, and what the
 * session does when it fails. The handler gets the upstream once every
 * answer relayed before its command has reached the client; an error it
 * throws before answering becomes the client's ERR, and half an answer
 * (or an answer left incomplete) ends the connection.
 */
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { AnswerKind } from './answer-shape.ts';
import type { AnswerTracker } from './answer-tracker.ts';
import { type ClientCodec, clientCodec, isAscii } from './client-charset.ts';
import { textRows } from './messages.ts';
import { serialize } from './serializer.ts';
import type { ControlledUpstream, SessionInfo } from './statement-handler.ts';
import type { UpstreamLink } from './upstream.ts';

export type HandledTask = (upstream: ControlledUpstream, statement: string) => Promise<void>;

/** The session as its handler runs see it. */
export interface HandlerRunsHost {
  readonly link: UpstreamLink;
  readonly answers: AnswerTracker;
  log(): Logger;
  sessionInfo(): SessionInfo;
  closed(): boolean;
  close(): void;
  toClient(bytes: Buffer): void;
  /** The handler is done with the command whose answer was `answer`: the session reads the client again. */
  ran(answer: AnswerKind): void;
}

export class HandlerRuns {
  /** The handler has a command: no other client packet is handled until it is done. */
  busy = false;
  private abort: AbortController | null = null;

  constructor(private readonly host: HandlerRunsHost) {}

  /** Stops what the handler is doing (the client is gone). */
  cancel(): void {
    this.abort?.abort();
  }

  /**
   * Hands a command to the handler, once every answer relayed before it has
   * reached the client; `statement` is the text of a COM_QUERY or
   * COM_STMT_PREPARE, decoded then in the connection's character_set_client.
   */
  run(answer: AnswerKind, task: HandledTask, statement?: Buffer): void {
    this.busy = true;
    const start = () => void this.handle(answer, task, statement);
    if (this.host.answers.idle) start();
    else void this.host.answers.whenIdle().then(start);
  }

  private async handle(answer: AnswerKind, task: HandledTask, statement?: Buffer): Promise<void> {
    const { host } = this;
    const { link, answers } = host;
    if (host.closed()) return;
    const abort = new AbortController();
    this.abort = abort;
    let answered = false;
    answers.expect(answer);
    link.takeControl();
    // Text the handler sends goes out in the client's charset, so the bytes it did not rewrite stay the client's.
    let codec = DEFAULT_CODEC;
    const upstream: ControlledUpstream = {
      session: host.sessionInfo(),
      signal: abort.signal,
      status: answers.status,
      query: (text) => link.command(serialize.comQuery(codec.encode(text)), 'result'),
      encode: (text) => codec.encode(text),
      command: (framed, kind) => link.command(framed, kind),
      toClient: (bytes) => {
        answered = true;
        host.toClient(bytes);
      },
      deprecateEof: link.options.deprecateEof,
      cacheMetadata: link.options.cacheMetadata,
      sessionTrack: link.sessionTrack,
      log: host.log(),
    };
    try {
      if (statement !== undefined && !isAscii(statement)) codec = await this.statementCodec();
      await task(upstream, statement === undefined ? '' : codec.decode(statement));
    } catch (err) {
      if (!(err instanceof EmulatorError)) host.log().error({ err }, 'statement handler failed');
      if (answered) {
        // Half an answer cannot be completed: the connection is unusable.
        host.close();
      } else if (!host.closed()) host.toClient(serialize.emulatorError(toEmulatorError(err), 1));
    } finally {
      this.abort = null;
      this.busy = false;
      if (!answers.idle && !host.closed()) {
        host.log().warn({ command: answer }, 'the statement handler left its answer incomplete; closing the connection');
        host.close();
      }
      // Answers still due to the handler would reach the client out of place.
      if (!link.closed && !link.idle) host.close();
      else if (!link.closed) link.release();
    }
    host.ran(answer);
  }

  /**
   * The codec of the connection's character_set_client, asked of the server
   * (SET NAMES, SET character_set_client, COM_CHANGE_USER, COM_RESET_CONNECTION,
   * a stored procedure... may have changed it); only statements with 8-bit
   * bytes need it. A charset whose bytes the emulator cannot keep exact
   * refuses the statement.
   */
  private async statementCodec(): Promise<ClientCodec> {
    const [row] = textRows(await this.host.link.query('SELECT @@character_set_client'), 1);
    const charset = row?.[0] ?? '';
    const codec = clientCodec(charset);
    if (codec !== null) return codec;
    throw new EmulatorError(
      'UnsafeMlStatement',
      `aurora-ml-emulator cannot rewrite a statement with non-ASCII text in character_set_client '${charset}' without changing its bytes`,
      { hint: 'Use utf8mb4 or latin1 for ML statements (SET NAMES utf8mb4)' },
    );
  }
}

/** For statements all 7-bit: every supported charset reads them alike, and the handler's own text goes as before. */
const DEFAULT_CODEC = clientCodec('utf8mb4') as ClientCodec;
