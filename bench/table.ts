/** Plain-text table and number formatting for the bench report. */

export type Verdict = 'PASS' | 'FAIL' | 'ERROR' | '';

export interface Row {
  readonly id: string;
  readonly measurement: string;
  readonly value: string;
  readonly target: string;
  readonly verdict: Verdict;
}

const HEADER: Row = { id: '#', measurement: 'measurement', value: 'value', target: 'target', verdict: '' };

export function renderTable(rows: readonly Row[]): string {
  const all = [HEADER, ...rows];
  const width = (pick: (r: Row) => string) => Math.max(...all.map((r) => pick(r).length));
  const w = {
    id: width((r) => r.id),
    measurement: width((r) => r.measurement),
    value: width((r) => r.value),
    target: width((r) => r.target),
  };
  const line = (r: Row) =>
    [
      r.id.padEnd(w.id),
      r.measurement.padEnd(w.measurement),
      r.value.padStart(w.value),
      r.target.padEnd(w.target),
      r.verdict === '' ? '' : r.verdict,
    ]
      .join('  ')
      .trimEnd();
  const header = line({ ...HEADER, verdict: 'PASS' }).replace(/PASS$/, 'result');
  const rule = '-'.repeat(Math.max(header.length, ...rows.map((r) => line(r).length)));
  return [rule, header, rule, ...rows.map(line), rule].join('\n');
}

export const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
export const fmtMs = (ms: number): string => (ms >= 100 ? `${Math.round(ms)} ms` : `${ms.toFixed(2)} ms`);
export const fmtS = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
export const fmtRatio = (r: number): string => r.toFixed(2);
export const fmtMB = (bytes: number): string => `${(bytes / (1024 * 1024)).toFixed(0)} MB`;
