/**
 * The extended-protocol messages a client sent since its last Sync or Flush,
 * and the statements and portals whose execution belongs to the statement
 * handler. A batch that touches none of them is relayed as it came.
 */
import { type ClientEncoding, unsupportedEncoding } from './client-encoding.ts';
import { FrontendCode } from './codes.ts';
import { Frame } from './framer.ts';
import { type BindMessage, parseBind, parseBindNames, parseExecute, parseParse, parseTarget } from './messages.ts';
import { serialize } from './serializer.ts';
import type { ExtendedStep } from './statement-handler.ts';
import { markClientBytes } from './transcode.ts';

/** What the handler said about a Parse: null relays it untouched. */
export type Prepared = {
  readonly sql: string;
  readonly handled: boolean;
  /** Why the handler refuses the statement: its Executes get this error. */
  readonly refusal?: unknown;
} | null;

interface HandledStatement {
  readonly sql: string;
  readonly paramTypes: readonly number[];
  readonly refusal?: unknown;
}

interface HandledPortal {
  readonly statement: HandledStatement;
  readonly bind: BindMessage;
  /** Tells this binding apart from an earlier one of the same portal name. */
  readonly bindId: number;
}

export class ExtendedBatch {
  private frames: Frame[] = [];
  /**
   * What each frame means, resolved when the frame arrives: an Execute runs
   * the portal as bound at that point of the pipeline, whatever later Binds
   * of the same portal name do.
   */
  private steps: ExtendedStep[] = [];
  private needsHandler = false;
  private readonly statements = new Map<string, HandledStatement>();
  private readonly portals = new Map<string, HandledPortal>();
  private nextBindId = 1;

  get empty(): boolean {
    return this.frames.length === 0;
  }

  /** No statement or portal belongs to the handler: names need not even be read. */
  get ownsNothing(): boolean {
    return this.statements.size === 0 && this.portals.size === 0;
  }

  /** @param encoding the session's client_encoding, as of the message being read */
  constructor(private readonly encoding: () => ClientEncoding) {}

  /** Adds a Parse; `prepare` decides from its SQL (and may rewrite it). */
  addParse(frame: Frame, prepare: (sql: string) => Prepared): void {
    const encoding = this.encoding();
    const parse = parseParse(frame.payload, encoding.decodeLenient);
    const query = encoding.decode(parse.queryBytes);
    // Bytes the encoding does not allow (invalid UTF-8, say) go to the server
    // untouched: it rejects them with its own error.
    const prepared =
      query !== null ? prepare(query) : encoding.supported ? null : relayOrRefuse(prepare(parse.query), parse.query, encoding);
    if (this.statements.size > 0) this.statements.delete(parse.statement);
    if (prepared?.handled) {
      this.statements.set(parse.statement, {
        sql: prepared.sql,
        paramTypes: parse.paramTypes,
        ...(prepared.refusal === undefined ? {} : { refusal: prepared.refusal }),
      });
      this.needsHandler = true;
    }
    const sent = prepared === null || prepared.sql === query ? frame : withQuery(frame, parse.queryBytes, prepared.sql, encoding);
    this.push(sent, { kind: 'relay', raw: sent.raw, code: sent.code });
  }

  addBind(frame: Frame): void {
    this.push(frame, { kind: 'relay', raw: frame.raw, code: frame.code });
    if (this.ownsNothing) return;
    // Parameters are decoded only for statements the handler will execute.
    const names = parseBindNames(frame.payload, this.encoding().decodeLenient);
    const statement = this.statements.get(names.statement);
    if (statement === undefined) {
      this.portals.delete(names.portal);
      return;
    }
    this.portals.set(names.portal, {
      statement,
      bind: parseBind(frame.payload, this.encoding().decodeLenient),
      bindId: this.nextBindId++,
    });
    this.needsHandler = true;
  }

