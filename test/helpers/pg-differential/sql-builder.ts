/**
 * Builds one statement's text and values for either protocol: in the simple
 * protocol values are literals in the text; in the extended protocol they
 * become $n parameters (declared in Parse or left to the server, sent as
 * text or binary). Structure decisions come from one generator and values
 * from another, so the same statement can be rebuilt with other values (a
 * batch of Bind/Execute of one Parse) and keep its text.
 */
import type { Rng } from './prng.ts';
import { type BindParam, OID, type ParamType } from './protocol.ts';

export type Mode = 'simple' | 'extended';

export interface BuildOptions {
  readonly mode: Mode;
  /** Declare parameter types in Parse (extended only); else the server infers them. */
  readonly declareTypes?: boolean;
  /** Send parameters in binary (extended only). */
  readonly binaryParams?: boolean;
  /** Always ORDER BY a unique key (for cursors and row limits, whose chunks depend on the order). */
  readonly ordered?: boolean;
}

const quote = (s: string): string => `'${s.replaceAll("'", "''")}'`;

export class SqlBuilder {
  readonly params: BindParam[] = [];
  readonly paramTypes: number[] = [];

  constructor(
    /** Decides the statement's shape. */
    readonly rng: Rng,
    /** Decides the values; swapped to rebuild the same statement with other values. */
    readonly values: Rng,
    readonly options: BuildOptions,
  ) {}

  get mode(): Mode {
    return this.options.mode;
  }

  /**
   * A value in a place whose type the statement fixes (a function argument,
   * a comparison with a column): a bare literal or $n.
   */
  arg(value: string | number | null, type: ParamType): string {
    return this.slot(value, type, false);
  }

  /** A value that must carry its own type (select list, invoke_endpoint's model inputs). */
  typed(value: string | number | null, type: ParamType): string {
    return this.slot(value, type, true);
  }

  private slot(value: string | number | null, type: ParamType, cast: boolean): string {
    const text = value === null ? null : String(value);
    if (this.mode === 'simple') {
      // A negative number in parentheses: "x - -3" must never become "x --3", a comment.
      const literal = text === null ? 'NULL' : type === 'int' ? (text.startsWith('-') ? `(${text})` : text) : quote(text);
      return cast || text === null ? `${literal}::${type}` : literal;
    }
    this.params.push({ value: text, type, format: this.options.binaryParams ? 1 : 0 });
    // The structure generator decides, so a rebuild with other values declares the same types.
    this.paramTypes.push(this.options.declareTypes && this.rng.chance(0.7) ? (type === 'int' ? OID.int4 : OID.text) : 0);
    const ref = `$${this.params.length}`;
    return cast ? `${ref}::${type}` : ref;
  }
}
