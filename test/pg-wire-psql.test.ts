/**
 * The psql CLI through the PostgreSQL wire front: -c, ON_ERROR_STOP, the
 * \d family of meta-commands and a script on stdin.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulatorForSuite } from './helpers/emulator.ts';
import { runPsql } from './helpers/pg-raw.ts';

describe('through the emulator (trust upstream)', () => {
  const env = startTestEmulatorForSuite();

  describe('psql CLI', () => {
    let target: string;
    beforeAll(async () => {
      target = `host=127.0.0.1 port=${env.port} user=postgres dbname=${env.database}`;
      const c = await env.client();
      await c.query('CREATE TABLE psql_meta (id int PRIMARY KEY, title text NOT NULL, created timestamptz DEFAULT now())');
      await c.query('CREATE INDEX psql_meta_title ON psql_meta (title)');
    });

    it('-c with one statement and with several', async () => {
      const one = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', 'select 1']);
      expect(one).toEqual({ code: 0, stdout: '1\n', stderr: '' });
      const two = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', 'select 1; select 2']);
      expect(two.code).toBe(0);
      expect(two.stdout.trim().split('\n')).toEqual(['1', '2']);
    });

    it('an error with ON_ERROR_STOP exits 1 with the server message', async () => {
      const r = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-c', 'select 1/0']);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/division by zero/);
    });

    it('\\d, \\dt, \\di and \\dx meta-commands', async () => {
      const d = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-c', '\\d psql_meta']);
      expect(d.code).toBe(0);
      expect(d.stdout).toMatch(/Table "public\.psql_meta"/);
      expect(d.stdout).toMatch(/title\s*\|\s*text/);
      expect(d.stdout).toMatch(/"psql_meta_pkey" PRIMARY KEY, btree \(id\)/);
      expect(d.stdout).toMatch(/"psql_meta_title" btree \(title\)/);
      const dt = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', '\\dt psql_meta']);
      expect(dt.stdout.trim()).toBe('public|psql_meta|table|postgres');
      const di = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', '\\di psql_meta*']);
      expect(di.stdout.trim().split('\n').sort()).toEqual([
        'public|psql_meta_pkey|index|postgres|psql_meta',
        'public|psql_meta_title|index|postgres|psql_meta',
      ]);
      const dx = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-At', '-c', '\\dx']);
      expect(dx.code).toBe(0);
      expect(dx.stdout).toMatch(/^plpgsql\|/m);
    });

    it('a script on stdin with a transaction, \\gset and \\echo', async () => {
      const script = [
        'BEGIN;',
        'CREATE TABLE psql_script (v int);',
        'INSERT INTO psql_script SELECT generate_series(1, 10);',
        'COMMIT;',
        'SELECT sum(v) AS total FROM psql_script \\gset',
        '\\echo total=:total',
      ].join('\n');
      const r = await runPsql([target, '-v', 'ON_ERROR_STOP=1', '-q'], { input: script });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe('total=55');
    });
  });
});
