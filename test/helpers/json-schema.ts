/**
 * A JSON Schema validator for the subset src/api/openapi.ts uses ($ref into
 * the document, type, properties, required, additionalProperties, items,
 * enum, const, oneOf, minimum, maximum). A keyword outside the subset throws,
 * so a schema cannot pass here only because a keyword was ignored.
 */
import { isDeepStrictEqual } from 'node:util';

const KNOWN = new Set([
  '$ref',
  'type',
  'description',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'enum',
  'const',
  'oneOf',
  'minimum',
  'maximum',
]);

type Schema = Record<string, unknown>;

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function hasType(value: unknown, type: string): boolean {
  if (type === 'integer') return Number.isInteger(value);
  return typeOf(value) === type;
}

function resolve(root: unknown, pointer: string): Schema {
  if (!pointer.startsWith('#/')) throw new Error(`only local $ref is supported, got ${pointer}`);
  let at: unknown = root;
  for (const part of pointer.slice(2).split('/')) at = (at as Record<string, unknown> | undefined)?.[part];
  if (typeof at !== 'object' || at === null) throw new Error(`$ref ${pointer} points at nothing`);
  return at as Schema;
}

/** The ways `value` breaks `schema` (empty when it conforms); `root` is what $ref pointers resolve in. */
export function schemaErrors(schema: Schema, value: unknown, root: unknown, where = '$'): string[] {
  for (const key of Object.keys(schema)) if (!KNOWN.has(key)) throw new Error(`${where}: unsupported keyword ${key}`);
  if (typeof schema.$ref === 'string') return schemaErrors(resolve(root, schema.$ref), value, root, where);
  const errors: string[] = [];
  if (typeof schema.type === 'string' && !hasType(value, schema.type))
    return [`${where}: expected ${schema.type}, got ${typeOf(value)}`];
  if ('const' in schema && !isDeepStrictEqual(value, schema.const))
    errors.push(`${where}: expected ${JSON.stringify(schema.const)}, got ${JSON.stringify(value)}`);
  if (Array.isArray(schema.enum) && !schema.enum.some((e) => isDeepStrictEqual(e, value)))
    errors.push(`${where}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  if (typeof value === 'number') {
    if (typeof schema.minimum === 'number' && value < schema.minimum) errors.push(`${where}: below ${schema.minimum}`);
    if (typeof schema.maximum === 'number' && value > schema.maximum) errors.push(`${where}: above ${schema.maximum}`);
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = schema.oneOf.filter((s) => schemaErrors(s as Schema, value, root, where).length === 0).length;
    if (matching !== 1) errors.push(`${where}: matches ${matching} of oneOf's ${schema.oneOf.length} schemas, not exactly one`);
  }
  if (Array.isArray(value) && schema.items !== undefined)
    value.forEach((item, i) => {
      errors.push(...schemaErrors(schema.items as Schema, item, root, `${where}[${i}]`));
    });
  if (typeOf(value) === 'object') {
    const o = value as Record<string, unknown>;
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const name of (schema.required ?? []) as string[]) if (!(name in o)) errors.push(`${where}: missing ${name}`);
    for (const [name, v] of Object.entries(o)) {
      const at = `${where}.${name}`;
      if (Object.hasOwn(properties, name)) errors.push(...schemaErrors(properties[name] as Schema, v, root, at));
      else if (schema.additionalProperties === false) errors.push(`${at}: not allowed`);
      else if (typeof schema.additionalProperties === 'object')
        errors.push(...schemaErrors(schema.additionalProperties as Schema, v, root, at));
    }
  }
  return errors;
}
