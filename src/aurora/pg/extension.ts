/**
 * CREATE EXTENSION / DROP EXTENSION for aws_ml and aws_commons. The upstream
 * may be any PostgreSQL, where no aws_ml control file exists, so the emulator
 * installs the objects itself and records the extension on its schemas;
 * `\dx` and other pg_extension queries see it through a view that adds those
 * rows to pg_catalog.pg_extension (the handler rewrites the table name).
 */
import { EmulatorError } from '../../errors.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseDataRow } from '../../wire/pg/messages.ts';
import { installSql, uninstallSql } from './stubs.ts';

export type ExtensionCommand =
  | { readonly kind: 'create'; readonly name: string; readonly ifNotExists: boolean; readonly cascade: boolean }
  | { readonly kind: 'drop'; readonly names: readonly string[]; readonly ifExists: boolean; readonly cascade: boolean };

export const CATALOG_SCHEMA = 'aurora_ml_catalog';

/**
 * The emulated extensions are recorded as comments on their schemas
 * ('aws_ml 2.0' on aws_comprehend, 'aws_commons 1.2' on aws_commons), so
 * reading them never fails, whatever the database holds.
 */
const MARKER_SCHEMA: Readonly<Record<string, string>> = { aws_ml: 'aws_comprehend', aws_commons: 'aws_commons' };

const CATALOG_SQL = [
  `CREATE SCHEMA IF NOT EXISTS ${CATALOG_SCHEMA}`,
  `GRANT USAGE ON SCHEMA ${CATALOG_SCHEMA} TO PUBLIC`,
  `CREATE OR REPLACE VIEW ${CATALOG_SCHEMA}.pg_extension AS
     SELECT oid, extname, extowner, extnamespace, extrelocatable, extversion, extconfig, extcondition FROM pg_catalog.pg_extension
     UNION ALL
     SELECT n.oid, split_part(d.description, ' ', 1)::name, n.nspowner, 'public'::regnamespace::oid, false,
            split_part(d.description, ' ', 2), NULL::oid[], NULL::text[]
     FROM pg_catalog.pg_namespace n
     JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::regclass
     WHERE n.nspname IN ('aws_comprehend', 'aws_commons') AND d.description ~ '^aws_(ml|commons) [0-9.]+$'`,
  `GRANT SELECT ON ${CATALOG_SCHEMA}.pg_extension TO PUBLIC`,
];

/** Reads which emulated extensions a database has; valid in any database. */
export const INSTALLED_QUERY = `SELECT string_agg(replace(d.description, ' ', '='), ',')
  FROM pg_catalog.pg_namespace n
  JOIN pg_catalog.pg_description d ON d.objoid = n.oid AND d.classoid = 'pg_catalog.pg_namespace'::regclass
  WHERE n.nspname IN ('aws_comprehend', 'aws_commons') AND d.description ~ '^aws_(ml|commons) [0-9.]+$'`;

export function parseInstalled(frames: readonly Frame[]): Map<string, string> {
  const installed = new Map<string, string>();
  const row = frames.find((f) => f.code === BackendCode.DataRow);
  const [list] = row ? parseDataRow(row.payload) : [];
  for (const item of list?.split(',') ?? []) {
    const [name, version] = item.split('=');
    if (name && version) installed.set(name, version);
  }
  return installed;
}

const record = (name: string, version: string) => `COMMENT ON SCHEMA ${MARKER_SCHEMA[name]} IS '${name} ${version}'`;

export interface ExtensionPlan {
  /** Statements to run in one transaction. */
  readonly statements: readonly string[];
  readonly notices: readonly string[];
  readonly tag: string;
}

/** Decides what a command does given what is installed; throws PostgreSQL's own errors. */
export function planExtension(
  command: ExtensionCommand,
  installed: ReadonlyMap<string, string>,
  version: '1.0' | '2.0',
): ExtensionPlan {
  if (command.kind === 'create') {
    const notices: string[] = [];
    const statements: string[] = [...CATALOG_SQL];
    if (installed.has(command.name)) {
      if (!command.ifNotExists) {
        throw new EmulatorError('DuplicateObject', `extension "${command.name}" already exists`);
      }
      return { statements: [], notices: [`extension "${command.name}" already exists, skipping`], tag: 'CREATE EXTENSION' };
    }
    const needsCommons = command.name === 'aws_ml' && !installed.has('aws_commons');
    if (needsCommons && !command.cascade) {
      throw new EmulatorError('UndefinedObject', 'required extension "aws_commons" is not installed', {
        hint: 'Use CREATE EXTENSION ... CASCADE to install required extensions too.',
      });
    }
    if (command.name === 'aws_commons' || needsCommons) {
      if (needsCommons) notices.push('installing required extension "aws_commons"');
      statements.push('CREATE SCHEMA aws_commons', 'GRANT USAGE ON SCHEMA aws_commons TO PUBLIC', record('aws_commons', '1.2'));
    }
    if (command.name === 'aws_ml') {
      statements.push(installSql(version), record('aws_ml', version));
    }
    return { statements, notices, tag: 'CREATE EXTENSION' };
  }
  const statements: string[] = [];
  const notices: string[] = [];
  const names = [...command.names].sort((a) => (a === 'aws_ml' ? -1 : 1));
  for (const name of names) {
    const current = installed.get(name);
    if (current === undefined) {
      if (!command.ifExists) throw new EmulatorError('UndefinedObject', `extension "${name}" does not exist`);
      notices.push(`extension "${name}" does not exist, skipping`);
      continue;
    }
    if (name === 'aws_commons' && installed.has('aws_ml') && !names.includes('aws_ml')) {
      if (!command.cascade) {
        throw new EmulatorError(
          'DependentObjectsStillExist',
          'cannot drop extension aws_commons because other objects depend on it',
          {
            detail: 'extension aws_ml depends on extension aws_commons',
            hint: 'Use DROP ... CASCADE to drop the dependent objects too.',
          },
        );
      }
      statements.push(uninstallSql(installed.get('aws_ml') === '1.0' ? '1.0' : '2.0', true));
      notices.push('drop cascades to extension aws_ml');
    }
    // Dropping the schema drops its comment, which is the record.
    statements.push(
      name === 'aws_ml'
        ? uninstallSql(current === '1.0' ? '1.0' : '2.0', command.cascade)
        : `DROP SCHEMA aws_commons ${command.cascade ? 'CASCADE' : 'RESTRICT'}`,
    );
  }
  return { statements, notices, tag: 'DROP EXTENSION' };
}
