/**
 * Pairs each frontend message of a round with the backend messages that
 * answer it, following PostgreSQL's rules (after an ErrorResponse in the
 * extended protocol everything up to Sync is skipped and gets no answer),
 * and prints each answer in a normalized form that two servers can be
 * compared on: rows of unordered results sorted, table OIDs left out,
 * values as text (or hex when they are not printable text).
 */
import { type BackendMessage, dataRow, errorFields } from '../pg-raw.ts';
import { type FrontendMsg, show } from './protocol.ts';

export interface Answer {
  /** The frontend message, as show() prints it. */
  readonly sent: string;
  /** The normalized backend messages that answered it. */
  readonly got: readonly string[];
}

export interface WalkResult {
  readonly answers: Answer[];
  /** Every message that must be answered has its last answer. */
  readonly complete: boolean;
  /** Still skipping to the next Sync at the round's end (a Flush-ended round with an error). */
  readonly skipping: boolean;
}

/** How to compare the rows each message returns: per statement for Query, per portal for Execute. */
export interface RowRules {
  /** Rows in a defined order (else compared as a multiset). */
  readonly ordered: boolean;
  /** Only whether rows came, not which (EXPLAIN output names the emulator's functions). */
  readonly shapeOnly: boolean;
}

const FINAL: Record<FrontendMsg['kind'], string> = {
  parse: '1',
  bind: '2',
  close: '3',
  describe: 'Tn',
  execute: 'CIs',
  sync: 'Z',
  query: 'Z',
  flush: '',
};

/** Asynchronous messages that say nothing about the statement: ParameterStatus, NotificationResponse. */
const IGNORED = new Set(['S', 'A']);

/**
 * Walks the backend messages of one round against its frontend messages.
 * `rules(i, resultIndex)` says how to compare the rows of message i (for a
 * Query, of its resultIndex-th statement).
 */
export function walk(
  round: readonly FrontendMsg[],
  backend: readonly BackendMessage[],
  skippingAtStart: boolean,
  rules: (messageIndex: number, resultIndex: number) => RowRules,
): WalkResult {
  const answers: Answer[] = [];
  let at = 0;
  let skipping = skippingAtStart;
  let complete = true;
  for (const [i, m] of round.entries()) {
    if (m.kind === 'flush' || (skipping && m.kind !== 'sync')) {
      answers.push({ sent: show(m), got: m.kind === 'flush' ? [] : ['(skipped: error earlier in the pipeline)'] });
      continue;
    }
    const group: BackendMessage[] = [];
    let done = false;
    while (at < backend.length) {
      const b = backend[at++] as BackendMessage;
      if (IGNORED.has(b.code)) continue;
      group.push(b);
      if (FINAL[m.kind].includes(b.code)) {
        done = true;
        break;
      }
      // A Sync's own error (the implicit transaction's COMMIT failed, e.g. a WITH HOLD
      // cursor's query failing as it is kept) still ends with its ReadyForQuery.
      if (b.code === 'E' && m.kind !== 'query' && m.kind !== 'sync') {
        skipping = true;
        done = true;
        break;
      }
    }
    if (m.kind === 'sync' && done) skipping = false;
    if (!done) complete = false;
    // A row limit lets PostgreSQL stop early; the emulator evaluates every row's ML calls
    // first, so the NOTICEs raised by rows not yet fetched are no fair comparison.
    const notices = !(m.kind === 'execute' && m.maxRows > 0);
    const got = normalize(group, (r) => rules(i, r), notices);
    answers.push({ sent: show(m), got: [...got, ...(done ? [] : ['(no complete answer)'])] });
  }
  const rest = backend.slice(at).filter((b) => !IGNORED.has(b.code));
  if (rest.length > 0) answers.push({ sent: '(nothing: unexpected messages)', got: normalize(rest, () => UNORDERED, true) });
  return { answers, complete, skipping };
}

const UNORDERED: RowRules = { ordered: false, shapeOnly: false };

/**
 * PG_DIFF_STRICT=1 compares two things drivers do not show: where each
 * column comes from (RowDescription's column number; JDBC metadata reads
 * it), and the rows a statement sent before it failed (PostgreSQL streams
 * them; clients drop them when the error comes, and the emulator, which
 * sends rows of ML statements once they finished, never sends them).
 */
const STRICT = process.env.PG_DIFF_STRICT === '1';

