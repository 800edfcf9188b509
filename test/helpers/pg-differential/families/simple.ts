/**
 * Simple-protocol Query messages: one statement, several in one text (an
 * implicit transaction: an error in the middle undoes the statements before
 * it and skips the rest), and BEGIN ... COMMIT/ROLLBACK inside one text.
 */
import type { CaseBuilder } from '../case.ts';
import { CHECK_RESULTS } from '../dataset.ts';
import type { Stmt } from '../statements.ts';

const SIMPLE = { mode: 'simple' } as const;

export function simpleCase(b: CaseBuilder): void {
  const rounds = b.rng.int(1, 3);
  for (let r = 0; r < rounds; r++) {
    const shape = b.rng.weighted([
      [5, 'single'],
      [4, 'multi'],
      [2, 'transaction-in-text'],
    ] as const);
    if (shape === 'single') {
      const s = b.stmt({}, SIMPLE);
      b.title(s.template);
      b.query(s);
      continue;
    }
    const count = b.rng.int(2, 4);
    const built = Array.from({ length: count }, () =>
      // Failures stay rare, so that what follows them is usually run.
      b.stmt({ statementsOnly: true, failing: b.rng.chance(0.15) ? undefined : false }, SIMPLE),
    );
    b.title(`${shape}: ${built.map((s) => s.template).join(', ')}`);
    const stmts: Pick<Stmt, 'sql' | 'ordered'>[] = built;
    if (shape === 'multi') {
      if (b.rng.chance(0.3)) stmts.push({ sql: CHECK_RESULTS, ordered: true });
      b.query(...stmts);
    } else {
      const end = b.rng.pick(['COMMIT', 'ROLLBACK']);
      b.query({ sql: 'BEGIN', ordered: true }, ...stmts, { sql: CHECK_RESULTS, ordered: true }, { sql: end, ordered: true });
    }
  }
}