  /** Describe, Execute, Close, Sync, Flush. */
  add(frame: Frame): void {
    if (frame.code === FrontendCode.Execute && !this.ownsNothing) {
      const execute = parseExecute(frame.payload, this.encoding().decodeLenient);
      const portal = this.portals.get(execute.portal);
      if (portal !== undefined) {
        this.needsHandler = true;
        this.push(frame, {
          kind: 'execute-handled',
          raw: frame.raw,
          portal: execute.portal,
          bindId: portal.bindId,
          sql: portal.statement.sql,
          paramTypes: portal.statement.paramTypes,
          ...(portal.statement.refusal === undefined ? {} : { refusal: portal.statement.refusal }),
          bind: portal.bind,
          maxRows: execute.maxRows,
        });
        return;
      }
    }
    this.push(frame, { kind: 'relay', raw: frame.raw, code: frame.code });
    if (frame.code === FrontendCode.Close && !this.ownsNothing) {
      // Executes before it in the pipeline have their binding already.
      const close = parseTarget(frame.payload, this.encoding().decodeLenient);
      if (close.target === 'S') this.statements.delete(close.name);
      else this.portals.delete(close.name);
    } else if (frame.code === FrontendCode.Describe && !this.ownsNothing) {
      const name = parseTarget(frame.payload, this.encoding().decodeLenient).name;
      if (this.statements.has(name) || this.portals.has(name)) this.needsHandler = true;
    }
  }

  private push(frame: Frame, step: ExtendedStep): void {
    // The handler forwards these among messages of its own: they must stay as they are.
    markClientBytes(step.raw);
    this.frames.push(frame);
    this.steps.push(step);
  }

  /**
   * Empties the batch: the bytes to relay, or the steps for the handler
   * (always when `toHandler`: the handler holds the session until a Sync).
   */
  take(toHandler = false): { readonly relay: Buffer; readonly finals: number } | { readonly steps: readonly ExtendedStep[] } {
    const frames = this.frames;
    const steps = this.steps;
    const needsHandler = this.needsHandler || toHandler;
    this.frames = [];
    this.steps = [];
    this.needsHandler = false;
    if (!needsHandler) return { relay: contiguous(frames), finals: frames.filter(owesFinal).length };
    return { steps };
  }
}

/**
 * A statement in an encoding the emulator cannot rewrite or run: relayed
 * untouched when the handler would leave it as it is, refused otherwise.
 */
function relayOrRefuse(prepared: Prepared, sql: string, encoding: ClientEncoding): Prepared {
  if (prepared === null || (!prepared.handled && prepared.sql === sql)) return null;
  return { sql, handled: true, refusal: unsupportedEncoding(encoding) };
}

/** The Parse with its query replaced by `sql` (in the client's encoding), everything else as sent. */
function withQuery(frame: Frame, queryBytes: Buffer, sql: string, encoding: ClientEncoding): Frame {
  const bytes = encoding.encode(sql);
  if (bytes === null) return frame;
  const payload = frame.payload;
  const queryStart = payload.indexOf(0) + 1;
  const body = Buffer.concat([payload.subarray(0, queryStart), bytes, payload.subarray(queryStart + queryBytes.length)]);
  return new Frame(frame.code, serialize.message(frame.code, body));
}

/** Messages the server answers with exactly one final response (see response-groups.ts). */
function owesFinal(frame: Frame): boolean {
  switch (frame.code) {
    case FrontendCode.Parse:
    case FrontendCode.Bind:
    case FrontendCode.Describe:
    case FrontendCode.Execute:
    case FrontendCode.Close:
      return true;
    default:
      return false;
  }
}

/** The bytes of consecutive frames: one view when they sit side by side in one chunk. */
function contiguous(frames: readonly Frame[]): Buffer {
  const first = frames[0] as Frame;
  if (frames.length === 1) return first.raw;
  let end = first.raw.byteOffset + first.raw.length;
  for (let i = 1; i < frames.length; i++) {
    const raw = (frames[i] as Frame).raw;
    if (raw.buffer !== first.raw.buffer || raw.byteOffset !== end) return Buffer.concat(frames.map((f) => f.raw));
    end += raw.length;
  }
  return Buffer.from(first.raw.buffer, first.raw.byteOffset, end - first.raw.byteOffset);
}
