/**
 * Prisma 7 for the connector matrix, generated at test time with no download.
 *
 * How `prisma generate` stays offline: the `prisma-client` generator (Prisma
 * 7's default) emits TypeScript that runs queries through a driver adapter
 * and the query compiler that ships inside @prisma/client, so no query engine
 * binary exists to fetch. The CLI still wants a schema engine binary before
 * it generates, and would download it; PRISMA_SCHEMA_ENGINE_BINARY pointing
 * at ./schema-engine-stub.sh (which generate never runs) stops that. npm's
 * allowScripts keeps @prisma/engines' postinstall download from running at
 * install time. CHECKPOINT_DISABLE turns off the CLI's update check.
 *
 * The client is generated into the repository's git-ignored tmp/ folder
 * (inside the repo so its imports of @prisma/client resolve, outside src/
 * and test/ so neither tsc nor Biome reads generated code) and removed after.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PrismaMariaDb } from '@prisma/adapter-mariadb';
import { runTool } from './tools.ts';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '../../..');
const PRISMA_CLI = path.join(REPO, 'node_modules/prisma/build/index.js');

/** The part of the generated PrismaClient the matrix uses. */
export interface RawPrisma {
  $queryRawUnsafe<T = unknown>(sql: string, ...values: unknown[]): Promise<T>;
  $queryRaw<T = unknown>(sql: TemplateStringsArray, ...values: unknown[]): Promise<T>;
  $executeRawUnsafe(sql: string, ...values: unknown[]): Promise<number>;
  review: { createMany(args: { data: readonly Record<string, unknown>[] }): Promise<{ count: number }> };
  $disconnect(): Promise<void>;
}

export interface GeneratedPrisma extends AsyncDisposable {
  connect(options: { host: string; port: number; database: string }): RawPrisma;
}

export async function generatePrismaClient(): Promise<GeneratedPrisma> {
  const dir = path.join(REPO, 'tmp', `prisma-mysql-connectors-${process.pid}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const schema = path.join(dir, 'schema.prisma');
  await copyFile(path.join(HERE, 'schema.prisma'), schema);
  const env = {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: path.join(HERE, 'schema-engine-stub.sh'),
    CHECKPOINT_DISABLE: '1',
    PRISMA_HIDE_UPDATE_MESSAGE: '1',
  };
  await runTool(process.execPath, [PRISMA_CLI, 'generate', '--schema', schema], 120_000, env);
  const module = (await import(pathToFileURL(path.join(dir, 'client', 'client.ts')).href)) as {
    PrismaClient: new (options: { adapter: PrismaMariaDb }) => RawPrisma;
  };
  const clients: RawPrisma[] = [];
  return {
    connect: ({ host, port, database }) => {
      const adapter = new PrismaMariaDb({ host, port, user: 'root', database, connectionLimit: 2 });
      const client = new module.PrismaClient({ adapter });
      clients.push(client);
      return client;
    },
    [Symbol.asyncDispose]: async () => {
      await Promise.allSettled(clients.map((c) => c.$disconnect()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}
