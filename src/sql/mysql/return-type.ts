/**
 * A routine's RETURNS type reduced to the base type name that Aurora's rules
 * are written against (synonyms folded: INTEGER is int, NUMERIC is decimal,
 * NATIONAL VARCHAR is varchar, LONG is mediumtext...).
 */

export interface ReturnType {
  /** The type as written, e.g. `varchar(2048) CHARSET utf8mb4`. */
  readonly type: string;
  /** Lower-cased base type name, synonyms folded: 'varchar', 'int', 'double', 'json', 'blob', 'text', 'date', 'bit', 'decimal'... */
  readonly base: string;
}

const SYNONYMS: Readonly<Record<string, string>> = {
  integer: 'int',
  int4: 'int',
  int1: 'tinyint',
  int2: 'smallint',
  int3: 'mediumint',
  middleint: 'mediumint',
  int8: 'bigint',
  bool: 'tinyint',
  boolean: 'tinyint',
  dec: 'decimal',
  numeric: 'decimal',
  fixed: 'decimal',
  real: 'double',
  float8: 'double',
  float4: 'float',
  character: 'char',
  nchar: 'char',
  nvarchar: 'varchar',
  varcharacter: 'varchar',
};

export function parseReturnType(type: string): ReturnType {
  const words = type.toLowerCase().match(/[a-z_][a-z0-9_]*/g) ?? [];
  let [w0 = '', w1 = ''] = words;
  if (w0 === 'national') [w0 = '', w1 = ''] = words.slice(1);
  if (w0 === 'long') return { type, base: w1 === 'varbinary' ? 'mediumblob' : 'mediumtext' };
  const base = SYNONYMS[w0] ?? w0;
  if ((base === 'char' || base === 'nchar') && w1 === 'varying') return { type, base: 'varchar' };
  return { type, base };
}
