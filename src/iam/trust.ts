/**
 * Role trust policies: may this principal call sts:AssumeRole on the role?
 * The control plane asks it for `rds.amazonaws.com` with the cluster's ARN
 * and account as aws:SourceArn / aws:SourceAccount, so trust policies that
 * guard against the confused deputy behave as they do in AWS.
 */
import { conditionKeys, conditionsHold } from './conditions.ts';
import { type Decision, decide, listCovers } from './decision.ts';
import type { ConditionKeyValues } from './evaluate.ts';
import { type PolicyDocument, type PrincipalSet, parsePolicyDocument } from './policy-document.ts';
import { actionMatches } from './wildcard.ts';

/** A service principal (`rds.amazonaws.com`) or an IAM/STS ARN. */
export type TrustPrincipal = { readonly service: string } | { readonly arn: string };

export const ASSUME_ROLE_ACTION = 'sts:AssumeRole';

/** How the decision names the trust policy (IAM's own parameter name for it). */
export const TRUST_POLICY_NAME = 'AssumeRolePolicyDocument';

function accountOf(arn: string): string | undefined {
  return arn.split(':')[4] || undefined;
}

/** The account an AWS principal entry trusts wholesale: a bare account id or its root ARN. */
function trustedAccount(entry: string): string | undefined {
  if (/^\d{12}$/.test(entry)) return entry;
  return /^arn:[^:]+:iam::\d{12}:root$/.test(entry) ? accountOf(entry) : undefined;
}

function principalMatches(set: PrincipalSet, principal: TrustPrincipal): boolean {
  // "*" and {"AWS": "*"} are documented as equivalent: everyone, services included.
  if (set.anyone || set.aws.includes('*')) return true;
  if ('service' in principal) {
    const service = principal.service.toLowerCase();
    return set.service.some((entry) => entry.toLowerCase() === service);
  }
  const account = accountOf(principal.arn);
  return set.aws.some((entry) => {
    if (entry === principal.arn) return true;
    const trusted = trustedAccount(entry);
    return trusted !== undefined && trusted === account;
  });
}

/** Keys AWS sets itself for the calling principal, unless the caller supplied them. */
function principalKeys(principal: TrustPrincipal): ConditionKeyValues {
  if ('service' in principal) return { 'aws:PrincipalServiceName': principal.service, 'aws:PrincipalIsAWSService': 'true' };
  const account = accountOf(principal.arn);
  return {
    'aws:PrincipalArn': principal.arn,
    ...(account !== undefined && { 'aws:PrincipalAccount': account }),
    'aws:PrincipalIsAWSService': 'false',
  };
}

function parseTrust(text: string): PolicyDocument | undefined {
  try {
    return parsePolicyDocument(text, 'trust');
  } catch {
    return undefined;
  }
}

/** Whether the trust policy lets `principal` assume the role; a policy that does not parse admits no one. */
export function trustAdmits(trustPolicyText: string, principal: TrustPrincipal, keys: ConditionKeyValues = {}): Decision {
  const document = parseTrust(trustPolicyText);
  if (!document) return { effect: 'ImplicitDeny' };
  const context = conditionKeys({ ...principalKeys(principal), ...keys });
  return decide([{ name: TRUST_POLICY_NAME, document }], (statement) => {
    const trusted = statement.principal;
    return (
      trusted !== undefined &&
      principalMatches(trusted, principal) &&
      listCovers(statement.actions, (pattern) => actionMatches(pattern, ASSUME_ROLE_ACTION)) &&
      conditionsHold(statement.conditions, context)
    );
  });
}
