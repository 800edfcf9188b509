/**
 * The preflight's program checks. Programs every run spawns are required;
 * the driver matrices' Debian packages are only warned about, because those
 * tests already fail case by case with their own install hint and the rest
 * of the suite does not need them.
 */
import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Finding } from './preflight-services.ts';

const run = promisify(execFile);

interface Program {
  /** Names looked up on PATH, or absolute paths (the tests that use a fixed path). */
  readonly candidates: readonly string[];
  readonly neededBy: string;
  readonly debianPackage: string;
}

export const REQUIRED_PROGRAMS: readonly Program[] = [
  { candidates: ['psql'], neededBy: 'pg-clients, pg-wire', debianPackage: 'postgresql-client' },
  { candidates: ['pgbench'], neededBy: 'pgbench', debianPackage: 'postgresql-client' },
  { candidates: ['mariadb'], neededBy: 'mysql-wire, mysql-definitions', debianPackage: 'mariadb-client' },
  // api-safety runs /usr/bin/aws by that path: the Debian CLI, not a pip one elsewhere on PATH.
  { candidates: ['/usr/bin/aws'], neededBy: 'api-safety, control-awscli', debianPackage: 'awscli' },
  { candidates: ['curl'], neededBy: 'api-safety', debianPackage: 'curl' },
  // helpers/private-mariadb.ts starts throwaway servers from these paths (binary logging, other charsets).
  {
    candidates: ['/usr/sbin/mariadbd', '/usr/sbin/mysqld'],
    neededBy: 'mysql-binlog, mysql-encoding',
    debianPackage: 'mariadb-server',
  },
  {
    candidates: ['/usr/bin/mariadb-install-db', '/usr/bin/mysql_install_db'],
    neededBy: 'mysql-binlog, mysql-encoding',
    debianPackage: 'mariadb-server',
  },
];

const MATRICES = [
  {
    script: '.ci/install-pg-drivers.sh',
    neededBy: 'pg-drivers',
    packages: [
      'python3-psycopg2',
      'python3-psycopg',
      'python3-asyncpg',
      'default-jdk-headless',
      'libpostgresql-jdbc-java',
      'golang-go',
      'golang-github-jackc-pgx-v4-dev',
    ],
  },
  {
    script: '.ci/install-mysql-connectors.sh',
    neededBy: 'mysql-connectors',
    packages: ['python3-pymysql', 'python3-mysqldb', 'default-jdk-headless', 'libmariadb-java'],
  },
] as const;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** A PATH lookup without spawning anything: the preflight has to stay well under two seconds. */
export function findProgram(candidate: string, searchPath = process.env.PATH ?? ''): string | undefined {
  if (path.isAbsolute(candidate)) return executable(candidate) ? candidate : undefined;
  for (const dir of searchPath.split(path.delimiter)) {
    if (dir !== '' && executable(path.join(dir, candidate))) return path.join(dir, candidate);
  }
  return undefined;
}

export function missingPrograms(programs: readonly Program[] = REQUIRED_PROGRAMS, searchPath?: string): Finding[] {
  return programs
    .filter((p) => p.candidates.every((c) => findProgram(c, searchPath) === undefined))
    .map((p) => ({
      what: `${p.candidates.join(' or ')} (used by ${p.neededBy})`,
      problem: 'not found',
      fix: `apt-get install ${p.debianPackage}`,
    }));
}

/** The installed subset of `packages`, in one dpkg-query; undefined where dpkg-query itself is missing. */
async function installedDebianPackages(packages: readonly string[]): Promise<Set<string> | undefined> {
  // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax, not a template
  const args = ['-W', '-f=${Package}\t${Status}\n', ...packages];
  let stdout: string;
  try {
    ({ stdout } = await run('dpkg-query', args, { timeout: 1500 }));
  } catch (err) {
    // It exits 1 when some package is unknown, having printed the known ones.
    const out = (err as { stdout?: unknown }).stdout;
    if (typeof out !== 'string') return undefined;
    stdout = out;
  }
  const installed = stdout
    .split('\n')
    .map((line) => line.split('\t'))
    .filter(([, status]) => status?.endsWith(' installed'))
    .map(([name]) => name?.replace(/:.*$/, '') ?? '');
  return new Set(installed);
}

/** Warnings, never failures: see the header. */
export async function driverMatrixWarnings(): Promise<Finding[]> {
  const all = [...new Set(MATRICES.flatMap((m) => m.packages))];
  const installed = await installedDebianPackages(all);
  if (installed === undefined) {
    return [{ what: 'driver matrices', problem: 'dpkg-query not found: cannot tell', fix: 'see .ci/install-*.sh' }];
  }
  return MATRICES.flatMap((m) => {
    const absent = m.packages.filter((p) => !installed.has(p));
    if (absent.length === 0) return [];
    const what = `Debian packages ${absent.join(', ')} (${m.neededBy}.test.ts fails its cases without them)`;
    return [{ what, problem: 'not installed', fix: `bash ${m.script} (as root)` }];
  });
}
