/**
 * The README's options table against the option table the CLI reads
 * (src/options/table.ts): it is the table written from it, every flag is listed
 * with its environment variable, and it lists nothing the CLI does not know.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readmeTable } from '../src/options/docs.ts';
import { CONFIG_FILE, OPTION_LIST } from '../src/options/table.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Options'), readme.indexOf('\n## ', readme.indexOf('## Options') + 1));

/** The table's rows: flag name (without arguments) and env variable (or ''). */
const rows = [...section.matchAll(/^\| `--([a-z-]+)[^`]*` \| (?:`([A-Z_]+)[^`]*`)? *\|/gm)].map((m) => ({
  flag: m[1] ?? '',
  env: m[2] ?? '',
}));

describe("the README's options table", () => {
  it('is the table written from the option definitions (regenerate it with readmeTable() in src/options/docs.ts)', () => {
    const table = section
      .split('\n')
      .filter((line) => line.startsWith('|'))
      .join('\n');
    expect(table).toBe(readmeTable());
  });

  it('lists every flag with its environment variable', () => {
    const expected = OPTION_LIST.filter((o) => o.flag !== undefined).map((o) => ({ flag: o.flag ?? '', env: o.env ?? '' }));
    expect(rows.filter((r) => r.flag !== CONFIG_FILE.flag)).toEqual(expect.arrayContaining(expected));
  });

  it('lists nothing the CLI does not know', () => {
    const flags = new Set([CONFIG_FILE.flag, ...OPTION_LIST.flatMap((o) => (o.flag === undefined ? [] : [o.flag]))]);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.map((r) => r.flag).filter((f) => !flags.has(f))).toEqual([]);
  });
});
