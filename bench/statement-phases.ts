/**
 * Where an ML statement's time goes, as the emulator itself records it (the
 * statement log behind the dashboard): the prefetch query, each evaluation,
 * the cache fills and the final run. Unlike the timers of ./phases.ts, which
 * wrap one upstream method and miss the loop's other ways of reaching the
 * server, these phases cover the whole statement as the loop ran it.
 */
import type { PhaseKind } from '../src/ml/statement-trace.ts';
import type { StatementEntry, StatementLog } from '../src/observe/statements.ts';

/** The latest recorded statement whose text starts with `sql`'s first 40 characters. */
export function latestStatement(log: StatementLog, sql: string): StatementEntry | undefined {
  const prefix = sql.slice(0, 40);
  return log
    .recent()
    .filter((e) => e.sql.startsWith(prefix))
    .sort((a, b) => b.id - a.id)[0];
}

const LABELS: Readonly<Record<PhaseKind, string>> = {
  run: 'run of the statement (the first: the prefetch query)',
  evaluate: 'evaluation (model, batching, answers as text)',
  'cache-fill': 'cache fill',
  final: 'final run of the statement',
};

/** The statement's phases, summed by kind, against the time the client measured. */
export function statementPhaseReport(title: string, entry: StatementEntry | undefined, clientMs: number): string {
  if (entry === undefined) return `${title}\n  (the emulator recorded no such statement)`;
  const totals = new Map<PhaseKind, { ms: number; count: number; calls: number; withFill: boolean }>();
  for (const phase of entry.phases) {
    const total = totals.get(phase.kind) ?? { ms: 0, count: 0, calls: 0, withFill: false };
    total.ms += phase.durationMs ?? 0;
    total.count++;
    total.calls += phase.calls ?? 0;
    total.withFill ||= phase.includesCacheFill === true;
    totals.set(phase.kind, total);
  }
  const lines = [title];
  let recorded = 0;
  for (const [kind, total] of totals) {
    recorded += total.ms;
    const label = `${LABELS[kind]}${total.withFill ? ', with the last cache fill' : ''}`;
    const detail = total.calls > 0 ? `${total.count}x, ${total.calls} calls` : `${total.count}x`;
    lines.push(`  ${label.padEnd(58)} ${total.ms.toFixed(0).padStart(6)} ms  ${share(total.ms, clientMs)}  (${detail})`);
  }
  const rest = clientMs - recorded;
  lines.push(
    `  ${'outside the phases (client, protocol, set-up)'.padEnd(58)} ${rest.toFixed(0).padStart(6)} ms  ${share(rest, clientMs)}`,
  );
  lines.push(`  ${'total, end to end from the client'.padEnd(58)} ${clientMs.toFixed(0).padStart(6)} ms`);
  return lines.join('\n');
}

const share = (ms: number, of: number) => `${((100 * ms) / of).toFixed(0).padStart(3)}%`;
