/**
 * The frontend messages a case sends, as values: encoded with the raw
 * client's builders, and printed in the protocol's own names for failure
 * reports. `ordered` says whether a statement's rows have a defined order
 * (an ORDER BY over a unique key); rows of the others compare as multisets.
 */
import { wire } from '../pg-raw.ts';

export type ParamType = 'int' | 'text';

export interface BindParam {
  readonly value: string | null;
  /** 1 sends the value in binary (int4 big-endian, or the text's UTF-8 bytes). */
  readonly format: 0 | 1;
  readonly type: ParamType;
}

export type FrontendMsg =
  | {
      readonly kind: 'query';
      readonly sql: string;
      readonly ordered: readonly boolean[];
      readonly shapeOnly?: readonly boolean[];
    }
  | {
      readonly kind: 'parse';
      readonly name: string;
      readonly sql: string;
      readonly types: readonly number[];
      readonly ordered: boolean;
      readonly shapeOnly?: boolean;
    }
  | {
      readonly kind: 'bind';
      readonly portal: string;
      readonly statement: string;
      readonly params: readonly BindParam[];
      readonly resultFormats: readonly number[];
    }
  | { readonly kind: 'describe'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'execute'; readonly portal: string; readonly maxRows: number }
  | { readonly kind: 'close'; readonly target: 'S' | 'P'; readonly name: string }
  | { readonly kind: 'flush' }
  | { readonly kind: 'sync' };

/** One write to the socket; the next round is sent once every answer to this one is in. */
export type Round = readonly FrontendMsg[];

export const OID = { int4: 23, text: 25, varchar: 1043 } as const;

function paramBytes(p: BindParam): Buffer | null {
  if (p.value === null) return null;
  if (p.format === 0 || p.type === 'text') return Buffer.from(p.value, 'utf8');
  const b = Buffer.alloc(4);
  b.writeInt32BE(Number(p.value));
  return b;
}

export function encode(m: FrontendMsg): Buffer {
  switch (m.kind) {
    case 'query':
      return wire.query(m.sql);
    case 'parse':
      return wire.parseTyped(m.name, m.sql, m.types);
    case 'bind':
      return wire.bindRaw(
        m.portal,
        m.statement,
        m.params.map((p) => p.format),
        m.params.map(paramBytes),
        m.resultFormats,
      );
    case 'describe':
      return m.target === 'S' ? wire.describeStatement(m.name) : wire.describePortal(m.name);
    case 'execute':
      return wire.execute(m.portal, m.maxRows);
    case 'close':
      return wire.close(m.target, m.name);
    case 'flush':
      return wire.flush();
    case 'sync':
      return wire.sync();
  }
}

const name = (n: string) => (n === '' ? '""' : n);

function showParam(p: BindParam): string {
  const v = p.value === null ? 'NULL' : JSON.stringify(p.value);
  return p.format === 1 ? `${v}:${p.type}/bin` : v;
}

/** One line per message, as a reader of the protocol docs would write it. */
export function show(m: FrontendMsg): string {
  switch (m.kind) {
    case 'query':
      return `Query ${JSON.stringify(m.sql)}`;
    case 'parse':
      return `Parse ${name(m.name)} ${JSON.stringify(m.sql)}${m.types.length > 0 ? ` types=[${m.types.join(',')}]` : ''}`;
    case 'bind':
      return `Bind portal=${name(m.portal)} stmt=${name(m.statement)} params=[${m.params.map(showParam).join(', ')}]${m.resultFormats.length > 0 ? ` resultFormats=[${m.resultFormats.join(',')}]` : ''}`;
    case 'describe':
      return `Describe ${m.target} ${name(m.name)}`;
    case 'execute':
      return `Execute ${name(m.portal)}${m.maxRows > 0 ? ` maxRows=${m.maxRows}` : ''}`;
    case 'close':
      return `Close ${m.target} ${name(m.name)}`;
    case 'flush':
      return 'Flush';
    case 'sync':
      return 'Sync';
  }
}

export const msg = {
  query: (sql: string, ordered: readonly boolean[] = [], shapeOnly?: readonly boolean[]): FrontendMsg =>
    shapeOnly === undefined ? { kind: 'query', sql, ordered } : { kind: 'query', sql, ordered, shapeOnly },
  parse: (name: string, sql: string, ordered: boolean, types: readonly number[] = [], shapeOnly = false): FrontendMsg =>
    shapeOnly ? { kind: 'parse', name, sql, types, ordered, shapeOnly } : { kind: 'parse', name, sql, types, ordered },
  bind: (
    portal: string,
    statement: string,
    params: readonly BindParam[] = [],
    resultFormats: readonly number[] = [],
  ): FrontendMsg => ({
    kind: 'bind',
    portal,
    statement,
    params,
    resultFormats,
  }),
  describe: (target: 'S' | 'P', name: string): FrontendMsg => ({ kind: 'describe', target, name }),
  execute: (portal: string, maxRows = 0): FrontendMsg => ({ kind: 'execute', portal, maxRows }),
  close: (target: 'S' | 'P', name: string): FrontendMsg => ({ kind: 'close', target, name }),
  flush: (): FrontendMsg => ({ kind: 'flush' }),
  sync: (): FrontendMsg => ({ kind: 'sync' }),
};
