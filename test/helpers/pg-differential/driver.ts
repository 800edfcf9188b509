/**
 * The same kind of workload through node-postgres instead of raw messages:
 * simple queries, parameterized queries (unnamed, and named statements that
 * pg prepares once and then only binds), and pg-cursor reading a few rows at
 * a time. What is compared is what an application sees: fields with their
 * type OIDs, rows as pg parses them, the command and row count, or the
 * error's SQLSTATE and message, and the notices.
 */
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { CaseBuilder } from './case.ts';
import { CHECK_RESULTS, RESET_RESULTS } from './dataset.ts';
import { caseSeed, Rng } from './prng.ts';
import type { Stmt } from './statements.ts';

type Values = readonly (string | null)[];

export type DriverOp =
  | { readonly kind: 'query'; readonly sql: string; readonly ordered: boolean }
  | { readonly kind: 'params'; readonly sql: string; readonly values: Values; readonly ordered: boolean; readonly name?: string }
  | { readonly kind: 'cursor'; readonly sql: string; readonly values: Values; readonly chunk: number; readonly reads: number };

export interface DriverCase {
  readonly family: 'driver';
  readonly index: number;
  readonly seed: number;
  readonly title: string;
  readonly ops: readonly DriverOp[];
}

export interface DriverDiff {
  readonly op: string;
  readonly direct: readonly string[];
  readonly emulator: readonly string[];
}

const valuesOf = (s: Stmt): Values => s.params.map((p) => p.value);

export function generateDriverCase(runSeed: number, index: number): DriverCase {
  const seed = caseSeed(runSeed, 'driver', index);
  const b = new CaseBuilder(new Rng(seed));
  const ops: DriverOp[] = [];
  const transaction = b.rng.chance(0.25);
  if (transaction) {
    b.title('in a transaction');
    ops.push({ kind: 'query', sql: 'BEGIN', ordered: true });
  }
  const count = b.rng.int(1, 4);
  for (let i = 0; i < count; i++) {
    const kind = b.rng.weighted([
      [3, 'query'],
      [4, 'params'],
      [2, 'cursor'],
    ] as const);
    if (kind === 'query') {
      const s = b.stmt({ statementsOnly: true }, { mode: 'simple' });
      b.title(`query ${s.template}`);
      ops.push({ kind, sql: s.sql, ordered: s.ordered });
    } else if (kind === 'params') {
      const draft = b.draft({ statementsOnly: true }, { mode: 'extended' });
      const named = b.rng.chance(0.4);
      b.title(`${named ? 'named' : 'unnamed'} ${draft.template.name}`);
      // A named statement runs twice: pg parses it once, then only binds.
      for (let k = named ? 2 : 1; k > 0; k--) {
        const s = draft.build(b.valueSeed());
        const op = { kind, sql: s.sql, values: valuesOf(s), ordered: s.ordered };
        ops.push(named ? { ...op, name: `d${index}_${i}` } : op);
      }
    } else {
      const s = b.stmt({ walkable: true, failing: false }, { mode: 'extended' });
      const chunk = b.rng.int(1, 4);
      b.title(`pg-cursor by ${chunk}: ${s.template}`);
      ops.push({ kind, sql: s.sql, values: valuesOf(s), chunk, reads: b.rng.int(1, 4) });
    }
  }
  if (transaction) ops.push({ kind: 'query', sql: b.rng.pick(['COMMIT', 'ROLLBACK']), ordered: true });
  if (b.mayWrite) {
    ops.unshift({ kind: 'query', sql: RESET_RESULTS, ordered: true });
    ops.push({ kind: 'query', sql: CHECK_RESULTS, ordered: true });
  }
  ops.push({ kind: 'query', sql: 'ROLLBACK', ordered: true }, { kind: 'query', sql: 'CLOSE ALL', ordered: true });
  return { family: 'driver', index, seed, title: b.titleText, ops };
}

function showOp(op: DriverOp): string {
  const values = op.kind === 'query' ? '' : ` values=${JSON.stringify(op.values)}`;
  const extra =
    op.kind === 'cursor'
      ? ` (pg-cursor, ${op.reads} reads of ${op.chunk})`
      : op.kind === 'params' && op.name
        ? ` (named ${op.name})`
        : '';
  return `${op.kind === 'query' ? 'query' : 'query with parameters'} ${JSON.stringify(op.sql)}${values}${extra}`;
}

