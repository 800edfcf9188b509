/**
 * Failure reports a person can act on: how to replay the case alone, every
 * message it sent (the repro), and for each round that differs, each
 * message's answers from both sides, differing ones marked.
 */
import type { Case } from './case.ts';
import { show } from './protocol.ts';
import type { CaseOutcome } from './run-case.ts';

const MAX_LINE = 700;
/** PG_DIFF_VERBOSE=1 shows the rounds that agree too. */
const VERBOSE = process.env.PG_DIFF_VERBOSE === '1';
const clip = (s: string) => (s.length > MAX_LINE ? `${s.slice(0, MAX_LINE)}… (${s.length} chars)` : s);

function replayCommand(runSeed: number, c: Pick<Case, 'family' | 'index'>): string {
  return `PG_DIFF_SEED=${runSeed} PG_DIFF_FAMILY=${c.family} PG_DIFF_CASE=${c.index} npx vitest run test/pg-differential.test.ts`;
}

export function caseHeader(runSeed: number, c: Pick<Case, 'family' | 'index' | 'title'>): string {
  return `${c.family} #${c.index} — ${c.title}\n  replay: ${replayCommand(runSeed, c)}`;
}

const messageCount = (c: Case) => c.rounds.reduce((n, r) => n + r.length, 0);

/** The case as generated, or its shrunk form when shrinking kept the same failure with fewer messages. */
export function formatFailure(
  runSeed: number,
  c: Case,
  outcome: CaseOutcome,
  shrunk?: { c: Case; outcome: CaseOutcome },
): string {
  const header = caseHeader(runSeed, c);
  if (shrunk !== undefined && messageCount(shrunk.c) < messageCount(c)) {
    const note = `  shrunk from ${messageCount(c)} to ${messageCount(shrunk.c)} messages (the first and last rounds reset and restore the session):`;
    return [header, note, ...body(shrunk.c, shrunk.outcome)].join('\n');
  }
  return [header, ...body(c, outcome)].join('\n');
}

function body(c: Case, outcome: CaseOutcome): string[] {
  const lines: string[] = [];
  if (outcome.stalled) lines.push(`  stopped: ${outcome.stalled}`);
  lines.push('  sent:');
  for (const [r, round] of c.rounds.entries()) {
    lines.push(`    round ${r}: ${round.map((m) => clip(show(m))).join(' | ')}`);
  }
  const differing = new Set(outcome.diffs.map((d) => d.round));
  for (const diff of VERBOSE ? outcome.rounds : outcome.diffs) {
    lines.push(`  round ${diff.round} ${differing.has(diff.round) ? 'differs' : 'agrees'}:`);
    const n = Math.max(diff.direct.length, diff.emulator.length);
    for (let i = 0; i < n; i++) {
      const d = diff.direct[i];
      const e = diff.emulator[i];
      const sent = d?.sent ?? e?.sent ?? '?';
      const dGot = d?.got.join(' ; ') ?? '(nothing)';
      const eGot = e?.got.join(' ; ') ?? '(nothing)';
      if (dGot === eGot && d?.sent === e?.sent) {
        lines.push(`    = ${clip(sent)}\n        both:     ${clip(dGot)}`);
      } else {
        lines.push(`    ≠ ${clip(sent)}\n        direct:   ${clip(dGot)}\n        emulator: ${clip(eGot)}`);
      }
    }
  }
  return lines;
}

/** How many failing cases per flow title, most first: which flows break, at a glance. */
export function summarize(titles: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const title of titles) {
    const key = title.replace(/ \([^)]*\)$/, '');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .map(([title, n]) => `  ${n} × ${title}`)
    .join('\n');
}
