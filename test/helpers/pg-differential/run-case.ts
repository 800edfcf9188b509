/**
 * Runs one case on both sides, round by round (both sides at once), and
 * keeps every round whose answers differ. A side that stops answering ends
 * the case, and both connections are opened afresh so the next case starts
 * clean.
 */
import type { Case } from './case.ts';
import type { Round } from './protocol.ts';
import type { Answer, RowRules } from './responses.ts';
import type { Side } from './side.ts';

export interface RoundDiff {
  readonly round: number;
  readonly direct: readonly Answer[];
  readonly emulator: readonly Answer[];
}

export interface CaseOutcome {
  /** The rounds whose answers differ. */
  readonly diffs: readonly RoundDiff[];
  /** Every round's answers, differing or not (for PG_DIFF_VERBOSE reports). */
  readonly rounds: readonly RoundDiff[];
  /** Why the case stopped early (a side stalled or closed). */
  readonly stalled: string | null;
  /** Rows on the direct side held model answers: the case compared ML output, not only errors. */
  readonly ml: boolean;
}

/** A sentiment label or the SageMaker model's answer inside a row. */
export const ML_VALUE = /DataRow.*(POSITIVE|NEGATIVE|MIXED|NEUTRAL|\d+:[0-9a-f]{12})/;

const UNORDERED: RowRules = { ordered: false, shapeOnly: false };

/**
 * How to compare the rows of each message, from the messages alone: a Query
 * carries a rule per statement; an Execute takes the rule of the statement
 * bound to its portal.
 */
export function rowRules(rounds: readonly Round[]): (round: number, message: number, result: number) => RowRules {
  const statements = new Map<string, RowRules>();
  const portals = new Map<string, RowRules>();
  const table = new Map<string, RowRules | readonly RowRules[]>();
  for (const [r, round] of rounds.entries()) {
    for (const [i, m] of round.entries()) {
      if (m.kind === 'parse') statements.set(m.name, { ordered: m.ordered, shapeOnly: m.shapeOnly ?? false });
      else if (m.kind === 'bind') portals.set(m.portal, statements.get(m.statement) ?? UNORDERED);
      else if (m.kind === 'execute') table.set(`${r}:${i}`, portals.get(m.portal) ?? UNORDERED);
      else if (m.kind === 'query') {
        table.set(
          `${r}:${i}`,
          m.ordered.map((ordered, k) => ({ ordered, shapeOnly: m.shapeOnly?.[k] ?? false })),
        );
      }
    }
  }
  return (round, message, result) => {
    const rule = table.get(`${round}:${message}`);
    if (rule === undefined) return UNORDERED;
    if ('ordered' in rule) return rule;
    return (rule as readonly RowRules[])[result] ?? UNORDERED;
  };
}

const same = (a: readonly Answer[], b: readonly Answer[]): boolean => JSON.stringify(a) === JSON.stringify(b);

/** A setup round's answers without its row counts. */
const outcomeOnly = (answers: readonly Answer[]): Answer[] =>
  answers.map((a) => ({ sent: a.sent, got: a.got.filter((line) => !line.startsWith('CommandComplete')) }));

export async function runCase(c: Case, direct: Side, emulator: Side): Promise<CaseOutcome> {
  const rules = rowRules(c.rounds);
  const diffs: RoundDiff[] = [];
  const all: RoundDiff[] = [];
  let ml = false;
  for (const [r, round] of c.rounds.entries()) {
    const at = (message: number, result: number) => rules(r, message, result);
    const [d, e] = await Promise.all([direct.run(round, at), emulator.run(round, at)]);
    const compared = c.setup && r === 0 ? outcomeOnly : (answers: readonly Answer[]) => answers;
    const answers = { round: r, direct: d.answers, emulator: e.answers };
    all.push(answers);
    if (!same(compared(d.answers), compared(e.answers)) || d.stalled || e.stalled) diffs.push(answers);
    ml ||= d.answers.some((a) => a.got.some((line) => ML_VALUE.test(line)));
    const stalled = d.stalled ?? e.stalled;
    if (stalled) {
      await Promise.all([direct.reconnect(), emulator.reconnect()]);
      return { diffs, rounds: all, stalled, ml };
    }
  }
  return { diffs, rounds: all, stalled: null, ml };
}