function rowsLine(rows: readonly unknown[], ordered: boolean): string {
  const lines = rows.map((r) => JSON.stringify(r));
  if (!ordered) lines.sort();
  return `rows × ${rows.length}${ordered ? '' : ' (any order)'}: ${lines.join(' ')}`;
}

function resultLines(r: pg.QueryResult<unknown[]>, ordered: boolean): string[] {
  return [
    `fields [${(r.fields ?? []).map((f) => `${f.name}:${f.dataTypeID}`).join(', ')}]`,
    rowsLine(r.rows, ordered),
    `${r.command} ${r.rowCount ?? ''}`.trim(),
  ];
}

function errorLine(err: unknown): string {
  const e = err as { code?: string; message?: string };
  return `Error ${e.code ?? '(no SQLSTATE)'}: ${e.message ?? String(err)}`;
}

async function runOp(client: pg.Client, op: DriverOp): Promise<string[]> {
  try {
    if (op.kind === 'query') return resultLines(await client.query<unknown[]>({ text: op.sql, rowMode: 'array' }), op.ordered);
    if (op.kind === 'params') {
      const config = { text: op.sql, values: [...op.values], rowMode: 'array' as const, ...(op.name ? { name: op.name } : {}) };
      return resultLines(await client.query<unknown[]>(config), op.ordered);
    }
    const cursor = client.query(new Cursor<unknown[]>(op.sql, [...op.values], { rowMode: 'array' }));
    const out: string[] = [];
    try {
      for (let i = 0; i < op.reads; i++) out.push(`read ${op.chunk}: ${rowsLine(await cursor.read(op.chunk), true)}`);
    } finally {
      await cursor.close();
    }
    return out;
  } catch (err) {
    return [errorLine(err)];
  }
}

/** The lines, or a note that no answer came in time (the client is then unusable). */
function within(p: Promise<string[]>, ms: number): Promise<string[] | null> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), ms);
    void p.then((lines) => {
      clearTimeout(timer);
      resolve(lines);
    });
  });
}

export interface DriverOutcome {
  readonly diffs: readonly DriverDiff[];
  /** A client got no answer in time: both must be replaced. */
  readonly stalled: boolean;
  /** Rows on the direct side held model answers. */
  readonly ml: boolean;
}

const ML_VALUE = /rows.*(POSITIVE|NEGATIVE|MIXED|NEUTRAL|\d+:[0-9a-f]{12})/;

/** Runs the case's operations on both clients, one at a time on each, both at once. */
export async function runDriverCase(
  c: DriverCase,
  direct: pg.Client,
  emulator: pg.Client,
  timeoutMs: number,
): Promise<DriverOutcome> {
  const notices = new Map<pg.Client, string[]>([
    [direct, []],
    [emulator, []],
  ]);
  const onNotice = (client: pg.Client) => (n: { code?: string | undefined; message?: string | undefined }) => {
    notices.get(client)?.push(`Notice ${n.code ?? ''}: ${n.message ?? ''}`);
  };
  const listeners = [direct, emulator].map((client) => [client, onNotice(client)] as const);
  for (const [client, listener] of listeners) client.on('notice', listener);
  const diffs: DriverDiff[] = [];
  let ml = false;
  try {
    for (const op of c.ops) {
      const run = async (client: pg.Client) => {
        const before = notices.get(client)?.length ?? 0;
        const lines = await within(runOp(client, op), timeoutMs);
        if (lines === null) return null;
        return [...lines, ...(notices.get(client)?.slice(before) ?? [])];
      };
      const [d, e] = await Promise.all([run(direct), run(emulator)]);
      const stalled = d === null || e === null;
      ml ||= d?.some((line) => ML_VALUE.test(line)) ?? false;
      const never = [`(no answer within ${timeoutMs} ms)`];
      if (stalled || JSON.stringify(d) !== JSON.stringify(e))
        diffs.push({ op: showOp(op), direct: d ?? never, emulator: e ?? never });
      if (stalled) return { diffs, stalled, ml };
    }
  } finally {
    for (const [client, listener] of listeners) client.off('notice', listener);
  }
  return { diffs, stalled: false, ml };
}

export function formatDriverFailure(header: string, c: DriverCase, diffs: readonly DriverDiff[]): string {
  const lines = [header, '  ran:', ...c.ops.map((op) => `    ${showOp(op)}`)];
  for (const d of diffs) {
    lines.push(`  ≠ ${d.op}`, `      direct:   ${d.direct.join(' ; ')}`, `      emulator: ${d.emulator.join(' ; ')}`);
  }
  return lines.join('\n');
}
