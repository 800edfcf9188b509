/**
 * IAM's order of precedence, shared by identity and trust policies: an
 * explicit Deny anywhere wins, then any Allow, and otherwise the request is
 * implicitly denied.
 */
import type { PolicyDocument, PolicyStatement } from './policy-document.ts';

/** Which statement decided, for messages that tell the user what to change. */
export interface MatchedStatement {
  readonly policy: string;
  readonly policyArn?: string;
  readonly sid?: string;
  /** Position of the statement in its policy's Statement list, from 0. */
  readonly index: number;
}

export type Decision =
  | { readonly effect: 'Allow'; readonly statement: MatchedStatement }
  | { readonly effect: 'ExplicitDeny'; readonly statement: MatchedStatement }
  | { readonly effect: 'ImplicitDeny' };

export interface LoadedPolicy {
  readonly name: string;
  readonly arn?: string;
  readonly document: PolicyDocument;
}

function firstMatch(
  policies: readonly LoadedPolicy[],
  effect: PolicyStatement['effect'],
  applies: (statement: PolicyStatement) => boolean,
): MatchedStatement | undefined {
  for (const policy of policies) {
    const index = policy.document.statements.findIndex((s) => s.effect === effect && applies(s));
    if (index < 0) continue;
    const sid = policy.document.statements[index]?.sid;
    return {
      policy: policy.name,
      ...(policy.arn !== undefined && { policyArn: policy.arn }),
      ...(sid !== undefined && { sid }),
      index,
    };
  }
  return undefined;
}

/** Denies are looked for first across every policy, so the reported statement is the deciding one. */
export function decide(policies: readonly LoadedPolicy[], applies: (statement: PolicyStatement) => boolean): Decision {
  const deny = firstMatch(policies, 'Deny', applies);
  if (deny) return { effect: 'ExplicitDeny', statement: deny };
  const allow = firstMatch(policies, 'Allow', applies);
  if (allow) return { effect: 'Allow', statement: allow };
  return { effect: 'ImplicitDeny' };
}

/** Whether a pattern list (Action/NotAction, Resource/NotResource) covers `value`. */
export function listCovers(
  list: { readonly not: boolean; readonly patterns: readonly string[] },
  matches: (pattern: string) => boolean,
): boolean {
  return list.patterns.some(matches) !== list.not;
}
