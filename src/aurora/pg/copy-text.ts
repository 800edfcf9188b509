/** Encodes cache rows in COPY's text format (tab-separated, \N for NULL). */
import type { MlResults } from '../../ml/calls.ts';

const escapeCopyText = (s: string) =>
  s.replace(/[\\\n\r\t]/g, (c) => (c === '\\' ? '\\\\' : c === '\n' ? '\\n' : c === '\r' ? '\\r' : '\\t'));

export function copyRows(results: MlResults): Buffer {
  const lines: string[] = [];
  for (const [key, value] of results) lines.push(`${key}\t${value === null ? '\\N' : escapeCopyText(value)}\n`);
  return Buffer.from(lines.join(''), 'utf8');
}
