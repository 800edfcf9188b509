/**
 * The checks an option's value goes through, whichever source it came from
 * (flag, environment variable, config file or a library caller). Flags and
 * variables are always text, the config file may give numbers and booleans,
 * so each check accepts both. `name` is how the message names where the value
 * came from (`--pg-listen`, `AURORA_ML_PG_LISTEN`, `pgListen in FILE`).
 */
import { closest, suggestion } from '../did-you-mean.ts';
import { usageError } from '../startup-errors.ts';
import { parseUpstreamUrl } from '../upstream-url.ts';

export type Check<T> = (value: unknown, name: string) => T;

export function scalar(value: unknown, name: string): string {
  if (typeof value === 'string' || typeof value === 'number') return String(value);
  throw usageError(`${name}: expected a single value, got ${Array.isArray(value) ? 'a list' : typeof value}`);
}

export function onOff(value: unknown, name: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw usageError(`${name}: expected true or false (or 1 or 0), got ${JSON.stringify(value)}`);
}

export function oneOf<T extends string>(allowed: readonly T[]): Check<T> {
  return (value, name) => {
    const text = scalar(value, name);
    if ((allowed as readonly string[]).includes(text)) return text as T;
    const near = closest(text, allowed);
    throw usageError(
      `${name}: "${text}" is not one of ${allowed.join(', ')}${near === undefined ? '' : `; did you mean ${near}?`}`,
    );
  };
}

export function matching(pattern: RegExp, expected: string): Check<string> {
  return (value, name) => {
    const text = scalar(value, name);
    if (!pattern.test(text)) throw usageError(`${name}: expected ${expected}, got "${text}"`);
    return text;
  };
}

export function milliseconds(value: unknown, name: string): number {
  const text = scalar(value, name);
  const ms = Number(text);
  if (text.trim() === '' || !Number.isInteger(ms) || ms < 0)
    throw usageError(`${name}: expected a whole number of milliseconds, got "${text}"`);
  return ms;
}

export function connectionCount(value: unknown, name: string): number {
  const text = scalar(value, name);
  const size = Number(text);
  if (!Number.isInteger(size) || size < 1)
    throw usageError(`${name}: expected a whole number of connections (1 or more), got "${text}"`);
  return size;
}

export function listenAddress(value: unknown, name: string): string {
  const text = scalar(value, name);
  try {
    parseHostPort(text);
  } catch (err) {
    throw usageError(`${name}: ${(err as Error).message}`);
  }
  return text;
}

/** A database URL whose scheme is one of `schemes`; `example` shows the right form when it is not. */
export function upstreamUrl(schemes: readonly string[], example: string): Check<string> {
  return (value, name) => {
    const text = scalar(value, name);
    let url: URL;
    try {
      url = parseUpstreamUrl(name, text);
    } catch (err) {
      throw usageError((err as Error).message);
    }
    if (!schemes.includes(url.protocol))
      throw usageError(
        `${name}: a ${url.protocol.replace(/:$/, '')}:// URL where ${schemes[0]}// was expected; write it as ${example}`,
      );
    return text;
  };
}

/** A YAML mapping, checked in depth by whoever reads it (the backends, the SageMaker router). */
export function mapping<T>(value: unknown, name: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw usageError(`${name}: expected a mapping`);
  return value as T;
}

export interface ApiCredential {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  /** The IAM role whose policies decide what this caller may do on the ML service APIs. */
  readonly roleName?: string;
}

export function credentials(value: unknown, name: string): readonly ApiCredential[] {
  if (!Array.isArray(value)) throw usageError(`${name}: expected a list of { accessKeyId, secretAccessKey, roleName }`);
  const known = ['accessKeyId', 'secretAccessKey', 'roleName'];
  value.forEach((c: unknown, i) => {
    if (typeof c !== 'object' || c === null)
      throw usageError(`${name}[${i}]: expected { accessKeyId, secretAccessKey, roleName }`);
    for (const key of Object.keys(c))
      if (!known.includes(key)) throw usageError(`${name}[${i}].${key}: unknown key${suggestion(key, known)}`);
    const entry = c as Record<string, unknown>;
    if (typeof entry.accessKeyId !== 'string' || typeof entry.secretAccessKey !== 'string')
      throw usageError(`${name}[${i}]: accessKeyId and secretAccessKey are both required`);
  });
  return value as ApiCredential[];
}

export function parseHostPort(value: string): { host: string; port: number } {
  const i = value.lastIndexOf(':');
  if (i < 0) throw new Error(`expected HOST:PORT (e.g. 127.0.0.1:5433; port 0 picks a free one), got "${value}"`);
  const portText = value.slice(i + 1);
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) throw new Error(`expected a port from 0 to 65535 after the colon, got "${value}"`);
  return { host: value.slice(0, i).replace(/^\[|\]$/g, ''), port };
}
