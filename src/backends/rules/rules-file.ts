/**
 * A YAML or JSON rules file, re-read when its modification time or size
 * changes (checked on each call: a stat is cheap next to any model call), so
 * edits apply without restarting the emulator. A file that fails to parse
 * keeps the last good rules and reports why on every call until fixed.
 */
import { readFileSync, statSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { EmulatorError } from '../../errors.ts';

export class RulesFile<T> {
  private stamp = '';
  private value: T | undefined;

  constructor(
    readonly path: string,
    /** Turns the parsed document's section into rules; throws Error with a message naming the bad field. */
    private readonly parse: (doc: unknown) => T,
  ) {}

  /** The rules in effect, re-read if the file changed. */
  current(): T {
    let stamp: string;
    try {
      const st = statSync(this.path);
      stamp = `${st.mtimeMs}:${st.size}`;
    } catch (err) {
      throw new EmulatorError('InvalidArgument', `rules file ${this.path} cannot be read`, { cause: err });
    }
    if (stamp !== this.stamp || this.value === undefined) {
      try {
        this.value = this.parse(parseYaml(readFileSync(this.path, 'utf8')) as unknown);
      } catch (err) {
        throw new EmulatorError('InvalidArgument', `rules file ${this.path}: ${(err as Error).message}`, { cause: err });
      }
      this.stamp = stamp;
    }
    return this.value;
  }
}

/** The part of a rules document for one service: under its name, or the whole document. */
export function section(doc: unknown, name: string): Record<string, unknown> {
  if (typeof doc !== 'object' || doc === null) return {};
  const o = doc as Record<string, unknown>;
  const part = o[name];
  return typeof part === 'object' && part !== null ? (part as Record<string, unknown>) : o;
}

/** A text matcher: exact `text`, regular expression `pattern` (+ `flags`), or always. */
export interface TextMatch {
  readonly text?: string;
  readonly pattern?: string;
  readonly flags?: string;
}

export function matcher(rule: TextMatch, where: string): (input: string) => boolean {
  if (rule.text !== undefined) return (input) => input === rule.text;
  if (rule.pattern !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(rule.pattern, rule.flags ?? '');
    } catch (err) {
      throw new Error(`${where}: invalid pattern ${JSON.stringify(rule.pattern)}: ${(err as Error).message}`);
    }
    return (input) => re.test(input);
  }
  return () => true;
}

export function list(value: unknown, where: string): Record<string, unknown>[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`${where}: expected a list`);
  return value.map((item, i) => {
    if (typeof item !== 'object' || item === null) throw new Error(`${where}[${i}]: expected an object`);
    return item as Record<string, unknown>;
  });
}
