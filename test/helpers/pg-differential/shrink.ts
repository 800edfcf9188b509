/**
 * Makes a failing case smaller: drops whole rounds, then single messages,
 * keeping each removal after which the case still fails the same way (the
 * same kind of message is the first to differ, with the same kind of
 * answer from the emulator), until nothing more can go or the trial budget
 * is spent. The setup round, the epilogue and the read-back stay, so every
 * trial starts and ends like the original. Any sequence of messages is a
 * fair trial: both servers are asked the same thing.
 */
import type { Case } from './case.ts';
import type { Round } from './protocol.ts';
import { type CaseOutcome, runCase } from './run-case.ts';
import type { Side } from './side.ts';

/** What the first difference looks like, with numbers masked. */
export function fingerprint(outcome: CaseOutcome): string | null {
  const diff = outcome.diffs[0];
  if (diff === undefined) return null;
  for (const [i, d] of diff.direct.entries()) {
    const e = diff.emulator[i];
    if (e !== undefined && JSON.stringify(d) === JSON.stringify(e)) continue;
    const got = e?.got ?? [];
    const first = got.find((line, k) => line !== d.got[k]) ?? '(nothing)';
    return `${d.sent.split(' ')[0]}|${first.replace(/\d+/g, '#').slice(0, 48)}`;
  }
  return `extra|${diff.emulator.length}`;
}

/** Rounds must end with something the server answers without waiting for more. */
const answerable = (round: Round): boolean => {
  const last = round[round.length - 1];
  return last !== undefined && (last.kind === 'sync' || last.kind === 'flush' || last.kind === 'query');
};

function candidates(c: Case): Case[] {
  const first = c.setup ? 1 : 0;
  const last = c.rounds.length - (c.setup ? 2 : 1);
  const out: Case[] = [];
  const withBody = (body: Round[]): Case => ({
    ...c,
    rounds: [...c.rounds.slice(0, first), ...body.filter((r) => r.length > 0), ...c.rounds.slice(last)],
  });
  const body = c.rounds.slice(first, last);
  for (let r = 0; r < body.length; r++) out.push(withBody(body.filter((_x, k) => k !== r)));
  for (let r = 0; r < body.length; r++) {
    const round = body[r] as Round;
    for (let m = 0; m < round.length; m++) {
      const shorter = round.filter((_x, k) => k !== m);
      if (shorter.length > 0 && !answerable(shorter)) continue;
      out.push(withBody(body.map((x, k) => (k === r ? shorter : x))));
    }
  }
  return out;
}

export async function shrink(c: Case, original: CaseOutcome, direct: Side, emulator: Side, budget: number): Promise<Case> {
  const target = fingerprint(original);
  let best = c;
  let trials = 0;
  let progress = true;
  while (progress && trials < budget) {
    progress = false;
    for (const candidate of candidates(best)) {
      if (trials++ >= budget) break;
      const outcome = await runCase(candidate, direct, emulator);
      if (outcome.stalled === null && fingerprint(outcome) === target) {
        best = candidate;
        progress = true;
        break;
      }
    }
  }
  return best;
}
