/**
 * The Condition element: operators, the `...IfExists` suffix, the
 * `ForAnyValue:` / `ForAllValues:` set qualifiers, and how IAM combines them.
 * Within one operator block every key must hold (AND); a key's policy values
 * are alternatives (OR), except that a negated operator needs the request
 * value to match none of them.
 */
import { ipv4InBlock } from './ipv4.ts';
import { arnMatches, matchesWildcard } from './wildcard.ts';

/**
 * Compares one request value with one policy value. `undefined` means the two
 * cannot be compared (a non-number under NumericEquals): that is never a match
 * and never a "not a match" either, so negated operators stay false too.
 */
type Comparison = (requestValue: string, policyValue: string) => boolean | undefined;

interface BaseOperator {
  readonly compare: Comparison;
  /** StringNotEquals and friends: true when the value matches none of the policy values. */
  readonly negated: boolean;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function parseNumber(text: string): number | undefined {
  return NUMBER.test(text.trim()) ? Number(text) : undefined;
}

/** IAM accepts ISO 8601 dates and times, or epoch seconds. */
function parseDate(text: string): number | undefined {
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function parseBool(text: string): boolean | undefined {
  const lower = text.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}

function ordered(parse: (text: string) => number | undefined, test: (request: number, policy: number) => boolean): Comparison {
  return (requestValue, policyValue) => {
    const request = parse(requestValue);
    const policy = parse(policyValue);
    return request === undefined || policy === undefined ? undefined : test(request, policy);
  };
}

const stringEquals: Comparison = (r, p) => r === p;
const stringEqualsIgnoreCase: Comparison = (r, p) => r.toLowerCase() === p.toLowerCase();
const stringLike: Comparison = (r, p) => matchesWildcard(p, r, { ignoreCase: false });
const numericEquals = ordered(parseNumber, (r, p) => r === p);
const dateEquals = ordered(parseDate, (r, p) => r === p);
const arnLike: Comparison = (r, p) => (r.startsWith('arn:') ? arnMatches(p, r) : undefined);
const inIpBlock: Comparison = (r, p) => ipv4InBlock(r, p);

const positive = (compare: Comparison): BaseOperator => ({ compare, negated: false });
const negative = (compare: Comparison): BaseOperator => ({ compare, negated: true });

/** Every operator IAM accepts (Null is handled apart: it tests presence, not values). */
const BASE_OPERATORS: Readonly<Record<string, BaseOperator>> = {
  StringEquals: positive(stringEquals),
  StringNotEquals: negative(stringEquals),
  StringEqualsIgnoreCase: positive(stringEqualsIgnoreCase),
  StringNotEqualsIgnoreCase: negative(stringEqualsIgnoreCase),
  StringLike: positive(stringLike),
  StringNotLike: negative(stringLike),
  NumericEquals: positive(numericEquals),
  NumericNotEquals: negative(numericEquals),
  NumericLessThan: positive(ordered(parseNumber, (r, p) => r < p)),
  NumericLessThanEquals: positive(ordered(parseNumber, (r, p) => r <= p)),
  NumericGreaterThan: positive(ordered(parseNumber, (r, p) => r > p)),
  NumericGreaterThanEquals: positive(ordered(parseNumber, (r, p) => r >= p)),
  DateEquals: positive(dateEquals),
  DateNotEquals: negative(dateEquals),
  DateLessThan: positive(ordered(parseDate, (r, p) => r < p)),
  DateLessThanEquals: positive(ordered(parseDate, (r, p) => r <= p)),
  DateGreaterThan: positive(ordered(parseDate, (r, p) => r > p)),
  DateGreaterThanEquals: positive(ordered(parseDate, (r, p) => r >= p)),
  Bool: positive((r, p) => {
    const request = parseBool(r);
    const policy = parseBool(p);
    return request === undefined || policy === undefined ? undefined : request === policy;
  }),
  BinaryEquals: positive(stringEquals),
  // IAM documents ArnEquals and ArnLike as the same test: both honour wildcards.
  ArnEquals: positive(arnLike),
  ArnLike: positive(arnLike),
  ArnNotEquals: negative(arnLike),
  ArnNotLike: negative(arnLike),
  IpAddress: positive(inIpBlock),
  NotIpAddress: negative(inIpBlock),
};

export type SetQualifier = 'ForAnyValue' | 'ForAllValues';

/** A condition operator as written in a policy, taken apart. */
export interface ConditionOperator {
  /** As written, e.g. 'ForAnyValue:StringLikeIfExists'. */
  readonly name: string;
  /** 'StringLike', 'Null', ... */
  readonly base: string;
  readonly set?: SetQualifier;
  readonly ifExists: boolean;
}

/** Takes an operator name apart; undefined when IAM would not accept it (IAM names are case-sensitive). */
export function parseConditionOperator(name: string): ConditionOperator | undefined {
  const qualifier = /^(ForAnyValue|ForAllValues):(.*)$/.exec(name);
  const set = qualifier?.[1] as SetQualifier | undefined;
  let base = qualifier ? (qualifier[2] ?? '') : name;
  const ifExists = base.endsWith('IfExists');
  if (ifExists) base = base.slice(0, -'IfExists'.length);
  // Null asks whether the key exists at all, so neither modifier means anything on it.
  if (base === 'Null') return set || ifExists ? undefined : { name, base, ifExists };
  if (!(base in BASE_OPERATORS)) return undefined;
  return set ? { name, base, set, ifExists } : { name, base, ifExists };
}

/** One key test: `{ operator: { key: values } }` flattened. */
export interface ConditionClause {
  readonly operator: ConditionOperator;
  /** As written; matched case-insensitively. */
  readonly key: string;
  readonly values: readonly string[];
}

/** The request's condition keys, looked up case-insensitively. */
export type ConditionKeys = ReadonlyMap<string, readonly string[]>;

export function conditionKeys(keys: Readonly<Record<string, string | readonly string[]>>): ConditionKeys {
  const byLowerName = new Map<string, readonly string[]>();
  for (const [name, value] of Object.entries(keys)) {
    byLowerName.set(name.toLowerCase(), typeof value === 'string' ? [value] : value);
  }
  return byLowerName;
}

function clauseHolds(clause: ConditionClause, keys: ConditionKeys): boolean {
  const { operator, values: policyValues } = clause;
  const requestValues = keys.get(clause.key.toLowerCase()) ?? [];
  const present = requestValues.length > 0;

  if (operator.base === 'Null') {
    // "true" asks for the key to be absent, "false" for it to be present.
    return policyValues.some((v) => parseBool(v) === !present);
  }
  const base = BASE_OPERATORS[operator.base];
  if (!base) return false;

  if (!present) {
    if (operator.ifExists || operator.set === 'ForAllValues') return true;
    if (operator.set === 'ForAnyValue') return false;
    // IAM: a missing key matches nothing, so "must not match" holds.
    return base.negated;
  }

  const valueHolds = (requestValue: string): boolean =>
    base.negated
      ? policyValues.every((p) => base.compare(requestValue, p) === false)
      : policyValues.some((p) => base.compare(requestValue, p) === true);

  if (operator.set === 'ForAllValues') return requestValues.every(valueHolds);
  if (operator.set === 'ForAnyValue') return requestValues.some(valueHolds);
  // A plain operator on a multivalued key: positive ones need some value to
  // match, negated ones need every value to miss (the negation of the former).
  return base.negated ? requestValues.every(valueHolds) : requestValues.some(valueHolds);
}

/** Whether a statement's whole Condition element holds: every clause must. */
export function conditionsHold(clauses: readonly ConditionClause[], keys: ConditionKeys): boolean {
  return clauses.every((clause) => clauseHolds(clause, keys));
}
