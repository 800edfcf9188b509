/**
 * The extended-protocol messages a client sent since its last Sync or Flush,
 * and the statements and portals whose execution belongs to the statement
 * handler. A batch that touches none of them is relayed as it came.
 */
import { FrontendCode } from './codes.ts';
import { Frame } from './framer.ts';
import { type BindMessage, parseBind, parseBindNames, parseExecute, parseParse, parseTarget } from './messages.ts';
import { serialize } from './serializer.ts';
import type { ExtendedStep } from './statement-handler.ts';

/** What the handler said about a Parse: null relays it untouched. */
export type Prepared = { readonly sql: string; readonly handled: boolean } | null;

interface HandledStatement {
  readonly sql: string;
  readonly paramTypes: readonly number[];
}

export class ExtendedBatch {
  private frames: Frame[] = [];
  private needsHandler = false;
  private readonly statements = new Map<string, HandledStatement>();
  private readonly portals = new Map<string, { statement: HandledStatement; bind: BindMessage }>();

  get empty(): boolean {
    return this.frames.length === 0;
  }

  /** No statement or portal belongs to the handler: names need not even be read. */
  get ownsNothing(): boolean {
    return this.statements.size === 0 && this.portals.size === 0;
  }

  /** Adds a Parse; `prepare` decides from its SQL (and may rewrite it). */
  addParse(frame: Frame, prepare: (sql: string) => Prepared): void {
    const parse = parseParse(frame.payload);
    const prepared = prepare(parse.query);
    if (this.statements.size > 0) this.statements.delete(parse.statement);
    if (prepared === null) {
      this.frames.push(frame);
      return;
    }
    if (prepared.handled) {
      this.statements.set(parse.statement, { sql: prepared.sql, paramTypes: parse.paramTypes });
      this.needsHandler = true;
    }
    if (prepared.sql === parse.query) this.frames.push(frame);
    else this.frames.push(new Frame(frame.code, serialize.parse(parse.statement, prepared.sql, parse.paramTypes)));
  }

  addBind(frame: Frame): void {
    this.frames.push(frame);
    if (this.ownsNothing) return;
    // Parameters are decoded only for statements the handler will execute.
    const names = parseBindNames(frame.payload);
    const statement = this.statements.get(names.statement);
    if (statement === undefined) {
      this.portals.delete(names.portal);
      return;
    }
    this.portals.set(names.portal, { statement, bind: parseBind(frame.payload) });
    this.needsHandler = true;
  }

  /** Describe, Execute, Close, Sync, Flush. */
  add(frame: Frame): void {
    this.frames.push(frame);
    if (this.ownsNothing) return;
    if (frame.code === FrontendCode.Describe || frame.code === FrontendCode.Execute || frame.code === FrontendCode.Close) {
      const name = frame.code === FrontendCode.Execute ? parseExecute(frame.payload).portal : parseTarget(frame.payload).name;
      if (this.statements.has(name) || this.portals.has(name)) this.needsHandler = true;
    }
  }

  /** Empties the batch: the bytes to relay, or the steps for the handler. */
  take(): { readonly relay: Buffer } | { readonly steps: readonly ExtendedStep[]; readonly frames: readonly Frame[] } {
    const frames = this.frames;
    const needsHandler = this.needsHandler;
    this.frames = [];
    this.needsHandler = false;
    if (!needsHandler) return { relay: contiguous(frames) };
    return { steps: frames.map((frame) => this.toStep(frame)), frames };
  }

  /** After the handler ran a batch: Close messages in it end what they name. */
  forgetClosed(frames: readonly Frame[]): void {
    for (const frame of frames) {
      if (frame.code !== FrontendCode.Close) continue;
      const close = parseTarget(frame.payload);
      if (close.target === 'S') this.statements.delete(close.name);
      else this.portals.delete(close.name);
    }
  }

  private toStep(frame: Frame): ExtendedStep {
    if (frame.code === FrontendCode.Execute) {
      const execute = parseExecute(frame.payload);
      const portal = this.portals.get(execute.portal);
      if (portal !== undefined) {
        return {
          kind: 'execute-handled',
          raw: frame.raw,
          sql: portal.statement.sql,
          paramTypes: portal.statement.paramTypes,
          bind: portal.bind,
          maxRows: execute.maxRows,
        };
      }
    }
    return { kind: 'relay', raw: frame.raw, code: frame.code };
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
