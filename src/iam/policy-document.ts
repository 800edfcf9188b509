/**
 * IAM's policy grammar: parses the JSON text a user sends to PutRolePolicy,
 * CreatePolicy or CreateRole / UpdateAssumeRolePolicy, rejects what IAM
 * rejects (as MalformedPolicyDocument), and normalizes what it accepts
 * (single strings become one-element arrays) so evaluation never has to care
 * which form was written.
 */
import { AwsError } from '../aws-error.ts';
import { type ConditionClause, parseConditionOperator } from './conditions.ts';

export type PolicyKind = 'identity' | 'trust';
export type PolicyVersion = '2012-10-17' | '2008-10-17';
export type Effect = 'Allow' | 'Deny';

/** Action/NotAction or Resource/NotResource: `not` set when the Not... form was used. */
export interface PatternList {
  readonly not: boolean;
  readonly patterns: readonly string[];
}

/** A trust policy's Principal. `anyone` is the bare `"Principal": "*"`. */
export interface PrincipalSet {
  readonly anyone: boolean;
  readonly aws: readonly string[];
  readonly service: readonly string[];
  readonly federated: readonly string[];
  readonly canonicalUser: readonly string[];
}

export interface PolicyStatement {
  readonly sid?: string;
  readonly effect: Effect;
  readonly actions: PatternList;
  /** Identity policies only (trust policies may not name resources). */
  readonly resources?: PatternList;
  /** Trust policies only. */
  readonly principal?: PrincipalSet;
  readonly conditions: readonly ConditionClause[];
}

export interface PolicyDocument {
  readonly version?: PolicyVersion;
  readonly id?: string;
  readonly statements: readonly PolicyStatement[];
}

const SYNTAX = 'Syntax errors in policy.';

function malformed(message: string): AwsError {
  return new AwsError('MalformedPolicyDocument', message, 400);
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A string or a non-empty array of strings, as IAM allows for most elements. */
function stringList(value: Json | undefined): string[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0 || !list.every((item) => typeof item === 'string')) throw malformed(SYNTAX);
  return list as string[];
}

function rejectUnknownFields(object: JsonObject, allowed: readonly string[]): void {
  for (const field of Object.keys(object)) if (!allowed.includes(field)) throw malformed(SYNTAX);
}

/** Exactly one of `name` / `Not${name}`; undefined when neither is there. */
function eitherOr(statement: JsonObject, name: string): { not: boolean; value: Json } | undefined {
  const has = statement[name] !== undefined;
  const hasNot = statement[`Not${name}`] !== undefined;
  if (has && hasNot) throw malformed(SYNTAX);
  if (!has && !hasNot) return undefined;
  return { not: hasNot, value: (has ? statement[name] : statement[`Not${name}`]) as Json };
}

const ACTION = /^[A-Za-z0-9-]+:[A-Za-z0-9_*?-]+$/;

function parseActions(statement: JsonObject): PatternList {
  const element = eitherOr(statement, 'Action');
  if (!element) throw malformed('Missing required field Action');
  const patterns = stringList(element.value);
  for (const action of patterns) {
    if (action !== '*' && !ACTION.test(action)) {
      throw malformed(`Action "${action}" is not "*" nor a service prefix and action name such as "comprehend:DetectSentiment".`);
    }
  }
  return { not: element.not, patterns };
}

function parseResources(statement: JsonObject): PatternList {
  const element = eitherOr(statement, 'Resource');
  if (!element) throw malformed('Missing required field Resource');
  const patterns = stringList(element.value);
  for (const resource of patterns) {
    if (resource !== '*' && !resource.startsWith('arn:')) throw malformed(`Resource ${resource} must be in ARN format or "*".`);
  }
  return { not: element.not, patterns };
}

const ACCOUNT_ID = /^\d{12}$/;
const IAM_OR_STS_ARN = /^arn:aws[a-z-]*:(iam|sts)::\d{12}:\S+$/;
const SERVICE_PRINCIPAL = /^[a-z0-9][a-z0-9.-]*[a-z0-9]$/i;

function invalidPrincipal(type: string, value: string): AwsError {
  return malformed(`Invalid principal in policy: "${type}":"${value}"`);
}

