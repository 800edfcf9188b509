/**
 * Throughput comparisons (pgbench, sysbench): fixed-duration runs direct,
 * through the emulator and through a reference proxy, in alternating rounds,
 * and the rows that hold the emulator to a fraction of the proxy's ratio.
 */
import { fmtInt, fmtRatio, type Row } from './table.ts';
import { median } from './util.ts';

export type Through = 'direct' | 'emulator' | 'proxy';

/** Transactions per second of every run, per path. */
export type Runs = Readonly<Record<Through, readonly number[]>>;

export interface Comparison {
  /** What is measured, e.g. 'pgbench -S -M simple'. */
  readonly label: string;
  /** The reference proxy, e.g. 'pgbouncer'. */
  readonly proxy: string;
}

const ORDER: readonly Through[] = ['direct', 'emulator', 'proxy'];

export async function alternatingRounds(
  comparison: Comparison,
  rounds: number,
  run: (through: Through) => Promise<number>,
): Promise<Runs> {
  const tps: Record<Through, number[]> = { direct: [], emulator: [], proxy: [] };
  for (let round = 0; round < rounds; round++) {
    // Alternate the order so drift (thermal, caches, other load) does not favour one path.
    const sequence = round % 2 === 0 ? ORDER : [...ORDER].reverse();
    for (const through of sequence) {
      const value = await run(through);
      tps[through].push(value);
      const name = through === 'proxy' ? comparison.proxy : through;
      console.error(`  ${comparison.label} round ${round + 1} ${name}: ${fmtInt(value)} tps`);
    }
  }
  return tps;
}

/** Medians per path and the verdict: emulator/direct >= factor x proxy/direct. */
export function ratioRows(id: string, comparison: Comparison, tps: Runs, factor: number): Row[] {
  const direct = median(tps.direct);
  const emu = median(tps.emulator);
  const proxy = median(tps.proxy);
  const emuRatio = emu / direct;
  const proxyRatio = proxy / direct;
  const required = factor * proxyRatio;
  const rounds = (list: readonly number[]) => (list.length > 1 ? ` (${list.map(fmtInt).join(' / ')})` : '');
  const { label } = comparison;
  const plain = (measurement: string, value: string): Row => ({ id: '', measurement, value, target: '', verdict: '' });
  return [
    { ...plain(`${label}: tps direct`, `${fmtInt(direct)}${rounds(tps.direct)}`), id },
    plain(`${label}: tps via emulator`, `${fmtInt(emu)}${rounds(tps.emulator)}`),
    plain(`${label}: tps via ${comparison.proxy}`, `${fmtInt(proxy)}${rounds(tps.proxy)}`),
    plain(`${label}: ${comparison.proxy}/direct`, fmtRatio(proxyRatio)),
    {
      id: '',
      measurement: `${label}: emulator/direct`,
      value: fmtRatio(emuRatio),
      target: `>= ${factor} x ${comparison.proxy}/direct = ${fmtRatio(required)}`,
      verdict: emuRatio >= required ? 'PASS' : 'FAIL',
    },
  ];
}
