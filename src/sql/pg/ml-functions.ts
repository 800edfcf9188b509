/**
 * The look-up the call finder does per name, over the functions of the
 * registry (src/functions/registry.ts) by canonical 'schema.function' name.
 */
import { ML_FUNCTIONS, type MlFunction } from '../../functions/registry.ts';

/** Canonical 'schema.function' name. */
export type MlFunctionName = MlFunction;

/** schema -> function -> canonical name. */
const BY_SCHEMA: ReadonlyMap<string, ReadonlyMap<string, MlFunctionName>> = (() => {
  const map = new Map<string, Map<string, MlFunctionName>>();
  for (const fn of ML_FUNCTIONS) {
    const [schema = '', name = ''] = fn.split('.');
    const inner = map.get(schema) ?? new Map<string, MlFunctionName>();
    inner.set(name, fn);
    map.set(schema, inner);
  }
  return map;
})();

/** The ML function named by already-folded schema and function names, if any. */
export function mlFunctionNamed(schema: string, name: string): MlFunctionName | undefined {
  return BY_SCHEMA.get(schema)?.get(name);
}
