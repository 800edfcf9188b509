/**
 * A generated case: rounds of frontend messages (each round written at once,
 * the next sent when every answer is in), and the helpers the family
 * generators build them with. Every case leaves the session as it found it
 * (see epilogue), so cases run one after another on one connection and any
 * single case replays alone.
 */
import { CHECK_RESULTS, RESET_RESULTS } from './dataset.ts';
import type { Rng } from './prng.ts';
import { type FrontendMsg, msg, type Round } from './protocol.ts';
import type { BuildOptions } from './sql-builder.ts';
import { buildStmt, pickTemplate, type Stmt, type Template, type TemplateFilter } from './statements.ts';

export const FAMILIES = ['simple', 'extended', 'transactions', 'cursors', 'prepare', 'driver'] as const;
export type Family = (typeof FAMILIES)[number];

export interface Case {
  readonly family: Family;
  readonly index: number;
  /** The case's own seed (derived from the run's seed, the family and the index). */
  readonly seed: number;
  /** The flow the generator chose, for reading reports. */
  readonly title: string;
  readonly rounds: readonly Round[];
  /**
   * Round 0 only puts `results` back: its row counts tell what earlier cases
   * left there, which is their failure, so only its errors and status count.
   */
  readonly setup: boolean;
}

/** The protocol-level names cases use; the epilogue closes them all. */
export const STATEMENT_NAMES = ['s1', 's2', 's3'] as const;
export const PORTAL_NAMES = ['p1', 'p2'] as const;

/** One statement template with its shape fixed, ready to be built with any values. */
export interface Draft {
  readonly template: Template;
  readonly shapeSeed: number;
  readonly options: BuildOptions;
  build(valueSeed: number): Stmt;
}

export class CaseBuilder {
  readonly rounds: Round[] = [];
  private writes = false;
  private readonly titles: string[] = [];

  constructor(readonly rng: Rng) {}

  /** Some statement drafted so far writes to `results`. */
  get mayWrite(): boolean {
    return this.writes;
  }

  get titleText(): string {
    return this.titles.join(' / ');
  }

  title(part: string): this {
    this.titles.push(part);
    return this;
  }

  /** A statement template with its shape fixed. */
  draft(filter: TemplateFilter, options: Draft['options']): Draft {
    const template = pickTemplate(this.rng, filter);
    const shapeSeed = this.rng.int(0, 2 ** 31);
    if (template.writes) this.writes = true;
    const opts = filter.walkable ? { ...options, ordered: true } : options;
    return { template, shapeSeed, options: opts, build: (valueSeed) => buildStmt(template, shapeSeed, valueSeed, opts) };
  }

  /** A statement built at once with fresh values. */
  stmt(filter: TemplateFilter, options: Draft['options']): Stmt {
    return this.draft(filter, options).build(this.valueSeed());
  }

  valueSeed(): number {
    return this.rng.int(0, 2 ** 31);
  }

  round(...messages: FrontendMsg[]): this {
    this.rounds.push(messages);
    return this;
  }

  /** One simple Query with these statements in one text (an implicit transaction when several). */
  query(...stmts: readonly Pick<Stmt, 'sql' | 'ordered'>[]): this {
    return this.round(
      msg.query(
        stmts.map((s) => s.sql).join('; '),
        stmts.map((s) => s.ordered),
      ),
    );
  }

  /** Random result formats: all text, all binary, or one code per column (which may not match: an error then). */
  resultFormats(): number[] {
    return this.rng.weighted<number[]>([
      [6, []],
      [2, [1]],
      [1, [0]],
      [1, [0, 1]],
    ]);
  }

  /** The case: `results` reset first when anything may write, and read back after the epilogue (what was committed). */
  build(family: Family, index: number, seed: number, epilogue: readonly FrontendMsg[]): Case {
    const rounds: Round[] = [];
    if (this.writes) rounds.push([msg.query(RESET_RESULTS)]);
    rounds.push(...this.rounds, epilogue);
    if (this.writes) rounds.push([msg.query(CHECK_RESULTS, [true])]);
    return { family, index, seed, title: this.titles.join(' / '), rounds, setup: this.writes };
  }
}

/** Parse of a built statement, with its declared types. */
export function parseOf(name: string, s: Stmt): FrontendMsg {
  return msg.parse(name, s.sql, s.ordered, s.paramTypes);
}

export function bindOf(
  portal: string,
  statement: string,
  s: Pick<Stmt, 'params'>,
  resultFormats: readonly number[] = [],
): FrontendMsg {
  return msg.bind(portal, statement, s.params, resultFormats);
}

/**
 * Puts the session back: ends any pipeline and transaction, closes every
 * protocol-level statement and portal a case may have made, and every cursor.
 */
export function epilogue(extraSql = ''): FrontendMsg[] {
  return [
    msg.sync(),
    msg.query('ROLLBACK'),
    ...STATEMENT_NAMES.map((n) => msg.close('S', n)),
    ...PORTAL_NAMES.map((n) => msg.close('P', n)),
    msg.sync(),
    msg.query(`CLOSE ALL${extraSql}`),
  ];
}
