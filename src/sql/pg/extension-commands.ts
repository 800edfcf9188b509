/**
 * The aws_ml / aws_commons extension DDL the emulator answers itself:
 * CREATE, DROP and ALTER EXTENSION. Anything else (another extension, junk,
 * unterminated input) is null and goes to the server.
 */
import { Cursor, firstKeywords } from './statement-cursor.ts';
import type { LexOptions } from './tokens.ts';

export type MlExtensionName = 'aws_ml' | 'aws_commons';

export type ExtensionCommand =
  | {
      readonly kind: 'create';
      readonly name: MlExtensionName;
      readonly ifNotExists: boolean;
      readonly cascade: boolean;
      readonly schema?: string;
      readonly version?: string;
    }
  | {
      readonly kind: 'drop';
      readonly ifExists: boolean;
      /** Every extension named, in order (the others must be dropped by the server). */
      readonly names: readonly string[];
      readonly cascade: boolean;
    };

export interface AlterExtensionCommand {
  readonly kind: 'alter';
  readonly name: MlExtensionName;
  /** UPDATE [TO version]; anything else (ADD/DROP member, SET SCHEMA) is 'other'. */
  readonly action: 'update' | 'other';
  readonly version?: string;
}

const ML_EXTENSIONS: ReadonlySet<string> = new Set<MlExtensionName>(['aws_ml', 'aws_commons']);

function isMlExtension(name: string): name is MlExtensionName {
  return ML_EXTENSIONS.has(name);
}

/**
 * CREATE EXTENSION [IF NOT EXISTS] name [WITH] [SCHEMA s] [VERSION v] [CASCADE]
 * (options in any order) and DROP EXTENSION [IF EXISTS] n[, ...] [CASCADE|RESTRICT],
 * only when aws_ml or aws_commons is named.
 */
export function parseExtensionCommand(text: string, opts: LexOptions = {}): ExtensionCommand | null {
  const first = firstKeywords(text, 1, opts)[0];
  if (first !== 'create' && first !== 'drop') return null;
  const c = Cursor.of(text, opts);
  if (c === null) return null;
  if (c.keywords('create', 'extension')) return parseCreateExtension(c);
  if (c.keywords('drop', 'extension')) return parseDropExtension(c);
  return null;
}

/** ALTER EXTENSION aws_ml|aws_commons ...: UPDATE [TO version] or some other action. */
export function parseAlterExtensionCommand(text: string, opts: LexOptions = {}): AlterExtensionCommand | null {
  const c = Cursor.of(text, opts);
  return c?.keywords('alter', 'extension') ? parseAlterExtension(c) : null;
}

function parseCreateExtension(c: Cursor): ExtensionCommand | null {
  const ifNotExists = c.keywords('if', 'not', 'exists');
  const name = c.name();
  if (name === undefined || !isMlExtension(name)) return null;
  let schema: string | undefined;
  let version: string | undefined;
  let cascade = false;
  c.keywords('with');
  while (!c.done()) {
    if (schema === undefined && c.keywords('schema')) schema = c.name() ?? '';
    else if (version === undefined && c.keywords('version')) version = c.wordOrString() ?? '';
    else if (!cascade && c.keywords('cascade')) cascade = true;
    else return null; // FROM, duplicates, junk: the server explains
    if (schema === '' || version === '') return null;
  }
  return {
    kind: 'create',
    name,
    ifNotExists,
    cascade,
    ...(schema === undefined ? {} : { schema }),
    ...(version === undefined ? {} : { version }),
  };
}

function parseDropExtension(c: Cursor): ExtensionCommand | null {
  const ifExists = c.keywords('if', 'exists');
  const names: string[] = [];
  for (;;) {
    const name = c.name();
    if (name === undefined) return null;
    names.push(name);
    if (c.peek()?.kind !== 'comma') break;
    c.advance();
  }
  const cascade = c.keywords('cascade');
  if (!cascade) c.keywords('restrict');
  if (!c.done() || !names.some(isMlExtension)) return null;
  return { kind: 'drop', ifExists, names, cascade };
}

function parseAlterExtension(c: Cursor): AlterExtensionCommand | null {
  const name = c.name();
  if (name === undefined || !isMlExtension(name)) return null;
  if (!c.keywords('update')) return { kind: 'alter', name, action: 'other' };
  if (c.done()) return { kind: 'alter', name, action: 'update' };
  if (!c.keywords('to')) return null;
  const version = c.wordOrString();
  if (version === undefined || !c.done()) return null;
  return { kind: 'alter', name, action: 'update', version };
}
