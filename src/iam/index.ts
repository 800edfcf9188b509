/** The emulated IAM policy engine: grammar, size quotas, identity-policy evaluation and role trust. */
export type { ConditionClause, ConditionKeys, ConditionOperator, SetQualifier } from './conditions.ts';
export { conditionKeys, conditionsHold, parseConditionOperator } from './conditions.ts';
export type { Decision, LoadedPolicy, MatchedStatement } from './decision.ts';
export { decide } from './decision.ts';
export type { AuthorizationContext, ConditionKeyValues, NamedPolicy } from './evaluate.ts';
export { evaluateIdentityPolicies } from './evaluate.ts';
export type {
  Effect,
  PatternList,
  PolicyDocument,
  PolicyKind,
  PolicyStatement,
  PolicyVersion,
  PrincipalSet,
} from './policy-document.ts';
export { parsePolicyDocument } from './policy-document.ts';
export type { PolicySizeKind } from './policy-size.ts';
export { checkPolicySize, POLICY_SIZE_LIMITS, policySize } from './policy-size.ts';
export type { TrustPrincipal } from './trust.ts';
export { ASSUME_ROLE_ACTION, TRUST_POLICY_NAME, trustAdmits } from './trust.ts';
export { actionMatches, arnMatches, matchesWildcard, resourceMatches } from './wildcard.ts';
