/**
 * A cassette: recorded backend calls, one JSON object per line, keyed by a
 * hash of service, operation, target and the normalized request. JSON lines
 * keep recordings appendable and diffs readable in the user's repository.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { BackendCall, Json } from './call.ts';

export interface RecordedError {
  readonly code: string;
  readonly message: string;
  readonly serviceCode?: string;
  readonly detail?: string;
  readonly hint?: string;
}

export interface CassetteEntry {
  readonly key: string;
  readonly service: string;
  readonly operation: string;
  readonly target: string;
  readonly request: Json;
  readonly response?: Json;
  readonly error?: RecordedError;
}

/** JSON with object keys sorted, so equal requests hash alike. */
function canonical(value: Json): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k] as Json)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function cassetteKey(call: BackendCall<unknown>): string {
  return createHash('sha256')
    .update(canonical([call.service, call.operation, call.target, call.request]))
    .digest('hex');
}

export class Cassette {
  private readonly entries = new Map<string, CassetteEntry>();

  constructor(readonly file: string) {
    if (!existsSync(file)) return;
    const lines = readFileSync(file, 'utf8').split('\n');
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      let entry: CassetteEntry;
      try {
        entry = JSON.parse(line) as CassetteEntry;
      } catch {
        throw new Error(`cassette ${file} line ${i + 1} is not JSON`);
      }
      // The first recording of a request wins, as replay answers it.
      if (!this.entries.has(entry.key)) this.entries.set(entry.key, entry);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string): CassetteEntry | undefined {
    return this.entries.get(key);
  }

  /** Appends an entry unless its request is already recorded. */
  add(entry: CassetteEntry): void {
    if (this.entries.has(entry.key)) return;
    this.entries.set(entry.key, entry);
    mkdirSync(path.dirname(this.file), { recursive: true });
    appendFileSync(this.file, `${JSON.stringify(entry)}\n`);
  }
}
