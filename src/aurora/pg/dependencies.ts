/**
 * Names of user objects that call Aurora ML functions indirectly: views,
 * materialized views and functions (LANGUAGE sql wrappers, BEGIN ATOMIC
 * bodies, PL/pgSQL). A statement naming one of them must go through the
 * evaluation loop even though it mentions no aws_* function itself.
 *
 * The emulator's own functions (aurora_ml_private and aurora_ml_cached: the
 * answer functions `sentiment`, `confidence`, ...) only run in statements the emulator
 * writes: counted as dependents, their names made every statement naming a
 * column `sentiment` take the evaluation loop's slow path.
 *
 * The recursive step names the class of what it follows (a view's rows in
 * pg_class, a function's in pg_proc): without it the planner's estimate of
 * the recursion ran past jit_above_cost once aws_ml had eight functions, and
 * JIT compiling the query made a database's first session 60-80 ms slower.
 */
import { BackendCode } from '../../wire/pg/codes.ts';
import type { Frame } from '../../wire/pg/framer.ts';
import { parseDataRow } from '../../wire/pg/messages.ts';
import { CACHED_SCHEMA, PRIVATE_SCHEMA } from './miss-channel.ts';

export const DEPENDENTS_QUERY = `WITH RECURSIVE
ml AS (
  SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname IN ('aws_comprehend', 'aws_sagemaker', 'aws_bedrock')
),
textual AS (
  SELECT p.oid FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname NOT IN ('aws_comprehend', 'aws_sagemaker', 'aws_bedrock', '${PRIVATE_SCHEMA}', '${CACHED_SCHEMA}', 'pg_catalog', 'information_schema')
    AND p.prosrc ~* 'aws_(comprehend|sagemaker|bedrock)'
),
dep(oid, kind) AS (
  SELECT oid, 'f'::text FROM ml UNION SELECT oid, 'f' FROM textual
  UNION
  SELECT DISTINCT CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::regclass THEN r.ev_class ELSE d.objid END,
         CASE WHEN d.classid = 'pg_catalog.pg_rewrite'::regclass THEN 'r' ELSE 'f' END
  FROM pg_catalog.pg_depend d
  JOIN dep ON d.refobjid = dep.oid
    AND d.refclassid = CASE dep.kind WHEN 'r' THEN 'pg_catalog.pg_class'::regclass ELSE 'pg_catalog.pg_proc'::regclass END
  LEFT JOIN pg_catalog.pg_rewrite r ON d.classid = 'pg_catalog.pg_rewrite'::regclass AND r.oid = d.objid
  WHERE d.classid IN ('pg_catalog.pg_rewrite'::regclass, 'pg_catalog.pg_proc'::regclass)
)
SELECT DISTINCT COALESCE(c.relname::text, p.proname::text)
FROM dep
LEFT JOIN pg_catalog.pg_class c ON dep.kind = 'r' AND c.oid = dep.oid
LEFT JOIN pg_catalog.pg_proc p ON dep.kind = 'f' AND p.oid = dep.oid
WHERE dep.oid NOT IN (SELECT oid FROM ml) AND COALESCE(c.relname, p.proname) IS NOT NULL`;

/** Per upstream database: the dependent names, refreshed after DDL. */
export class DependencyIndex {
  private readonly byDatabase = new Map<string, ReadonlySet<string>>();

  get(database: string): ReadonlySet<string> | undefined {
    return this.byDatabase.get(database);
  }

  update(database: string, frames: readonly Frame[]): void {
    const names = new Set<string>();
    for (const frame of frames) {
      if (frame.code !== BackendCode.DataRow) continue;
      const [name] = parseDataRow(frame.payload);
      if (name) names.add(name);
    }
    this.byDatabase.set(database, names);
  }
}
