/**
 * Runs one workload on two sides in lockstep and compares what each statement
 * did: straight on MariaDB (the ML functions as plain stored functions) and
 * through the emulator (the built-ins and an ALIAS function, answered by
 * backends computing the same thing). Each side has a database of its own with
 * the same tables and rows. After a mismatch both sides are rebuilt from
 * scratch, so one bug is reported once and not again in every later statement.
 */
import mysql from 'mysql2/promise';
import { ALIAS_DDL, directFunctions } from './answers.ts';
import { type ColumnDef, type Outcome, type Param, WireClient } from './wire-client.ts';
import { inlined, REVIEW_ROWS, type Statement, seedReviews, TABLES, VIEWS } from './workload.ts';

/** SERVER_STATUS_IN_TRANS, _AUTOCOMMIT, _MORE_RESULTS_EXISTS, _IN_TRANS_READONLY: the session state a client sees. */
export const STATUS_MASK = 0x0001 | 0x0002 | 0x0008 | 0x2000;

export interface Endpoint {
  readonly host: string;
  readonly port: number;
}

export interface Side {
  readonly name: 'direct' | 'emulator';
  readonly database: string;
  /** Where the workload's connection goes. */
  readonly endpoint: Endpoint;
}

export interface Mismatch {
  /** "statement kind → differing path" keys (list positions and values left out) this mismatch was the first to show. */
  readonly newPaths: readonly string[];
  readonly index: number;
  readonly statement: Statement;
  readonly direct: unknown;
  readonly emulator: unknown;
  /** The statements since the last rebuild, oldest first, ending with this one. */
  readonly trace: readonly Statement[];
  /** The fewest of `trace` that still show the mismatch, when the run minimizes. */
  minimal?: readonly Statement[];
}

export interface RunReport {
  /** The first mismatch that showed each differing path. */
  readonly mismatches: readonly Mismatch[];
  /** How many statements differed at each "statement kind → path" key. */
  readonly pathCounts: ReadonlyMap<string, number>;
}

/** Statements kept for a repro: the emulator's cache and session state make a mismatch depend on all since the last rebuild. */
const TRACE_LENGTH = 400;

function columnView(c: ColumnDef, database: string) {
  return { ...c, schema: c.schema === database ? '<db>' : c.schema };
}

/** What must be identical on both sides: everything but messages and database names. */
export function comparable(o: Outcome | { kind: 'prepare-error'; error: Outcome }, database: string): unknown {
  switch (o.kind) {
    case 'prepare-error':
      return { prepare: comparable(o.error, database) };
    case 'error':
      return { error: o.errno, sqlState: o.sqlState };
    case 'ok':
      return {
        ok: { affectedRows: o.affectedRows, lastInsertId: o.lastInsertId, info: o.info },
        status: o.status & STATUS_MASK,
        warnings: o.warnings,
      };
    case 'rows':
      return {
        columns: o.columns.map((c) => columnView(c, database)),
        rows: o.rows,
        columnsEof: { status: o.columnsEof.status & STATUS_MASK, warnings: o.columnsEof.warnings },
        status: o.status & STATUS_MASK,
        warnings: o.warnings,
      };
  }
}

/** Runs one statement over the protocol it names; a failed prepare is that statement's outcome. */
async function run(client: WireClient, statement: Statement, database: string): Promise<{ view: unknown; message?: string }> {
  if (statement.protocol === 'text') {
    const o = await client.query(inlined(statement));
    return { view: comparable(o, database), ...(o.kind === 'error' ? { message: o.message } : {}) };
  }
  const prepared = await client.prepare(statement.sql);
  if (prepared.kind === 'error') {
    return { view: comparable({ kind: 'prepare-error', error: prepared }, database), message: prepared.message };
  }
  const o = await client.execute(prepared.id, statement.params as Param[]);
  client.close(prepared.id);
  return {
    view: {
      prepared: {
        params: prepared.params.length,
        columns: prepared.columns.map((c) => columnView(c, database)),
        warnings: prepared.warnings,
      },
      ...(comparable(o, database) as object),
    },
    ...(o.kind === 'error' ? { message: o.message } : {}),
  };
}

export interface HarnessOptions {
  readonly direct: Side;
  readonly emulator: Side;
  /** Straight to MariaDB, for building both databases. */
  readonly admin: mysql.Connection;
  readonly user: string;
  readonly seed: number;
  /** Stop collecting (and rebuilding) after this many mismatches. */
  readonly maxMismatches?: number;
  /**
   * Give the second side the direct side's stored functions instead of going
   * through the emulator: two identical MariaDB databases, which must never
   * differ, check the harness and the workload themselves.
   */
  readonly selfCheck?: boolean;
}

export class DifferentialHarness {
  private clients: { direct: WireClient; emulator: WireClient } | null = null;

  constructor(private readonly options: HarnessOptions) {}

