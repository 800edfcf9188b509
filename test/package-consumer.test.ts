/**
 * The package as users get it: `npm pack` (whose prepack compiles src/ to
 * dist/), the tarball installed into a fresh project, and that project using it
 * from plain Node, from vitest through the global-setup helper, and through its
 * bin. Optional dependencies are left out of the install, so tsx's esbuild is
 * missing: anything that still needed TypeScript at run time would fail here.
 */
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UPSTREAM } from './helpers/emulator.ts';

const run = promisify(execFile);
const repo = fileURLToPath(new URL('..', import.meta.url));
const fixtures = fileURLToPath(new URL('./fixtures/package-consumer/', import.meta.url));
const vitestBin = path.join(repo, 'node_modules/vitest/vitest.mjs');
const { dependencies } = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};

interface PackedFile {
  readonly path: string;
}
interface PackResult {
  readonly filename: string;
  readonly size: number;
  readonly entryCount: number;
  readonly files: readonly PackedFile[];
}

/** The parent's environment without this vitest run's own markers, which would confuse the nested one. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.startsWith('AURORA_ML_')),
  );
  return { ...env, NO_COLOR: '1', ...extra };
}

/**
 * --prefer-offline: the repo's own install has put every dependency in the npm cache.
 * --omit=optional and --ignore-scripts: no tsx at run time, so no esbuild binary either.
 */
async function npmInstall(cwd: string, specs: readonly string[]): Promise<void> {
  const flags = ['--prefer-offline', '--omit=optional', '--ignore-scripts', '--no-audit', '--no-fund'];
  await run('npm', ['install', ...flags, ...specs], { cwd, maxBuffer: 64 << 20 });
}

/** `npm pack --json`'s answer; prepack's build prints its own lines before it. */
function packResult(stdout: string): PackResult {
  const [result] = JSON.parse(stdout.slice(stdout.indexOf('[\n'))) as PackResult[];
  if (result === undefined) throw new Error(`npm pack packed nothing: ${stdout}`);
  return result;
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client(UPSTREAM);
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

const createDatabase = (name: string) => admin(`CREATE DATABASE ${name}`);

describe('the packed npm package', () => {
  const work = mkdtempSync(path.join(tmpdir(), 'aurora-ml-consumer-'));
  const project = path.join(work, 'project');
  const database = `aurora_ml_consumer_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  let packed: PackResult;

  beforeAll(async () => {
    mkdirSync(project);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    for (const file of readdirSync(fixtures)) copyFileSync(path.join(fixtures, file), path.join(project, file));
    // The build inside `npm pack` takes most of this test's time, so the package's dependencies
    // (the very list the tarball declares) are installed meanwhile; the tarball's install then
    // finds them in place.
    const [pack] = await Promise.all([
      run('npm', ['pack', '--json', '--pack-destination', work], { cwd: repo, maxBuffer: 64 << 20 }),
      npmInstall(
        project,
        Object.entries(dependencies).map(([name, range]) => `${name}@${range}`),
      ),
      createDatabase(database),
    ]);
    packed = packResult(pack.stdout);
    await npmInstall(project, [path.join(work, packed.filename)]);
  });

  afterAll(async () => {
    rmSync(work, { recursive: true, force: true });
    // The installs wrote hundreds of MB: flush them here, not during the next test file.
    execFileSync('sync');
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  });

  it('ships the compiled library, its types and the bin, and none of the repo-only folders', () => {
    const paths = packed.files.map((f) => f.path);
    for (const needed of [
      'dist/index.js',
      'dist/index.d.ts',
      'dist/cli.js',
      'dist/testing/global-setup.js',
      'dist/testing/global-teardown.js',
      'bin/aurora-ml-emulator.js',
    ]) {
      expect(paths).toContain(needed);
    }
    const repoOnly = /^(test|bench|\.ci|soak|scratch|src|tmp|docs)\//;
    expect(paths.filter((p) => repoOnly.test(p))).toEqual([]);
    expect(paths.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);
  });

  it.concurrent('runs from a plain Node ESM script: start, ML SQL, close()', async () => {
    const { stdout } = await run(process.execPath, ['script.mjs'], {
      cwd: project,
      env: cleanEnv({ ADMIN_PG_URL: UPSTREAM }),
    });
    expect(stdout).toContain('consumer script: POSITIVE');
  });

  it.concurrent("serves a vitest run through the package's global-setup helper", async () => {
    const upstream = new URL(UPSTREAM);
    upstream.pathname = `/${database}`;
    const { stdout } = await run(process.execPath, [vitestBin, 'run', '--root', project], {
      cwd: project,
      env: cleanEnv({ AURORA_ML_PG_UPSTREAM: upstream.toString() }),
    });
    expect(stdout).toMatch(/Tests\s+1 passed/);
  });

  it.concurrent('runs its bin with plain Node', async () => {
    const { stdout } = await run(process.execPath, [path.join(project, 'node_modules/.bin/aurora-ml-emulator'), '--help'], {
      cwd: project,
      env: cleanEnv({}),
    });
    expect(stdout).toContain('Usage: aurora-ml-emulator');
  });
});