/** A value as text when it is printable UTF-8, else as hex (binary formats). */
function cell(v: Buffer | null): string | null {
  if (v === null) return null;
  const s = v.toString('utf8');
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what marks binary data
  return Buffer.from(s, 'utf8').equals(v) && !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(s) ? s : `\\x${v.toString('hex')}`;
}

function rowCells(payload: Buffer): (string | null)[] {
  const hex = dataRow(payload, 'hex');
  return hex.map((h) => cell(h === null ? null : Buffer.from(h, 'hex')));
}

function rowDescription(payload: Buffer): string {
  const n = payload.readInt16BE(0);
  const cols: string[] = [];
  let o = 2;
  for (let c = 0; c < n; c++) {
    const end = payload.indexOf(0, o);
    const name = payload.toString('utf8', o, end);
    o = end + 1;
    const column = payload.readInt16BE(o + 4);
    const type = payload.readInt32BE(o + 6);
    const mod = payload.readInt32BE(o + 12);
    const format = payload.readInt16BE(o + 16);
    o += 18;
    // The table OID differs between the two databases by nature; where a column comes
    // from (a table column's number, or 0 for an expression) is compared only on request.
    const origin = STRICT && column !== 0 ? `@${column}` : '';
    cols.push(`${name}:${type}${mod === -1 ? '' : `(${mod})`}${origin}${format === 1 ? '/bin' : ''}`);
  }
  return `RowDescription [${cols.join(', ')}]`;
}

function fields(code: string, payload: Buffer): string {
  const f = errorFields(payload);
  return `${code === 'E' ? 'Error' : 'Notice'} ${f.get('V') ?? f.get('S') ?? ''} ${f.get('C') ?? ''}: ${f.get('M') ?? ''}`;
}

/**
 * Normalized lines for a group of backend messages; runs of DataRow become
 * one line. NOTICEs are listed after the rest, in their order: how they
 * interleave with rows says when the server evaluated what, not what the
 * client gets.
 */
function normalize(group: readonly BackendMessage[], rules: (resultIndex: number) => RowRules, withNotices: boolean): string[] {
  const out: string[] = [];
  const notices: string[] = [];
  let rows: (string | null)[][] = [];
  let result = 0;
  const flushRows = () => {
    if (rows.length === 0) return;
    const r = rules(result);
    if (r.shapeOnly) out.push('DataRow × some');
    else {
      const lines = rows.map((row) => JSON.stringify(row));
      if (!r.ordered) lines.sort();
      out.push(`DataRow × ${rows.length}${r.ordered ? '' : ' (any order)'}: ${lines.join(' ')}`);
    }
    rows = [];
  };
  let resultStart = 0;
  for (const b of group) {
    if (b.code === 'D') {
      rows.push(rowCells(b.payload));
      continue;
    }
    if (b.code === 'N') {
      if (withNotices) notices.push(line(b));
      continue;
    }
    if (b.code === 'E' && !STRICT) {
      // What a client gets from a failed statement is the error alone.
      rows = [];
      const before = out.splice(resultStart);
      out.push(...before.filter((l) => !l.startsWith('RowDescription') && !l.startsWith('DataRow')));
    }
    flushRows();
    out.push(line(b));
    if (b.code === 'C' || b.code === 'I' || b.code === 'E') {
      result++;
      resultStart = out.length;
    }
  }
  flushRows();
  return [...out, ...notices];
}

function line(b: BackendMessage): string {
  switch (b.code) {
    case '1':
      return 'ParseComplete';
    case '2':
      return 'BindComplete';
    case '3':
      return 'CloseComplete';
    case 'n':
      return 'NoData';
    case 'I':
      return 'EmptyQueryResponse';
    case 's':
      return 'PortalSuspended';
    case 't': {
      const n = b.payload.readInt16BE(0);
      const types = Array.from({ length: n }, (_v, i) => b.payload.readInt32BE(2 + 4 * i));
      return `ParameterDescription [${types.join(', ')}]`;
    }
    case 'T':
      return rowDescription(b.payload);
    case 'C':
      return `CommandComplete ${JSON.stringify(b.payload.toString('utf8', 0, b.payload.length - 1))}`;
    case 'E':
    case 'N':
      return fields(b.code, b.payload);
    case 'Z':
      return `ReadyForQuery ${String.fromCharCode(b.payload[0] ?? 0)}`;
    default:
      return `Message ${b.code} (${b.payload.length} bytes)`;
  }
}
