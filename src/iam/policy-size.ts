/**
 * IAM's policy size quotas, counted as IAM counts them: characters other than
 * white space, so pretty-printing a policy never pushes it over the limit.
 */
import { AwsError } from '../aws-error.ts';

export type PolicySizeKind = 'inline' | 'managed' | 'trust';

export const POLICY_SIZE_LIMITS: Readonly<Record<PolicySizeKind, number>> = {
  /** IAM applies it to the sum of all of a role's inline policies. */
  inline: 10_240,
  managed: 6_144,
  /** The default role trust policy quota (raisable to 4,096 in real IAM; not emulated). */
  trust: 2_048,
};

export function policySize(text: string): number {
  return text.replace(/[ \t\r\n]/g, '').length;
}

/**
 * Throws LimitExceeded (409) when `text` is over the quota for its kind. For
 * 'inline', pass the role's inline policies together (IAM's quota is per role).
 */
export function checkPolicySize(text: string, kind: PolicySizeKind, roleName?: string): void {
  const limit = POLICY_SIZE_LIMITS[kind];
  if (policySize(text) <= limit) return;
  const message =
    kind === 'inline'
      ? `Maximum policy size of ${limit} bytes exceeded${roleName ? ` for role ${roleName}` : ''}`
      : `Cannot exceed quota for ${kind === 'trust' ? 'ACLSizePerRole' : 'PolicySize'}: ${limit}`;
  throw new AwsError('LimitExceeded', message, 409);
}