  /** Drops and makes both databases again, and opens a fresh connection to each side. */
  async rebuild(): Promise<void> {
    await this.disconnect();
    const { admin, direct, emulator, seed, user } = this.options;
    const rows = seedReviews(seed);
    for (const side of [direct, emulator]) {
      await admin.query(`DROP DATABASE IF EXISTS ${side.database}`);
      await admin.query(`CREATE DATABASE ${side.database} CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci`);
      await admin.query(`USE ${side.database}`);
      for (const ddl of TABLES) await admin.query(ddl);
      await admin.query('INSERT INTO reviews (id, body, lang, qty, tag) VALUES ?', [rows]);
    }
    await admin.query(`USE ${direct.database}`);
    for (const ddl of [...directFunctions(), ...VIEWS]) await admin.query(ddl);
    // The ALIAS function and the view go through the emulator, as an Aurora user makes them.
    const through = await mysql.createConnection({ ...emulator.endpoint, user, database: emulator.database });
    try {
      for (const ddl of this.options.selfCheck ? [...directFunctions(), ...VIEWS] : [ALIAS_DDL, ...VIEWS]) {
        await through.query(ddl);
      }
    } finally {
      await through.end();
    }
    this.clients = {
      direct: await WireClient.connect({ ...direct.endpoint, user, database: direct.database }),
      emulator: await WireClient.connect({ ...emulator.endpoint, user, database: emulator.database }),
    };
    if (rows.length !== REVIEW_ROWS) throw new Error('seed rows changed length');
  }

  async disconnect(): Promise<void> {
    const c = this.clients;
    this.clients = null;
    if (c) await Promise.allSettled([c.direct.end(), c.emulator.end()]);
  }

  /** Runs one statement on both sides; null when both did the same. */
  private async step(statement: Statement): Promise<{ paths: string[]; direct: unknown; emulator: unknown } | null> {
    const clients = this.clients;
    if (!clients) throw new Error('harness not connected');
    const { direct, emulator } = this.options;
    const [d, e] = await Promise.all([
      run(clients.direct, statement, direct.database),
      run(clients.emulator, statement, emulator.database).catch((err: Error) => ({
        view: { connectionLost: err.message } as unknown,
        message: undefined,
      })),
    ]);
    if (JSON.stringify(d.view) === JSON.stringify(e.view)) return null;
    return {
      paths: differingPaths(d.view, e.view),
      direct: { ...(d.view as object), ...(d.message ? { message: d.message } : {}) },
      emulator: { ...(e.view as object), ...(e.message ? { message: e.message } : {}) },
    };
  }

  /**
   * Runs `count` statements of `statements`. A mismatch in anything but the
   * column definitions may leave the two sides' data apart, so both are
   * rebuilt after it. With `minimize`, each reported mismatch's trace is cut
   * down to the fewest statements that still show one of its new paths.
   */
  async run(statements: Iterator<Statement>, count: number, minimize = false): Promise<RunReport> {
    const limit = this.options.maxMismatches ?? 40;
    const mismatches: Mismatch[] = [];
    const pathCounts = new Map<string, number>();
    let trace: Statement[] = [];
    await this.rebuild();
    for (let index = 0; index < count; index++) {
      const next = statements.next();
      if (next.done) break;
      const statement = next.value;
      trace = [...trace, statement].slice(-TRACE_LENGTH);
      const found = await this.step(statement);
      if (!found) continue;
      // One kind of mismatch per statement kind and differing path: ROLLBACK's status and UPDATE's are two bugs.
      const keys = found.paths.map((p) => `${kindOf(statement)} → ${p}`);
      const newPaths = keys.filter((k) => !pathCounts.has(k));
      for (const k of keys) pathCounts.set(k, (pathCounts.get(k) ?? 0) + 1);
      if (newPaths.length > 0 && mismatches.length < limit) {
        mismatches.push({ newPaths, index, statement, direct: found.direct, emulator: found.emulator, trace });
      }
      if (found.paths.every((p) => METADATA_ONLY.test(p))) continue;
      trace = [];
      await this.rebuild();
    }
    if (minimize) {
      for (const m of mismatches) m.minimal = await this.minimize(m.trace, m.newPaths);
      await this.rebuild();
    }
    return { mismatches, pathCounts };
  }

  /** Replays `statements` on freshly built sides: does the last one differ at one of `keys`? */
  private async shows(statements: readonly Statement[], keys: readonly string[]): Promise<boolean> {
    await this.rebuild();
    for (const [i, statement] of statements.entries()) {
      const found = await this.step(statement);
      if (i === statements.length - 1) return found?.paths.some((p) => keys.includes(`${kindOf(statement)} → ${p}`)) ?? false;
    }
    return false;
  }

  /**
   * Cuts a trace down by removing ever smaller chunks (halves, quarters, ...
   * single statements), keeping each removal after which the last statement
   * still shows the mismatch. The last statement always stays.
   */
  private async minimize(trace: readonly Statement[], keys: readonly string[]): Promise<readonly Statement[]> {
    let kept = [...trace];
    if (!(await this.shows(kept, keys))) return kept;
    for (let size = Math.max(1, Math.floor((kept.length - 1) / 2)); size >= 1; size = Math.floor(size / 2)) {
      for (let start = kept.length - 1 - size; start >= 0; start -= size) {
        const without = [...kept.slice(0, start), ...kept.slice(start + size)];
        if (await this.shows(without, keys)) kept = without;
      }
      if (size === 1) break;
    }
    return kept;
  }

