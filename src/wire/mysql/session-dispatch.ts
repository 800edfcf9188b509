/**
 * The command phase of a MySQL front session: what each client command
 * becomes. A COM_QUERY, COM_STMT_PREPARE, COM_STMT_EXECUTE or
 * COM_STMT_BULK_EXECUTE the StatementHandler wants is handed to it (see
 * handler-runs.ts); every other command is relayed unchanged, with the answer
 * it is due noted so the session knows when the upstream is idle. Packets
 * with a sequence id other than 0 continue an exchange (LOCAL INFILE data,
 * the auth switch of COM_CHANGE_USER) and are relayed as they are. MariaDB's
 * statement id -1 is read as the statement prepared last.
 */
import { ProtocolViolation } from '../protocol-violation.ts';
import { type AnswerKind, answerKindOf } from './answer-shape.ts';
import type { AnswerTracker } from './answer-tracker.ts';
import { Command, LAST_PREPARED_STATEMENT } from './codes.ts';
import type { Packet } from './framer.ts';
import type { HandlerRuns } from './handler-runs.ts';
import { provisionalText, statementBytes } from './messages.ts';
import type { SessionInfo, StatementHandler } from './statement-handler.ts';

/** The session as its dispatch sees it. */
export interface DispatchHost {
  readonly handler: StatementHandler;
  readonly answers: AnswerTracker;
  readonly runs: HandlerRuns;
  /** Who the client is; COM_CHANGE_USER and COM_INIT_DB change it. */
  readonly info: { user: string; database: string };
  sessionInfo(): SessionInfo;
  /** Adds fields to the session's logger from now on. */
  logWith(fields: Record<string, unknown>): void;
  relay(raw: Buffer): void;
  /** The client's COM_QUIT is relayed: the session ends. */
  quit(): void;
}

export class MySqlDispatch {
  /**
   * The statement the handler prepared last, for MariaDB's statement id -1;
   * null when the last COM_STMT_PREPARE was relayed (or failed): -1 is then
   * the upstream's business.
   */
  lastPrepared: number | null = null;

  constructor(private readonly host: DispatchHost) {}

  onCommand(p: Packet): void {
    if (p.sequenceId !== 0) {
      // The rest of an exchange the upstream asked for (LOCAL INFILE data, an auth switch).
      this.host.relay(p.raw);
      return;
    }
    const command = p.payload[0];
    if (command === undefined) throw new ProtocolViolation('empty command packet');
    const { handler } = this.host;
    switch (command) {
      case Command.COM_QUERY: {
        const statement = statementBytes(p.payload);
        if (handler.wantsQuery(provisionalText(statement), this.host.sessionInfo())) {
          this.host.runs.run('result', (up, sql) => handler.runQuery(sql, up), statement);
          return;
        }
        this.relayCommand(p, 'result');
        return;
      }
      case Command.COM_STMT_PREPARE: {
        const statement = statementBytes(p.payload);
        if (handler.runPrepare && handler.wantsPrepare?.(provisionalText(statement), this.host.sessionInfo())) {
          const run = handler.runPrepare.bind(handler);
          this.host.runs.run('prepare', (up, sql) => run(sql, up), statement);
          return;
        }
        this.lastPrepared = null;
        this.relayCommand(p, 'prepare');
        return;
      }
      case Command.COM_STMT_EXECUTE:
      case Command.COM_STMT_BULK_EXECUTE: {
        const id = this.statementId(p.payload);
        if (id !== null && handler.runExecute && handler.wantsExecute?.(id, this.host.sessionInfo())) {
          const run = handler.runExecute.bind(handler);
          const payload = withStatementId(p.payload, id);
          this.host.runs.run('binary-result', (up) => run(payload, up));
          return;
        }
        this.relayCommand(p, 'binary-result');
        return;
      }
      case Command.COM_STMT_SEND_LONG_DATA: {
        const id = this.statementId(p.payload);
        if (id !== null && handler.keepsLongData?.(id, withStatementId(p.payload, id), this.host.sessionInfo())) return;
        this.relayCommand(p, 'none');
        return;
      }
      case Command.COM_STMT_CLOSE:
      case Command.COM_STMT_RESET: {
        const id = this.statementId(p.payload);
        if (id !== null && command === Command.COM_STMT_CLOSE) {
          handler.onStatementClosed?.(id, this.host.sessionInfo());
          if (id === this.lastPrepared) this.lastPrepared = null;
        } else if (id !== null) handler.onStatementReset?.(id, this.host.sessionInfo());
        this.relayCommand(p, answerKindOf(command));
        return;
      }
      case Command.COM_RESET_CONNECTION:
        handler.onSessionReset?.(this.host.sessionInfo());
        this.lastPrepared = null;
        this.relayCommand(p, 'single');
        return;
      case Command.COM_QUIT:
        this.host.relay(p.raw);
        this.host.quit();
        return;
      case Command.COM_CHANGE_USER: {
        // The server resets the session before it authenticates, whatever the outcome.
        handler.onSessionReset?.(this.host.sessionInfo());
        this.lastPrepared = null;
        const end = p.payload.indexOf(0, 1);
        const user = end > 0 ? p.payload.toString('utf8', 1, end) : '';
        // MariaDB keeps the old account when the change fails (1045): the session becomes the
        // new user only on the server's OK, never on the client's word.
        this.host.answers.expect('auth', (answer) => {
          if (answer.endedWith !== 'ok') return;
          this.host.info.user = user;
          this.host.logWith({ user });
        });
        this.host.relay(p.raw);
        return;
      }
      case Command.COM_INIT_DB:
        this.host.info.database = p.payload.toString('utf8', 1);
        this.relayCommand(p, 'single');
        return;
      default:
        // Ping, statistics, set option and anything newer: unchanged.
        this.relayCommand(p, answerKindOf(command));
    }
  }

  /** The statement a statement command names, with -1 resolved; null for a -1 the handler did not prepare. */
  private statementId(payload: Buffer): number | null {
    if (payload.length < 5) throw new ProtocolViolation('statement command without a statement id');
    const id = payload.readUInt32LE(1);
    return id === LAST_PREPARED_STATEMENT ? this.lastPrepared : id;
  }

  /** Relays a client command whose answer is relayed too. */
  private relayCommand(p: Packet, answer: AnswerKind): void {
    this.host.answers.expect(answer);
    this.host.relay(p.raw);
  }
}

/** A statement command with its statement id field set (a -1 resolved). */
function withStatementId(payload: Buffer, id: number): Buffer {
  if (payload.readUInt32LE(1) === id) return payload;
  const out = Buffer.from(payload);
  out.writeUInt32LE(id, 1);
  return out;
}
