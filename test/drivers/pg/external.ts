/**
 * Builds and runs the matrix's non-node programs: Python scripts under
 * Debian's own interpreter (the pyenv `python3` on PATH cannot see Debian's
 * python3-* packages), a Java class compiled once per run against Debian's
 * pgjdbc jar, and a Go binary built once per run in GOPATH mode from Debian's
 * Go sources, so nothing is fetched from the network.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FETCH_ROWS } from './node-flows.ts';
import { type Flow, runProgram } from './programs.ts';

const exec = promisify(execFile);
const HERE = path.dirname(fileURLToPath(import.meta.url));
const PYTHON = '/usr/bin/python3';
export const PGJDBC_JAR = '/usr/share/java/postgresql.jar';
const RUN_TIMEOUT_MS = 20_000;

const programEnv = (url: string): Record<string, string> => ({ PG_URL: url, FETCH_ROWS: String(FETCH_ROWS) });

/** -B: no __pycache__ left in the source tree. */
export const pythonFlow =
  (script: string): Flow =>
  (url, flow, table, texts) =>
    runProgram(PYTHON, ['-B', path.join(HERE, script), flow, table], {
      env: programEnv(url),
      stdin: JSON.stringify(texts),
      timeoutMs: RUN_TIMEOUT_MS,
    });

/** A temporary directory for one run's build products, removed by its disposer. */
export async function buildDir(): Promise<{ dir: string } & AsyncDisposable> {
  const dir = await mkdtemp(path.join(tmpdir(), 'pg-drivers-'));
  return { dir, [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }) };
}

/** Compiles PgJdbcFlows.java into `outDir`; returns the flow runner. */
export async function buildJava(outDir: string): Promise<Flow> {
  await exec('javac', ['-encoding', 'UTF-8', '-cp', PGJDBC_JAR, '-d', outDir, path.join(HERE, 'PgJdbcFlows.java')]);
  return (url, flow, table, texts) =>
    runProgram('java', ['-cp', `${outDir}${path.delimiter}${PGJDBC_JAR}`, 'PgJdbcFlows', flow, table], {
      env: programEnv(url),
      // One Base64 line per text: the Java side needs no JSON parser and no charset guesswork.
      stdin: texts.map((t) => `${Buffer.from(t, 'utf8').toString('base64')}\n`).join(''),
      timeoutMs: RUN_TIMEOUT_MS,
    });
}

/**
 * Builds pgx_flows.go into `outDir` against /usr/share/gocode (GOPATH mode,
 * modules off). Go's build cache lives in the system temp directory so a
 * second run of the file reuses the compiled pgx packages.
 */
export async function buildGo(outDir: string): Promise<Flow> {
  const binary = path.join(outDir, 'pgx_flows');
  await exec('go', ['build', '-o', binary, path.join(HERE, 'pgx_flows.go')], {
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: '/usr/share/gocode',
      GOFLAGS: '',
      GOPROXY: 'off',
      GOCACHE: path.join(tmpdir(), 'aurora-ml-emulator-go-build-cache'),
    },
  });
  return (url, flow, table, texts) =>
    runProgram(binary, [flow, table], { env: programEnv(url), stdin: JSON.stringify(texts), timeoutMs: RUN_TIMEOUT_MS });
}
