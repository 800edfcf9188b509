/**
 * The emulator's footing in a MySQL upstream: the stub database, installed
 * once per emulator process (every session waits for the same install), the
 * Aurora MySQL 3 access roles, and the set of views and routines that reach
 * a stub, read at install and again after each definition.
 */
import type { Logger } from 'pino';
import { ACCESS_ROLE, type PrivilegeModel } from '../../control/mysql-privileges.ts';
import { ResponseHeader } from '../../wire/mysql/codes.ts';
import { parseErr, textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import type { DefinedObject } from './defined-object.ts';
import { loadMlDependents, readableDefinitions } from './dependencies.ts';
import { installError } from './install-error.ts';
import { INSTALLED_STUBS_QUERY, installStatements } from './stubs.ts';

export class StubInstaller {
  private installing: Promise<void> | null = null;
  /**
   * Whether an install has ended, well or not. Until then the emulator cannot
   * know which views and routines depend on ML (after a restart, say), so
   * the handler answers every statement itself, relaying those that are not
   * ML. A failed install settles it too: statements pass by again, and the
   * next ML statement tries the install anew.
   */
  installSettled = false;
  /** 'schema.name' of the views and routines that reach an ML stub (./dependencies.ts). */
  dependents: ReadonlySet<string> = new Set();

  constructor(
    private readonly log: Logger,
    private readonly privilegeModel: PrivilegeModel | undefined,
  ) {}

  ensure(up: ControlledUpstream): Promise<void> {
    if (this.installing === null) {
      this.installing = this.install(up);
      // A failed install (no privilege to create the database, say) is tried
      // again by the next ML statement; meanwhile other statements pass by.
      this.installing.catch(() => {
        this.installing = null;
        this.installSettled = true;
      });
    }
    return this.installing;
  }

  /**
   * Rereads which objects depend on ML (after a definition), over the
   * defining client's connection. That connection sees only what its user
   * may, so its read is merged, never taken as the whole set: it adds what it
   * finds, and removes only objects whose definitions it can read and that
   * no longer reach ML. Objects hidden from it stay (and count as reaching ML
   * for its search, so its views over them are found). Reading over a
   * connection of the emulator's own would see everything, but the handler
   * holds no upstream credentials (clients authenticate themselves), and a
   * name kept stale only costs a needless loop. The change is applied to the
   * set as it is when the read ends, so concurrent reads lose nothing either.
   */
  async refreshDependents(up: ControlledUpstream): Promise<void> {
    const known = [...this.dependents];
    const readable = await readableDefinitions(up, known);
    const hidden = known.filter((key) => !readable.has(key));
    const seen = await loadMlDependents(
      up,
      hidden.map((key) => key.slice(key.lastIndexOf('.') + 1)),
    );
    const next = new Set(this.dependents);
    for (const key of readable) if (!seen.has(key)) next.delete(key);
    for (const key of seen) next.add(key);
    this.dependents = next;
  }

  /**
   * Counts an object as reaching ML before its definition runs: a client that
   * hangs up right after sending it takes the connection (and the reread
   * after it) down, while the server still runs the definition. A definition
   * that fails leaves a stale name, which the next reread by a user who can
   * read it removes.
   */
  register(schema: string, object: DefinedObject): void {
    const key = `${object.schema ?? schema}.${object.name}`.toLowerCase();
    if (this.dependents.has(key)) return;
    this.dependents = new Set(this.dependents).add(key);
  }

  private async install(up: ControlledUpstream): Promise<void> {
    // Stubs of this version already there (another emulator, an earlier run) stay as they are.
    const found = await up.query(INSTALLED_STUBS_QUERY);
    const installed = new Map<string, string>();
    for (const [name, comment] of textRows(found, 2)) {
      if (typeof name === 'string' && typeof comment === 'string') installed.set(name, comment);
    }
    for (const statement of installStatements(installed)) {
      const [first] = await up.query(statement);
      if (first?.payload[0] === ResponseHeader.ERR) throw installError(parseErr(first.payload));
    }
    if (this.privilegeModel === 'roles') await this.createAccessRoles(up);
    await this.refreshDependents(up);
    this.installSettled = true;
  }

  /**
   * Aurora MySQL 3's AWS_COMPREHEND_ACCESS, AWS_SAGEMAKER_ACCESS and
   * AWS_BEDROCK_ACCESS, as real roles so GRANT, SET ROLE and SHOW GRANTS are
   * the server's own. A user that may not create roles only logs a warning.
   */
  private async createAccessRoles(up: ControlledUpstream): Promise<void> {
    for (const role of Object.values(ACCESS_ROLE)) {
      const [first] = await up.query(`CREATE ROLE IF NOT EXISTS ${role}`);
      if (first?.payload[0] === ResponseHeader.ERR) {
        this.log.warn({ role, error: parseErr(first.payload).message }, 'could not create an Aurora ML role');
      }
    }
  }
}
