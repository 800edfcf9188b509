/**
 * The Query protocol's request: `application/x-www-form-urlencoded` pairs
 * (POST body and/or URL query string), read through typed accessors. Lists
 * arrive flattened as the SDKs send them: `RoleNames.member.1=...` for IAM,
 * `Parameters.Parameter.1.ParameterName=...` for RDS.
 */
import { AwsError } from '../aws-error.ts';

/** How a service words a missing or ill-typed parameter (IAM and RDS differ). */
export interface ParameterErrors {
  missing(name: string): AwsError;
  invalid(name: string, value: string, expected: string): AwsError;
}

/** Decodes form pairs; a broken %-escape is AWS's MalformedQueryString. */
export function parseForm(text: string): Map<string, string> {
  const out = new Map<string, string>();
  if (text === '') return out;
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawValue = eq < 0 ? '' : pair.slice(eq + 1);
    try {
      out.set(decode(rawKey), decode(rawValue));
    } catch {
      throw new AwsError('MalformedQueryString', `Malformed query string: cannot decode "${rawKey.slice(0, 64)}"`, 404);
    }
  }
  return out;
}

function decode(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

export class QueryParams {
  constructor(
    private readonly values: ReadonlyMap<string, string>,
    private readonly errors: ParameterErrors,
    /** Prefix of a structure inside a list, for error messages. */
    private readonly prefix = '',
  ) {}

  has(name: string): boolean {
    return this.values.has(name);
  }

  optional(name: string): string | undefined {
    return this.values.get(name);
  }

  required(name: string): string {
    const value = this.values.get(name);
    if (value === undefined) throw this.errors.missing(this.prefix + name);
    return value;
  }

  int(name: string): number | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    if (!/^-?\d+$/.test(value)) throw this.errors.invalid(this.prefix + name, value, 'an integer');
    return Number(value);
  }

  bool(name: string): boolean | undefined {
    const value = this.values.get(name);
    if (value === undefined) return undefined;
    const lower = value.toLowerCase();
    if (lower !== 'true' && lower !== 'false') throw this.errors.invalid(this.prefix + name, value, 'true or false');
    return lower === 'true';
  }

  /** `Name.member.1`, `Name.member.2`, ... up to the first gap. */
  strings(name: string, memberName = 'member'): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const value = this.values.get(`${name}.${memberName}.${i}`);
      if (value === undefined) return out;
      out.push(value);
    }
  }

  /** `Name.Member.1.Field=...`: one QueryParams per structure, up to the first gap. */
  structures(name: string, memberName: string): QueryParams[] {
    const out: QueryParams[] = [];
    for (let i = 1; ; i++) {
      const head = `${name}.${memberName}.${i}.`;
      const inner = new Map<string, string>();
      for (const [key, value] of this.values) if (key.startsWith(head)) inner.set(key.slice(head.length), value);
      if (inner.size === 0) return out;
      out.push(new QueryParams(inner, this.errors, `${this.prefix}${head}`));
    }
  }
}
