/**
 * Identity-based policy evaluation: may the role's policies (inline and
 * attached managed ones) perform `action` on `resource` given the request's
 * condition keys? Only identity policies are modelled: no permissions
 * boundaries, SCPs or session policies.
 */
import { type ConditionKeys, conditionKeys, conditionsHold } from './conditions.ts';
import { type Decision, decide, type LoadedPolicy, listCovers } from './decision.ts';
import { type PolicyStatement, parsePolicyDocument } from './policy-document.ts';
import { actionMatches, resourceMatches } from './wildcard.ts';

export type { Decision, MatchedStatement } from './decision.ts';

export interface NamedPolicy {
  readonly name: string;
  readonly kind: 'inline' | 'managed';
  readonly arn?: string;
  /** The JSON text as stored. */
  readonly document: string;
}

export type ConditionKeyValues = Readonly<Record<string, string | readonly string[]>>;

export interface AuthorizationContext {
  readonly action: string;
  readonly resource: string;
  /** Condition keys such as aws:RequestedRegion, aws:SourceArn, aws:SourceAccount, aws:PrincipalArn, aws:CurrentTime (ISO), aws:SecureTransport ('true'|'false'). */
  readonly keys: ConditionKeyValues;
}

/** A document that no longer parses (stored before a rule changed, or hand-edited state) grants nothing. */
function load(policies: readonly NamedPolicy[]): LoadedPolicy[] {
  const loaded: LoadedPolicy[] = [];
  for (const policy of policies) {
    try {
      const document = parsePolicyDocument(policy.document, 'identity');
      loaded.push({ name: policy.name, ...(policy.arn !== undefined && { arn: policy.arn }), document });
    } catch {
      // Skipped on purpose: a malformed policy must not take evaluation down with it.
    }
  }
  return loaded;
}

function statementApplies(statement: PolicyStatement, request: AuthorizationContext, keys: ConditionKeys): boolean {
  const resources = statement.resources;
  return (
    listCovers(statement.actions, (pattern) => actionMatches(pattern, request.action)) &&
    resources !== undefined &&
    listCovers(resources, (pattern) => resourceMatches(pattern, request.resource)) &&
    conditionsHold(statement.conditions, keys)
  );
}

export function evaluateIdentityPolicies(policies: readonly NamedPolicy[], request: AuthorizationContext): Decision {
  const keys = conditionKeys(request.keys);
  return decide(load(policies), (statement) => statementApplies(statement, request, keys));
}