  /** The committed tables of both sides, read straight from MariaDB at the end. */
  async committedState(): Promise<{ direct: unknown; emulator: unknown }> {
    await this.disconnect();
    const read = async (database: string) => {
      const out: Record<string, unknown> = {};
      for (const table of ['reviews', 'labels', 'notes']) {
        const [rows] = await this.options.admin.query(`SELECT * FROM ${database}.${table} ORDER BY id`);
        out[table] = rows;
      }
      return out;
    };
    return { direct: await read(this.options.direct.database), emulator: await read(this.options.emulator.database) };
  }

  async drop(): Promise<void> {
    await this.disconnect();
    for (const side of [this.options.direct, this.options.emulator]) {
      await this.options.admin.query(`DROP DATABASE IF EXISTS ${side.database}`);
    }
  }
}

/** error, failed prepare, OK or result set: what a comparable view is. */
function outcomeKind(view: unknown): string {
  const v = view as Record<string, unknown>;
  if ('connectionLost' in v) return 'connection lost';
  if ('prepare' in v) return 'prepare failed';
  if ('error' in v) return 'error';
  return 'ok' in v ? 'ok' : 'result set';
}

/** One line for an outcome when the two sides did different kinds of thing. */
function brief(view: unknown): string {
  const v = view as Record<string, unknown>;
  const kind = outcomeKind(view);
  if (kind === 'prepare failed') return `prepare failed ${JSON.stringify(v.prepare)} ${v.message ?? ''}`;
  if (kind === 'error') return `error ${v.error} (${v.sqlState}) ${v.message ?? ''}`;
  if (kind === 'ok') return `OK ${JSON.stringify(v.ok)} status ${v.status} warnings ${v.warnings}`;
  if (kind === 'result set') return `${(v.rows as unknown[]).length} row(s), status ${v.status} warnings ${v.warnings}`;
  return JSON.stringify(v);
}

/** The paths at which two outcomes differ, with both values (whole rows at most, never whole results). */
export function differences(direct: unknown, emulator: unknown, at = ''): string[] {
  if (JSON.stringify(direct) === JSON.stringify(emulator)) return [];
  if (at === '' && outcomeKind(direct) !== outcomeKind(emulator)) {
    return [`outcome: direct ${brief(direct)} / emulator ${brief(emulator)}`];
  }
  const bothObjects =
    typeof direct === 'object' &&
    direct !== null &&
    typeof emulator === 'object' &&
    emulator !== null &&
    at.split('.').length < 4;
  if (!bothObjects) return [`${at || '(outcome)'}: direct ${JSON.stringify(direct)} / emulator ${JSON.stringify(emulator)}`];
  const keys = new Set([...Object.keys(direct), ...Object.keys(emulator)]);
  return [...keys].flatMap((k) =>
    k === 'message'
      ? []
      : differences((direct as Record<string, unknown>)[k], (emulator as Record<string, unknown>)[k], at ? `${at}.${k}` : k),
  );
}

/** The statement's leading keywords (SELECT, UPDATE, SET autocommit, ROLLBACK TO...): mismatches are grouped by them. */
function kindOf(statement: Statement): string {
  return statement.sql
    .trim()
    .split(/\s+/)
    .slice(0, 2)
    .join(' ')
    .replace(/[^A-Za-z_ ].*$/, '')
    .toUpperCase();
}

/** Differences that leave both sides' data alike: column definitions and the status after them. */
const METADATA_ONLY = /^(prepared\.)?(columns|columnsEof)\b/;

/** The differing paths with list positions and values left out, for grouping mismatches of one kind. */
function differingPaths(direct: unknown, emulator: unknown): string[] {
  const paths = differences(direct, emulator).map((d) => {
    const path = (d.split(':')[0] ?? '').replace(/\.\d+/g, '.*');
    // Which kinds of outcome differ is part of the path: error-vs-OK and OK-vs-error are two bugs.
    return path === 'outcome' ? `outcome ${outcomeKind(direct)} → ${outcomeKind(emulator)}` : path;
  });
  return [...new Set(paths)].sort();
}

const render = (s: Statement) => `[${s.protocol}] ${inlined(s).replace(/\s+/g, ' ')}`;

/** A mismatch as text for the failure message: the seed, the statement, what differs and what led there. */
export function describeMismatch(seed: number, m: Mismatch): string {
  const messages = [m.direct, m.emulator].map((o) => (o as { message?: string }).message);
  return [
    `seed ${seed}, statement #${m.index}: ${render(m.statement)}`,
    ...differences(m.direct, m.emulator).map((d) => `  ${d}`),
    ...(messages.some((x) => x !== undefined) ? [`  messages: direct ${messages[0]} / emulator ${messages[1]}`] : []),
    ...(m.minimal
      ? ['  minimal repro (fresh tables, one connection):', ...m.minimal.map((t) => `    ${render(t)}`)]
      : ['  last statements since the last rebuild:', ...m.trace.slice(-15).map((t) => `    ${render(t)}`)]),
  ].join('\n');
}
