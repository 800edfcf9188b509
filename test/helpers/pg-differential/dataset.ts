/**
 * The tables both databases get, with the same rows: `docs` (read-only input
 * for every case) and `results` (the one table cases write to, put back to a
 * known state before each case that writes). Texts are chosen to hit every
 * sentiment rule in twins.ts, NULLs, the empty string, and the characters
 * CSV must quote.
 */
import type { Rng } from './prng.ts';

export const TEXTS: readonly string[] = [
  'I love this product',
  'The box is blue',
  'Terrible support, never again',
  'Great value but slow delivery',
  'It arrived broken',
  'Excellent, "really" excellent',
  'The order number is 42',
  'Muy bueno',
  'Not great, not terrible',
  'ok',
  '',
  'I want a refund now',
  'A neutral note about shipping',
  'love it but the price',
  'AWFUL experience',
  'Could be better',
];

export interface Doc {
  readonly id: number;
  readonly body: string | null;
  readonly lang: string | null;
  readonly n: number | null;
  readonly grp: number;
}

export function makeDocs(rng: Rng): Doc[] {
  const count = rng.int(12, 40);
  const docs: Doc[] = [];
  for (let id = 1; id <= count; id++) {
    docs.push({
      id,
      body: rng.chance(0.08) ? null : rng.pick(TEXTS),
      lang: rng.weighted<string | null>([
        [14, 'en'],
        [2, 'es'],
        [2, 'fr'],
        [1, null],
      ]),
      n: rng.chance(0.1) ? null : rng.int(-3, 20),
      grp: rng.int(1, 4),
    });
  }
  return docs;
}

const lit = (v: string | number | null): string =>
  v === null ? 'NULL' : typeof v === 'number' ? String(v) : `'${v.replaceAll("'", "''")}'`;

/**
 * DDL and rows, the same text for both databases. Autovacuum stays off so
 * plans cannot drift apart between them. note(x) raises a NOTICE per call:
 * the client must get each exactly once, however often the emulator runs
 * the statement around it.
 */
export function schemaSql(docs: readonly Doc[]): string {
  const rows = docs.map((d) => `(${[d.id, d.body, d.lang, d.n, d.grp].map(lit).join(', ')})`).join(',\n  ');
  return `CREATE TABLE docs (id int PRIMARY KEY, body text, lang varchar(8), n int, grp int NOT NULL) WITH (autovacuum_enabled = false);
INSERT INTO docs VALUES
  ${rows};
CREATE TABLE results (id int PRIMARY KEY, sentiment varchar, confidence real) WITH (autovacuum_enabled = false);
CREATE FUNCTION note(x int) RETURNS int LANGUAGE plpgsql VOLATILE AS $$ BEGIN RAISE NOTICE 'note %', x; RETURN x; END $$;
ANALYZE docs;
ANALYZE results;`;
}

/** Puts `results` back to the state every writing case starts from. */
export const RESET_RESULTS = `DELETE FROM results; INSERT INTO results SELECT id, 'SEED', 0.5 FROM docs WHERE id % 3 = 0`;

/** Reads back what the writes of a case left (and, after its epilogue, what was committed). */
export const CHECK_RESULTS = 'SELECT id, sentiment, confidence FROM results ORDER BY id';
