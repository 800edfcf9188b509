/**
 * The OS user the server runs as when we are root (PostgreSQL refuses root).
 * See README.md, "Running as root", point 1.
 */
import { promises as fsp } from 'node:fs';
import { EmbeddedPostgresError } from './errors.ts';
import { run } from './spawn.ts';
import type { EmbeddedPostgresLogger } from './types.ts';
import { exists, readOr } from './util.ts';

/** Our own system user: a system `postgres` account's server could read and write our cluster. */
const OS_USER = 'aurora-ml';

export interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

/** undefined when we are not root: the server then runs as ourselves. */
export async function resolveRunAs(dataDir: string, log: EmbeddedPostgresLogger): Promise<RunAs | undefined> {
  if (process.getuid?.() !== 0) return undefined;

  // An existing folder owned by a real non-root user: run as that owner.
  const st = await fsp.stat(dataDir).catch(() => undefined);
  if (st && st.uid !== 0) {
    const owner = await lookupUser(String(st.uid));
    if (owner) return owner;
  }

  let user = await lookupUser(OS_USER);
  if (!user) {
    const shell = (await exists('/usr/sbin/nologin'))
      ? '/usr/sbin/nologin'
      : (await exists('/sbin/nologin'))
        ? '/sbin/nologin'
        : '/bin/false';
    const out = await run(
      'useradd',
      [
        '--system',
        '--no-create-home',
        '--user-group',
        '--home-dir',
        '/nonexistent',
        '--shell',
        shell,
        '--comment',
        'aurora-ml-emulator embedded PostgreSQL',
        OS_USER,
      ],
      { cwd: '/' },
    );
    user = await lookupUser(OS_USER); // also covers a concurrent creation (exit 9)
    if (user) log.info({ user: OS_USER, uid: user.uid }, 'created system user for the embedded PostgreSQL');
    else log.warn({ output: out.output.trim(), code: out.code }, `could not create system user ${OS_USER}`);
  }
  if (!user) {
    // Only when useradd is unavailable (read-only /etc, minimal images).
    user = await lookupUser('postgres');
    if (user) log.warn({ user: 'postgres' }, `falling back to the existing postgres account`);
  }
  if (!user) {
    throw new EmbeddedPostgresError(
      'OS_USER_UNAVAILABLE',
      `PostgreSQL cannot run as root and no unprivileged user is available: create one with ` +
        `'useradd --system --no-create-home ${OS_USER}', run the emulator as a non-root user, or pass --pg-upstream`,
    );
  }
  if (user.uid === 0) {
    throw new EmbeddedPostgresError('OS_USER_UNAVAILABLE', `user ${user.name} has uid 0; PostgreSQL cannot run as root`);
  }
  return user;
}

/** Looks up a passwd entry by name or numeric uid. */
async function lookupUser(nameOrUid: string): Promise<RunAs | undefined> {
  let lines: string[];
  const out = await run('getent', ['passwd', nameOrUid], { cwd: '/' });
  if (out.code === 0) lines = out.output.split('\n');
  else if (out.code === 127 || out.code === -2) lines = (await readOr('/etc/passwd')).split('\n');
  else return undefined;
  for (const line of lines) {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || uid === undefined || gid === undefined) continue;
    if (name === nameOrUid || uid === nameOrUid) return { name, uid: Number(uid), gid: Number(gid) };
  }
  return undefined;
}
