/**
 * What the PostgreSQL front knows of each database: which emulated extensions
 * are installed there (and at which version) and which views and functions
 * reach an ML stub, read at a database's first session and again after DDL;
 * and the extension DDL (CREATE / ALTER / DROP EXTENSION) that changes it. The
 * PostgreSQL form of src/aurora/mysql/stub-installer.ts.
 */
import type { Logger } from 'pino';
import { EmulatorError, toEmulatorError } from '../../errors.ts';
import type { parseExtensionCommand } from '../../sql/pg/extension-commands.ts';
import { splitStatements } from '../../sql/pg/statement-split.ts';
import { BackendCode } from '../../wire/pg/codes.ts';
import { Frame } from '../../wire/pg/framer.ts';
import { parseDataRow, parseNoticeFields } from '../../wire/pg/messages.ts';
import { serialize } from '../../wire/pg/serializer.ts';
import type { ControlledUpstream } from '../../wire/pg/statement-handler.ts';
import { DEPENDENTS_QUERY, DependencyIndex } from './dependencies.ts';
import type { AnsweredResult } from './extended-state.ts';
import { INSTALLED_QUERY, parseInstalled, planExtension } from './extension.ts';
import { errorIn, ownStatement } from './own-statements.ts';
import { NEEDS_UPGRADE_QUERY, upgradeSql } from './stubs.ts';

export class ExtensionCatalog {
  private readonly dependents = new DependencyIndex();
  /** Per database: the emulated extensions installed, with their versions. */
  private readonly installed = new Map<string, Map<string, string>>();

  constructor(
    private readonly version: '1.0' | '2.0',
    private readonly log: Logger,
  ) {}

  /** The database's views and functions that reach an ML stub (unknown before its first session). */
  dependentsIn(database: string): ReadonlySet<string> | undefined {
    return this.dependents.get(database);
  }

  /** Whether the database has any emulated extension installed. */
  hasExtensions(database: string): boolean {
    return (this.installed.get(database)?.size ?? 0) > 0;
  }

  /** A database's first session reads its catalog, and upgrades stubs an earlier version installed. */
  async onSessionReady(up: ControlledUpstream): Promise<void> {
    if (this.installed.has(up.session.database)) return;
    await this.refresh(up);
    await this.upgradeStubs(up);
  }

  /**
   * aws_ml installed by an earlier emulator version has stubs without the
   * private miss channel, whose misses the loop refuses: a superuser's first
   * session upgrades them in place (others get the loop's hint to reinstall).
   */
  private async upgradeStubs(up: ControlledUpstream): Promise<void> {
    const version = this.installed.get(up.session.database)?.get('aws_ml');
    if (version === undefined) return;
    const probe = await up.exchange([ownStatement(NEEDS_UPGRADE_QUERY)]);
    const row = (probe.groups[0] ?? []).find((f) => f.code === BackendCode.DataRow);
    if (row === undefined || parseDataRow(row.payload)[0] !== 't') return;
    const script = ['BEGIN', upgradeSql(version === '1.0' ? '1.0' : '2.0'), 'COMMIT'];
    const single = script.flatMap((text) => splitStatements(text, {}).map((st) => st.text));
    const answer = await up.exchange(single.map(ownStatement));
    if (answer.failedAt >= 0) {
      const error = errorIn(answer.groups[answer.failedAt] ?? []);
      await up.exchange([ownStatement('ROLLBACK')]);
      this.log.warn(
        { database: up.session.database, error: error === undefined ? undefined : parseNoticeFields(error.payload).message },
        'could not upgrade the aws_ml stubs of an earlier emulator version: reinstall aws_ml',
      );
      return;
    }
    this.log.info({ database: up.session.database }, 'upgraded the aws_ml stubs of an earlier emulator version');
  }

  /** Reads the emulated extensions and the ML-dependent objects (named statements: the client's stay). */
  async refresh(up: ControlledUpstream): Promise<void> {
    const answer = await up.exchange([ownStatement(INSTALLED_QUERY), ownStatement(DEPENDENTS_QUERY)]);
    if (answer.failedAt >= 0) return;
    this.installed.set(up.session.database, parseInstalled(answer.groups[0] ?? []));
    this.dependents.update(up.session.database, answer.groups[1] ?? []);
  }

  /** Answers CREATE/ALTER/DROP EXTENSION for the emulated extensions (inside a block when `inBlock`). */
  async runExtension(
    command: NonNullable<ReturnType<typeof parseExtensionCommand>>,
    up: ControlledUpstream,
    inBlock: boolean,
  ): Promise<AnsweredResult> {
    await this.refresh(up);
    let plan: ReturnType<typeof planExtension>;
    try {
      plan = planExtension(command, this.installed.get(up.session.database) ?? new Map(), this.version);
    } catch (err) {
      return { ok: false, error: serialize.emulatorError(toEmulatorError(err)) };
    }
    const own = !inBlock && up.status === 'I';
    const statements = plan.statements.length === 0 ? [] : own ? ['BEGIN', ...plan.statements, 'COMMIT'] : plan.statements;
    if (statements.length > 0) {
      // One statement per Parse: the plan's scripts are split first.
      const single = statements.flatMap((text) => splitStatements(text, {}).map((st) => st.text));
      const answer = await up.exchange(single.map(ownStatement));
      if (answer.failedAt >= 0) {
        const error = errorIn(answer.groups[answer.failedAt] ?? []);
        if (own) await up.exchange([ownStatement('ROLLBACK')]);
        return { ok: false, error: error?.raw ?? serialize.emulatorError(new EmulatorError('Internal', 'extension DDL failed')) };
      }
    }
    await this.refresh(up);
    return { ok: true, frames: [...plan.notices.map(noticeFrame), commandFrame(plan.tag)] };
  }
}

function noticeFrame(message: string): Frame {
  return new Frame(BackendCode.NoticeResponse, serialize.noticeResponse({ severity: 'NOTICE', code: '00000', message }));
}

function commandFrame(tag: string): Frame {
  return new Frame(BackendCode.CommandComplete, serialize.commandComplete(tag));
}
