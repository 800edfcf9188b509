/**
 * docker-compose.test.yml has to give the tests exactly the servers the
 * preflight and test/helpers/test-databases.ts expect at the URLs its header
 * tells people to export. No Docker engine runs the suite, so this holds the
 * file's shape to those URLs instead.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkMysql, checkPostgres } from './helpers/preflight-services.ts';
import { mysqlUrlFrom, pgUrlFrom } from './helpers/test-databases.ts';

const FILE = new URL('../docker-compose.test.yml', import.meta.url);
const text = readFileSync(FILE, 'utf8');

interface Service {
  image: string;
  network_mode?: string;
  ports?: unknown;
  command: string[];
  environment: Record<string, string>;
  tmpfs?: string[];
  healthcheck: { test: string[] };
}
const services = (parse(text) as { services: Record<string, Service> }).services;

/** The `export NAME=value` lines of the header comment. */
function exported(name: string): string {
  const match = new RegExp(`^#\\s+export ${name}=(\\S+)$`, 'm').exec(text);
  if (match?.[1] === undefined) throw new Error(`docker-compose.test.yml does not export ${name}`);
  return match[1];
}

/** `--name=value` or `-name value` in a command list. */
function option(command: readonly string[], name: string): string | undefined {
  const joined = command.find((c) => c.startsWith(`${name}=`));
  if (joined !== undefined) return joined.slice(name.length + 1);
  const i = command.indexOf(name);
  return i < 0 ? undefined : command[i + 1];
}

describe('docker-compose.test.yml', () => {
  const pgUrl = new URL(pgUrlFrom({ TEST_PG_URL: exported('TEST_PG_URL') }));
  const mysqlUrl = new URL(mysqlUrlFrom({ TEST_MYSQL_URL: exported('TEST_MYSQL_URL') }));

  it('has exactly the two servers, on loopback and non-default ports', () => {
    expect(Object.keys(services).sort()).toEqual(['mariadb', 'postgres']);
    expect([pgUrl.hostname, mysqlUrl.hostname]).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(pgUrl.port).not.toBe('5432');
    expect(mysqlUrl.port).not.toBe('3306');
    for (const s of Object.values(services)) {
      // Host networking: the servers' own listen addresses are the whole exposure, so nothing is published.
      expect(s.network_mode).toBe('host');
      expect(s.ports).toBeUndefined();
    }
  });

  it('PostgreSQL 16 where TEST_PG_URL points: that port, loopback only, trust auth for postgres', () => {
    const postgres = services.postgres as Service;
    expect(postgres.image).toBe('postgres:16');
    expect(option(postgres.command, '-p')).toBe(pgUrl.port);
    expect(postgres.command).toContain('listen_addresses=127.0.0.1');
    expect(postgres.environment.PGPORT).toBe(pgUrl.port);
    expect(postgres.environment.POSTGRES_HOST_AUTH_METHOD).toBe('trust');
    expect(postgres.environment.POSTGRES_PASSWORD).toBeUndefined();
    expect([pgUrl.username, pgUrl.password, pgUrl.pathname]).toEqual(['postgres', '', '/postgres']);
    expect(postgres.healthcheck.test).toEqual(['CMD', 'pg_isready', '-h', '127.0.0.1', '-p', pgUrl.port, '-U', 'postgres']);
  });

  it('MariaDB 10.11 where TEST_MYSQL_URL points: that port, loopback only, root without a password, database test', () => {
    const mariadb = services.mariadb as Service;
    expect(mariadb.image).toBe('mariadb:10.11');
    expect(option(mariadb.command, '--port')).toBe(mysqlUrl.port);
    expect(option(mariadb.command, '--bind-address')).toBe('127.0.0.1');
    expect(option(mariadb.command, '--collation-server')).toBe('utf8mb4_general_ci');
    expect(mariadb.environment.MARIADB_ALLOW_EMPTY_ROOT_PASSWORD).toBe('1');
    expect(mariadb.environment.MARIADB_ROOT_PASSWORD).toBeUndefined();
    expect([mysqlUrl.username, mysqlUrl.password]).toEqual(['root', '']);
    expect(`/${mariadb.environment.MARIADB_DATABASE}`).toBe(mysqlUrl.pathname);
    expect(mariadb.healthcheck.test).toEqual([
      'CMD',
      'mariadb-admin',
      'ping',
      '-h',
      '127.0.0.1',
      '-P',
      mysqlUrl.port,
      '-u',
      'root',
    ]);
  });

  it("is what the preflight's fixes tell people to start and export", async () => {
    const [pgFinding] = await checkPostgres('postgres://postgres@127.0.0.1:1/postgres');
    const [mysqlFinding] = await checkMysql('mysql://root@127.0.0.1:1/test');
    const up = /^#\s+(docker compose -f docker-compose\.test\.yml up -d --wait)$/m.exec(text)?.[1];
    expect(up).toBeDefined();
    expect(pgFinding?.fix).toContain(`\`${up}\``);
    expect(pgFinding?.fix).toContain(`TEST_PG_URL=${exported('TEST_PG_URL')}`);
    expect(mysqlFinding?.fix).toContain(`TEST_MYSQL_URL=${exported('TEST_MYSQL_URL')}`);
  });
});
