/**
 * Extended-protocol pipelines: the shapes drivers send (a batch of
 * Bind/Execute pairs of one Parse, a statement parsed in one round trip and
 * bound in the next, pg-cursor's Execute-with-limit-then-Flush, a portal
 * suspended across Syncs inside a transaction, an error mid-pipeline) and
 * random mixes of Parse, Bind, Describe, Execute, Close, Flush and Sync.
 */
import { bindOf, type CaseBuilder, type Draft, PORTAL_NAMES, parseOf, STATEMENT_NAMES } from '../case.ts';
import { type FrontendMsg, msg } from '../protocol.ts';
import type { Stmt } from '../statements.ts';

function options(b: CaseBuilder): Draft['options'] {
  return { mode: 'extended', declareTypes: b.rng.chance(0.5), binaryParams: b.rng.chance(0.2) };
}

/** Several Bind/Execute of one statement with different values inside one Sync (JDBC executeBatch, executemany). */
function batch(b: CaseBuilder): void {
  const draft = b.draft({ failing: false, statementsOnly: true }, options(b));
  const name = b.rng.pick(['', 's1']);
  const first = draft.build(b.valueSeed());
  const out: FrontendMsg[] = [parseOf(name, first)];
  if (b.rng.chance(0.3)) out.push(msg.describe('S', name));
  const count = b.rng.int(2, 5);
  const interleave = b.rng.chance(0.25);
  b.title(`batch of ${count}${interleave ? ' on two portals' : ''}: ${draft.template.name}`);
  for (let i = 0; i < count; i++) {
    const s = i === 0 ? first : draft.build(b.valueSeed());
    if (interleave && i + 1 < count) {
      const t = draft.build(b.valueSeed());
      out.push(bindOf('p1', name, s), bindOf('p2', name, t), msg.execute('p2'), msg.execute('p1'));
      i++;
      continue;
    }
    out.push(bindOf('', name, s, b.resultFormats()));
    if (b.rng.chance(0.4)) out.push(msg.describe('P', ''));
    out.push(msg.execute(''));
  }
  b.round(...out, msg.sync());
}

/** Parse (+ Describe) in one round trip, Bind/Execute in later ones: postgres.js prepare:false, lib/pq, asyncpg without cache. */
function acrossRoundTrips(b: CaseBuilder): void {
  const draft = b.draft({ failing: false, statementsOnly: true }, options(b));
  const name = b.rng.pick(['', '', 's1']);
  b.title(`parse then bind in a later round trip (${name === '' ? 'unnamed' : 'named'}): ${draft.template.name}`);
  const first = draft.build(b.valueSeed());
  b.round(parseOf(name, first), msg.describe('S', name), msg.sync());
  const binds = b.rng.int(1, 3);
  for (let i = 0; i < binds; i++) {
    const s = i === 0 ? first : draft.build(b.valueSeed());
    b.round(
      bindOf('', name, s, b.resultFormats()),
      ...(b.rng.chance(0.5) ? [msg.describe('P', '')] : []),
      msg.execute(''),
      msg.sync(),
    );
  }
}

/**
 * pg-cursor: Execute with a row limit, then Flush and wait, again until
 * done, then Close and Sync. After an error it sends Sync at once, and its
 * Close later goes without a Sync of its own, in front of the next query.
 */
function cursorChunks(b: CaseBuilder): void {
  const failing = b.rng.chance(0.15);
  const s = b.stmt({ walkable: true, failing }, options(b));
  const limit = b.rng.int(1, 4);
  b.title(`Execute ${limit} rows at a time with Flush${failing ? ', failing' : ''}: ${s.template}`);
  b.round(parseOf('', s), bindOf('', '', s, b.resultFormats()), msg.describe('P', ''), msg.execute('', limit), msg.flush());
  if (failing) {
    b.round(msg.sync());
    const next = b.stmt({ failing: false, statementsOnly: true }, { mode: 'simple' });
    b.round(msg.close('P', ''), msg.query(next.sql, [next.ordered]));
    return;
  }
  const more = b.rng.int(1, 4);
  for (let i = 0; i < more; i++) b.round(msg.execute('', limit), msg.flush());
  b.round(...(b.rng.chance(0.5) ? [msg.close('P', '')] : []), msg.sync());
}

/** A portal suspended by a row limit, continued after Syncs inside a transaction. */
function suspendedInTransaction(b: CaseBuilder): void {
  const s = b.stmt({ walkable: true }, options(b));
  const limit = b.rng.int(1, 3);
  b.title(`portal suspended across Syncs in a transaction: ${s.template}`);
  b.round(msg.query('BEGIN'));
  b.round(parseOf('s1', s), bindOf('p1', 's1', s, b.resultFormats()), msg.execute('p1', limit), msg.sync());
  const more = b.rng.int(1, 2);
  for (let i = 0; i < more; i++) b.round(msg.execute('p1', limit), msg.sync());
  b.round(msg.execute('p1'), msg.close('P', 'p1'), msg.sync());
  b.round(msg.query(b.rng.pick(['COMMIT', 'ROLLBACK'])));
}