function parsePrincipal(value: Json | undefined): PrincipalSet {
  const none = { anyone: false, aws: [], service: [], federated: [], canonicalUser: [] };
  if (value === '*') return { ...none, anyone: true };
  if (!isObject(value) || Object.keys(value).length === 0) throw malformed(SYNTAX);
  rejectUnknownFields(value, ['AWS', 'Service', 'Federated', 'CanonicalUser']);
  const list = (type: string, valid: (entry: string) => boolean): string[] => {
    if (value[type] === undefined) return [];
    const entries = stringList(value[type]);
    for (const entry of entries) if (!valid(entry)) throw invalidPrincipal(type, entry);
    return entries;
  };
  return {
    anyone: false,
    aws: list('AWS', (e) => e === '*' || ACCOUNT_ID.test(e) || IAM_OR_STS_ARN.test(e)),
    service: list('Service', (e) => SERVICE_PRINCIPAL.test(e)),
    federated: list('Federated', (e) => e.length > 0),
    canonicalUser: list('CanonicalUser', (e) => e.length > 0),
  };
}

function conditionValue(value: Json): string {
  if (typeof value === 'string') return value;
  // IAM accepts `"aws:SecureTransport": false` and `"s3:max-keys": 10` and compares their text.
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw malformed(SYNTAX);
}

function parseConditions(value: Json | undefined): ConditionClause[] {
  if (value === undefined) return [];
  if (!isObject(value)) throw malformed(SYNTAX);
  const clauses: ConditionClause[] = [];
  for (const [operatorName, block] of Object.entries(value)) {
    const operator = parseConditionOperator(operatorName);
    // IAM refuses an operator it does not know when the policy is stored, not when it is evaluated.
    if (!operator || !isObject(block) || Object.keys(block).length === 0) throw malformed(SYNTAX);
    for (const [key, raw] of Object.entries(block)) {
      if (key.length === 0) throw malformed(SYNTAX);
      const values = (Array.isArray(raw) ? raw : [raw]).map(conditionValue);
      clauses.push({ operator, key, values });
    }
  }
  return clauses;
}

const SID = /^[A-Za-z0-9]*$/;

function parseStatement(value: Json, kind: PolicyKind): PolicyStatement {
  if (!isObject(value)) throw malformed(SYNTAX);
  rejectUnknownFields(value, [
    'Sid',
    'Effect',
    'Action',
    'NotAction',
    'Resource',
    'NotResource',
    'Principal',
    'NotPrincipal',
    'Condition',
  ]);

  const sid = value.Sid;
  if (sid !== undefined && typeof sid !== 'string') throw malformed(SYNTAX);
  if (sid !== undefined && !SID.test(sid)) {
    throw malformed(
      'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
    );
  }
  if (value.Effect === undefined) throw malformed('Missing required field Effect');
  if (value.Effect !== 'Allow' && value.Effect !== 'Deny') throw malformed(SYNTAX);

  const actions = parseActions(value);
  const conditions = parseConditions(value.Condition);
  const common = { ...(sid !== undefined && { sid }), effect: value.Effect, actions, conditions } as const;

  if (kind === 'identity') {
    if (value.Principal !== undefined || value.NotPrincipal !== undefined) {
      throw malformed('Policy document should not specify a principal.');
    }
    return { ...common, resources: parseResources(value) };
  }
  // A role trust policy's resource is the role itself, and IAM documents that
  // NotPrincipal cannot be used in one.
  if (value.Resource !== undefined) throw malformed('Has prohibited field Resource');
  if (value.NotResource !== undefined) throw malformed('Has prohibited field NotResource');
  if (value.NotPrincipal !== undefined) throw malformed('Has prohibited field NotPrincipal');
  if (value.Principal === undefined) throw malformed('Missing required field Principal');
  return { ...common, principal: parsePrincipal(value.Principal) };
}

function parseJson(text: string): Json {
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw malformed('This policy contains invalid Json');
  }
}

/** Parses and validates a policy; throws AwsError MalformedPolicyDocument (400) as IAM would. */
export function parsePolicyDocument(text: string, kind: PolicyKind): PolicyDocument {
  const root = parseJson(text);
  if (!isObject(root)) throw malformed(SYNTAX);
  rejectUnknownFields(root, ['Version', 'Id', 'Statement']);

  const version = root.Version;
  if (version !== undefined && version !== '2012-10-17' && version !== '2008-10-17') {
    throw malformed('The policy must contain a valid version string');
  }
  const id = root.Id;
  if (id !== undefined && typeof id !== 'string') throw malformed(SYNTAX);
  if (root.Statement === undefined) throw malformed('Missing required field Statement');

  const rawStatements = Array.isArray(root.Statement) ? root.Statement : [root.Statement];
  if (rawStatements.length === 0) throw malformed(SYNTAX);
  const statements = rawStatements.map((statement) => parseStatement(statement, kind));

  const sids = statements.map((s) => s.sid).filter((sid) => sid !== undefined && sid !== '');
  if (new Set(sids).size !== sids.length) throw malformed('Statement IDs (SID) in a single policy must be unique.');

  return { ...(version !== undefined && { version }), ...(id !== undefined && { id }), statements };
}
