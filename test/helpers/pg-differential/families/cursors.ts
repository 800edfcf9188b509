/**
 * SQL cursors over ML statements: DECLARE [BINARY] [SCROLL | NO SCROLL]
 * CURSOR [WITH HOLD | WITHOUT HOLD], FETCH and MOVE in every direction
 * (backwards only where SCROLL makes it defined: without either keyword
 * PostgreSQL decides from the plan), CLOSE and CLOSE ALL, in transactions
 * and WITH HOLD in autocommit, by simple Query and by the extended protocol
 * (psycopg 3 declares its named cursors with parameters that way).
 */
import { bindOf, type CaseBuilder } from '../case.ts';
import { type FrontendMsg, msg } from '../protocol.ts';

type Scroll = '' | 'SCROLL' | 'NO SCROLL';

const FORWARD = ['NEXT', '', 'FORWARD', 'FORWARD #', '#', 'ALL', 'FORWARD ALL', 'RELATIVE +#'];
// Count 0 re-fetches the current row, which steps back one row first.
const ANY_DIRECTION = [
  ...FORWARD,
  'FORWARD 0',
  '0',
  'PRIOR',
  'FIRST',
  'LAST',
  'ABSOLUTE ±#',
  'RELATIVE ±#',
  'RELATIVE 0',
  'BACKWARD',
  'BACKWARD #',
  'BACKWARD ALL',
  '-#',
];

function direction(b: CaseBuilder, scroll: Scroll): string {
  // A NO SCROLL cursor sometimes goes backwards on purpose: PostgreSQL refuses (55000).
  const list = scroll === 'SCROLL' || (scroll === 'NO SCROLL' && b.rng.chance(0.15)) ? ANY_DIRECTION : FORWARD;
  return b.rng
    .pick(list)
    .replace('±#', String(b.rng.int(-6, 42)))
    .replace('+#', String(b.rng.int(1, 5)))
    .replace('#', String(b.rng.int(1, 6)));
}

function fetchCommand(b: CaseBuilder, cursor: string, scroll: Scroll): string {
  const verb = b.rng.chance(0.7) ? 'FETCH' : 'MOVE';
  const dir = direction(b, scroll);
  const from = b.rng.pick(['FROM ', 'IN ', dir === '' ? '' : 'FROM ']);
  return `${verb} ${dir}${dir === '' ? '' : ' '}${from}${cursor}`;
}

/** One or two FETCH/MOVE commands: in one Query text, or one through Parse/Bind/Execute (with a row limit, sometimes). */
function fetchRound(b: CaseBuilder, cursor: string, scroll: Scroll): FrontendMsg[] {
  if (b.rng.chance(0.25)) {
    const sql = fetchCommand(b, cursor, scroll);
    const limit = b.rng.pick([0, 0, 1, 2]);
    const executes = limit > 0 ? [msg.execute('', limit), msg.execute('')] : [msg.execute('')];
    return [msg.parse('', sql, true), msg.bind('', '', [], b.resultFormats()), msg.describe('P', ''), ...executes, msg.sync()];
  }
  const count = b.rng.int(1, 2);
  const sqls = Array.from({ length: count }, () => fetchCommand(b, cursor, scroll));
  return [
    msg.query(
      sqls.join('; '),
      sqls.map(() => true),
    ),
  ];
}

export function cursorCase(b: CaseBuilder): void {
  const binary = b.rng.chance(0.2);
  const scroll = b.rng.weighted<Scroll>([
    [3, ''],
    [3, 'SCROLL'],
    [1, 'NO SCROLL'],
  ]);
  const hold = b.rng.weighted([
    [3, ''],
    [3, 'WITH HOLD'],
    [1, 'WITHOUT HOLD'],
  ] as const);
  // WITH HOLD cursors mostly in autocommit; a few others without a transaction too (an error: 25P01).
  const inTransaction = hold === 'WITH HOLD' ? b.rng.chance(0.4) : !b.rng.chance(0.05);
  // A few cursors over queries that fail on a later row (without ML: see Template.mlFailsOnLaterRow).
  const failing = b.rng.chance(0.06);
  const viaExtended = b.rng.chance(0.3);
  const s = b.stmt({ walkable: true, failing, noLateMlFailure: true }, viaExtended ? { mode: 'extended' } : { mode: 'simple' });
  const declare = `DECLARE c1 ${binary ? 'BINARY ' : ''}${scroll === '' ? '' : `${scroll} `}CURSOR ${hold === '' ? '' : `${hold} `}FOR ${s.sql}`;
  b.title(`${inTransaction ? 'in a transaction' : 'autocommit'}: ${declare.slice(0, declare.indexOf(' FOR '))} (${s.template})`);
  if (inTransaction) b.round(msg.query('BEGIN'));
  if (viaExtended) b.round(msg.parse('', declare, true, s.paramTypes), bindOf('', '', s), msg.execute(''), msg.sync());
  else b.round(msg.query(declare, [true]));
  const second = b.rng.chance(0.2);
  if (second)
    b.round(
      msg.query(
        `DECLARE c2 SCROLL CURSOR ${inTransaction ? '' : 'WITH HOLD '}FOR ${s.sql.includes('$') ? 'SELECT id FROM docs ORDER BY id' : s.sql}`,
        [true],
      ),
    );
  const fetches = b.rng.int(2, 6);
  for (let i = 0; i < fetches; i++) {
    const cursor = second && b.rng.chance(0.4) ? 'c2' : 'c1';
    b.round(...fetchRound(b, cursor, cursor === 'c2' ? 'SCROLL' : scroll));
  }
  if (inTransaction) {
    const end = b.rng.pick(['COMMIT', 'ROLLBACK', 'CLOSE c1; COMMIT', 'CLOSE ALL; COMMIT']);
    b.round(msg.query(end, [true, true]));
    if (hold === 'WITH HOLD' && end === 'COMMIT') {
      b.title('fetched after COMMIT');
      for (let i = b.rng.int(1, 3); i > 0; i--) b.round(...fetchRound(b, 'c1', scroll));
    }
  }
  b.round(msg.query(b.rng.pick(['CLOSE c1', 'CLOSE ALL']), [true]));
}