/** An error in the middle of a pipeline: the rest is skipped until Sync, then all works again. */
function errorMidPipeline(b: CaseBuilder): void {
  const draft = b.draft({ failing: false, statementsOnly: true }, options(b));
  const good = draft.build(b.valueSeed());
  const kind = b.rng.pick(['failing statement', 'unknown statement', 'unknown portal', 'wrong parameter count'] as const);
  b.title(`error mid-pipeline (${kind}) around ${draft.template.name}`);
  const out: FrontendMsg[] = [parseOf('s1', good), bindOf('', 's1', good), msg.execute('')];
  switch (kind) {
    case 'failing statement': {
      const bad = b.stmt({ failing: true }, options(b));
      out.push(parseOf('', bad), bindOf('', '', bad), msg.execute(''));
      break;
    }
    case 'unknown statement':
      out.push(msg.bind('', 's3', []), msg.execute(''));
      break;
    case 'unknown portal':
      out.push(msg.execute('p2'));
      break;
    case 'wrong parameter count':
      out.push(msg.bind('', 's1', [...good.params, { value: '1', type: 'int', format: 0 }]), msg.execute(''));
      break;
  }
  const again = draft.build(b.valueSeed());
  out.push(bindOf('', 's1', again), msg.execute(''), msg.sync());
  b.round(...out);
  b.round(bindOf('', 's1', again), msg.execute(''), msg.sync());
}

/** A simple Query between Parse and Bind: named statements survive it, the unnamed one does not. */
function queryInBetween(b: CaseBuilder): void {
  const draft = b.draft({ failing: false, statementsOnly: true }, options(b));
  const name = b.rng.pick(['', 's2']);
  b.title(`simple Query between Parse and Bind (${name === '' ? 'unnamed' : 'named'}): ${draft.template.name}`);
  const s = draft.build(b.valueSeed());
  b.round(parseOf(name, s), msg.sync());
  b.round(msg.query(b.stmt({ failing: false, statementsOnly: true }, { mode: 'simple' }).sql, [false]));
  b.round(bindOf('', name, draft.build(b.valueSeed())), msg.execute(''), msg.sync());
}

interface Model {
  readonly statements: Map<string, Draft>;
  readonly portals: Map<string, Stmt>;
}

/** Any mix of messages over a few names; rounds end after some Syncs and Flushes. */
function randomPipeline(b: CaseBuilder): void {
  b.title('random pipeline');
  const model: Model = { statements: new Map(), portals: new Map() };
  const opts = options(b);
  let current: FrontendMsg[] = [];
  const end = () => {
    b.round(...current);
    current = [];
  };
  const ops = b.rng.int(4, 14);
  for (let i = 0; i < ops; i++) {
    const op = b.rng.weighted([
      [3, 'parse'],
      [3, 'bind'],
      [1, 'describe'],
      [3, 'execute'],
      [1, 'close'],
      [0.5, 'flush'],
      [1, 'sync'],
      [0.4, 'query'],
    ] as const);
    const statementNames = [...model.statements.keys()];
    const portalNames = [...model.portals.keys()];
    switch (op) {
      case 'parse': {
        const name = b.rng.pick(['', ...STATEMENT_NAMES.slice(0, 2)]);
        const draft = b.draft({ failing: b.rng.chance(0.1) ? undefined : false }, opts);
        model.statements.set(name, draft);
        current.push(parseOf(name, draft.build(b.valueSeed())));
        break;
      }
      case 'bind': {
        const name = statementNames.length > 0 && b.rng.chance(0.95) ? b.rng.pick(statementNames) : 's3';
        const portal = b.rng.pick(['', ...PORTAL_NAMES]);
        const draft = model.statements.get(name);
        const s = draft?.build(b.valueSeed());
        if (s) model.portals.set(portal, s);
        current.push(bindOf(portal, name, s ?? { params: [] }, b.resultFormats()));
        break;
      }
      case 'describe':
        if (b.rng.chance(0.5) && statementNames.length > 0) current.push(msg.describe('S', b.rng.pick(statementNames)));
        else current.push(msg.describe('P', portalNames.length > 0 ? b.rng.pick(portalNames) : 'p2'));
        break;
      case 'execute': {
        const portal = portalNames.length > 0 && b.rng.chance(0.95) ? b.rng.pick(portalNames) : 'p2';
        const s = model.portals.get(portal);
        // A row limit only where the order of the rows is defined.
        const limit = s?.ordered ? b.rng.pick([0, 0, 1, 2, 3]) : 0;
        current.push(msg.execute(portal, limit));
        break;
      }
      case 'close': {
        const target = b.rng.pick(['S', 'P'] as const);
        const names = target === 'S' ? statementNames : portalNames;
        const name = names.length > 0 ? b.rng.pick(names) : 'p1';
        if (target === 'S') model.statements.delete(name);
        else model.portals.delete(name);
        current.push(msg.close(target, name));
        break;
      }
      case 'flush':
        current.push(msg.flush());
        if (b.rng.chance(0.3)) end();
        break;
      case 'query': {
        // A simple Query with no Sync before it: PostgreSQL runs it (unless skipping after an
        // error), and it ends the implicit transaction and the unnamed statement and portal.
        const q = b.stmt({ failing: false, statementsOnly: true }, { mode: 'simple' });
        current.push(msg.query(q.sql, [q.ordered]));
        model.portals.clear();
        model.statements.delete('');
        end();
        break;
      }
      case 'sync':
        current.push(msg.sync());
        // Outside a transaction, Sync ends the implicit one and with it every portal.
        model.portals.clear();
        if (b.rng.chance(0.5)) end();
        break;
    }
  }
  current.push(msg.sync());
  end();
}

export function extendedCase(b: CaseBuilder): void {
  const pattern = b.rng.weighted([
    [3, batch],
    [2, acrossRoundTrips],
    [2, cursorChunks],
    [1, suspendedInTransaction],
    [2, errorMidPipeline],
    [1, queryInBetween],
    [4, randomPipeline],
  ] as const);
  pattern(b);
}
