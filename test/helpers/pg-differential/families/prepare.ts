/**
 * SQL-level prepared statements over ML statements: PREPARE [(types)] AS,
 * EXECUTE by simple Query and through Parse/Bind/Execute, EXPLAIN [ANALYZE]
 * EXECUTE (compared only for its shape: the plan names the emulator's
 * functions), DEALLOCATE [PREPARE] name and DEALLOCATE ALL, PREPARE twice,
 * EXECUTE of what is gone, and PREPARE inside a rolled-back transaction
 * (prepared statements are not transactional).
 */
import type { CaseBuilder, Draft } from '../case.ts';
import { type BindParam, msg } from '../protocol.ts';
import type { Stmt } from '../statements.ts';

function literal(p: BindParam): string {
  if (p.value === null) return 'NULL';
  if (p.type === 'int') return p.value.startsWith('-') ? `(${p.value})` : p.value;
  return `'${p.value.replaceAll("'", "''")}'`;
}

function executeSql(name: string, s: Stmt): string {
  return s.params.length === 0 ? `EXECUTE ${name}` : `EXECUTE ${name}(${s.params.map(literal).join(', ')})`;
}

interface Prepared {
  readonly name: string;
  readonly draft: Draft;
}

function prepareSql(b: CaseBuilder, p: Prepared): string {
  const s = p.draft.build(b.valueSeed());
  const types = s.params.length > 0 && b.rng.chance(0.6) ? ` (${s.params.map((x) => x.type).join(', ')})` : '';
  return `PREPARE ${p.name}${types} AS ${s.sql}`;
}

export function prepareCase(b: CaseBuilder): void {
  const prepared: Prepared[] = [];
  const newPrepared = (name: string): Prepared => {
    const p = {
      name,
      draft: b.draft({ statementsOnly: true, failing: b.rng.chance(0.05) ? undefined : false }, { mode: 'extended' }),
    };
    prepared.push(p);
    return p;
  };
  const first = newPrepared('q1');
  b.title(`PREPARE ${first.draft.template.name}`);
  if (b.rng.chance(0.2)) {
    b.title('PREPARE in a rolled-back transaction');
    b.round(msg.query('BEGIN'), msg.query(prepareSql(b, first)), msg.query('ROLLBACK'));
  } else {
    b.round(msg.query(prepareSql(b, first)));
  }
  const steps = b.rng.int(2, 6);
  for (let i = 0; i < steps; i++) {
    const p = b.rng.pick(prepared);
    const step = b.rng.weighted([
      [6, 'execute'],
      [2, 'execute twice in one text'],
      [2, 'execute through the extended protocol'],
      [2, 'explain'],
      [1, 'prepare another'],
      [1, 'prepare again'],
      [1, 'deallocate'],
      [1, 'pg_prepared_statements'],
    ] as const);
    switch (step) {
      case 'execute': {
        const s = p.draft.build(b.valueSeed());
        b.round(msg.query(executeSql(p.name, s), [s.ordered]));
        break;
      }
      case 'execute twice in one text': {
        const s = p.draft.build(b.valueSeed());
        const t = p.draft.build(b.valueSeed());
        b.round(msg.query(`${executeSql(p.name, s)}; ${executeSql(p.name, t)}`, [s.ordered, t.ordered]));
        break;
      }
      case 'execute through the extended protocol': {
        b.title('EXECUTE with $n parameters');
        const s = p.draft.build(b.valueSeed());
        const refs = s.params.map((_p, k) => `$${k + 1}`).join(', ');
        const sql = s.params.length === 0 ? `EXECUTE ${p.name}` : `EXECUTE ${p.name}(${refs})`;
        b.round(msg.parse('', sql, s.ordered), msg.bind('', '', s.params), msg.describe('P', ''), msg.execute(''), msg.sync());
        break;
      }
      case 'explain': {
        const s = p.draft.build(b.valueSeed());
        const analyze = !s.writes && b.rng.chance(0.4);
        const head = b.rng.pick([analyze ? 'EXPLAIN ANALYZE' : 'EXPLAIN', 'EXPLAIN (COSTS OFF)']);
        b.title(head);
        b.round(msg.query(`${head} ${executeSql(p.name, s)}`, [true], [true]));
        break;
      }
      case 'prepare another':
        b.round(msg.query(prepareSql(b, newPrepared(prepared.some((x) => x.name === 'q2') ? 'q3' : 'q2'))));
        break;
      case 'prepare again':
        b.title('PREPARE twice');
        b.round(msg.query(prepareSql(b, p)));
        break;
      case 'deallocate': {
        const how = b.rng.pick([`DEALLOCATE ${p.name}`, `DEALLOCATE PREPARE ${p.name}`, 'DEALLOCATE ALL']);
        b.title(how.replace(p.name, 'name'));
        b.round(msg.query(how));
        break;
      }
      case 'pg_prepared_statements':
        b.title('pg_prepared_statements');
        b.round(msg.query('SELECT name, parameter_types::text, from_sql FROM pg_prepared_statements ORDER BY name', [true]));
        break;
    }
  }
}
