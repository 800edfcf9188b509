/**
 * The README's options table against the option definitions the CLI reads
 * (src/config.ts): every flag is listed with its environment variable, and the
 * table lists nothing the CLI does not know.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { OPTION_SOURCES } from '../src/config.ts';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Options'), readme.indexOf('\n## ', readme.indexOf('## Options') + 1));

/** The table's rows: flag name (without arguments) and env variable (or ''). */
const rows = [...section.matchAll(/^\| `--([a-z-]+)[^`]*` \| (?:`([A-Z_]+)[^`]*`)? *\|/gm)].map((m) => ({
  flag: m[1] ?? '',
  env: m[2] ?? '',
}));

describe("the README's options table", () => {
  it('lists every flag with its environment variable', () => {
    const expected = OPTION_SOURCES.filter((s) => s.flag !== undefined).map((s) => ({ flag: s.flag ?? '', env: s.env ?? '' }));
    expect(rows.filter((r) => r.flag !== 'config')).toEqual(expect.arrayContaining(expected));
  });

  it('lists nothing the CLI does not know', () => {
    const flags = new Set(['config', ...OPTION_SOURCES.flatMap((s) => (s.flag === undefined ? [] : [s.flag]))]);
    expect(rows.length).toBeGreaterThan(10);
    expect(rows.map((r) => r.flag).filter((f) => !flags.has(f))).toEqual([]);
  });
});
