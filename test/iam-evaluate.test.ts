/** The emulated IAM policy engine: grammar, size quotas, identity-policy evaluation and role trust. */
import { describe, expect, it } from 'vitest';
import { AwsError } from '../src/aws-error.ts';
import {
  checkPolicySize,
  type Decision,
  evaluateIdentityPolicies,
  matchesWildcard,
  type NamedPolicy,
  parsePolicyDocument,
  policySize,
  TRUST_POLICY_NAME,
  type TrustPrincipal,
  trustAdmits,
} from '../src/iam/index.ts';

const ACCOUNT = '123456789012';
const OTHER_ACCOUNT = '210987654321';
const REGION = 'us-east-1';
const endpoint = (name: string, region = REGION, account = ACCOUNT) => `arn:aws:sagemaker:${region}:${account}:endpoint/${name}`;
const model = (id: string, region = REGION) => `arn:aws:bedrock:${region}::foundation-model/${id}`;
const CLAUDE = model('anthropic.claude-3-haiku-20240307-v1:0');
const CLUSTER = `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:reviews`;
const ROLE = `arn:aws:iam::${ACCOUNT}:role/aurora-ml`;

type Statement = Record<string, unknown>;

function allow(action: string | string[], resource: string | string[], extra: Statement = {}): Statement {
  return { Effect: 'Allow', Action: action, Resource: resource, ...extra };
}

function deny(action: string | string[], resource: string | string[], extra: Statement = {}): Statement {
  return { Effect: 'Deny', Action: action, Resource: resource, ...extra };
}

function inline(name: string, ...statements: Statement[]): NamedPolicy {
  return { name, kind: 'inline', document: JSON.stringify({ Version: '2012-10-17', Statement: statements }) };
}

function managed(name: string, ...statements: Statement[]): NamedPolicy {
  const arn = `arn:aws:iam::${ACCOUNT}:policy/${name}`;
  return { name, kind: 'managed', arn, document: JSON.stringify({ Version: '2012-10-17', Statement: statements }) };
}

function rawPolicy(name: string, document: string): NamedPolicy {
  return { name, kind: 'inline', document };
}

interface EvaluationCase {
  readonly name: string;
  readonly policies: readonly NamedPolicy[];
  readonly action: string;
  readonly resource: string;
  readonly keys?: Readonly<Record<string, string | readonly string[]>>;
  readonly expected: Decision['effect'];
  /** For Allow / ExplicitDeny: the deciding policy and, when it has one, statement id. */
  readonly by?: { readonly policy: string; readonly sid?: string; readonly index?: number };
}

const DETECT = 'comprehend:DetectSentiment';
const BATCH = 'comprehend:BatchDetectSentiment';
const INVOKE = 'sagemaker:InvokeEndpoint';
const BEDROCK = 'bedrock:InvokeModel';
const inRegion = { 'aws:RequestedRegion': REGION };

const evaluationCases: EvaluationCase[] = [
  // Aurora's own actions and resources.
  {
    name: 'comprehend:DetectSentiment on * is allowed by an exact statement',
    policies: [inline('ml', allow(DETECT, '*', { Sid: 'Comprehend' }))],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml', sid: 'Comprehend' },
  },
  {
    name: 'BatchDetectSentiment is allowed by an action list',
    policies: [inline('ml', allow([DETECT, BATCH], ['*']))],
    action: BATCH,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml', index: 0 },
  },
  {
    name: 'sagemaker:InvokeEndpoint on the exact endpoint ARN',
    policies: [inline('ml', allow(INVOKE, endpoint('fraud')))],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'another endpoint is implicitly denied',
    policies: [inline('ml', allow(INVOKE, endpoint('fraud')))],
    action: INVOKE,
    resource: endpoint('churn'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'bedrock:InvokeModel on a foundation-model ARN (empty account field, colon in the id)',
    policies: [inline('ml', allow(BEDROCK, CLAUDE, { Sid: 'Bedrock' }))],
    action: BEDROCK,
    resource: CLAUDE,
    expected: 'Allow',
    by: { policy: 'ml', sid: 'Bedrock' },
  },
  {
    name: 'a foundation model in another region is not covered',
    policies: [inline('ml', allow(BEDROCK, model('*')))],
    action: BEDROCK,
    resource: model('anthropic.claude-3-haiku-20240307-v1:0', 'eu-west-1'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'bedrock model id wildcard',
    policies: [inline('ml', allow(BEDROCK, model('anthropic.*')))],
    action: BEDROCK,
    resource: CLAUDE,
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  // Implicit deny.
  { name: 'no policies at all', policies: [], action: DETECT, resource: '*', expected: 'ImplicitDeny' },
  {
    name: 'a policy for another action',
    policies: [inline('ml', allow('comprehend:DetectEntities', '*'))],
    action: DETECT,
    resource: '*',
    expected: 'ImplicitDeny',
  },
  // Deny overrides allow.
  {
    name: 'deny overrides allow within one policy',
    policies: [inline('ml', allow('comprehend:*', '*', { Sid: 'All' }), deny(DETECT, '*', { Sid: 'NoSentiment' }))],
    action: DETECT,
    resource: '*',
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'NoSentiment', index: 1 },
  },
  {
    name: 'deny in a managed policy overrides an inline allow',
    policies: [
      inline('ml', allow(INVOKE, endpoint('*'))),
      managed('Guardrail', deny(INVOKE, endpoint('fraud'), { Sid: 'NoFraud' })),
    ],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'ExplicitDeny',
    by: { policy: 'Guardrail', sid: 'NoFraud' },
  },
  {
    name: 'deny in an earlier policy wins over an allow in a later one',
    policies: [inline('first', deny('*', '*', { Sid: 'Lockdown' })), inline('second', allow(DETECT, '*'))],
    action: DETECT,
    resource: '*',
    expected: 'ExplicitDeny',
    by: { policy: 'first', sid: 'Lockdown' },
  },
  {
    name: 'the first of two matching denies is reported',
    policies: [
      inline('ml', allow('*', '*')),
      inline('a', deny(DETECT, '*', { Sid: 'A' })),
      inline('b', deny(DETECT, '*', { Sid: 'B' })),
    ],
    action: DETECT,
    resource: '*',
    expected: 'ExplicitDeny',
    by: { policy: 'a', sid: 'A' },
  },
  {
    name: 'the first of two matching allows is reported',
    policies: [inline('a', allow(DETECT, '*', { Sid: 'A' })), inline('b', allow(DETECT, '*', { Sid: 'B' }))],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'a', sid: 'A' },
  },
  {
    name: 'a deny for another action does not block',
    policies: [inline('ml', allow('comprehend:*', '*'), deny('comprehend:DetectEntities', '*'))],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml', index: 0 },
  },
  // Action wildcards and case.
  {
    name: "'comprehend:*' covers DetectSentiment",
    policies: [inline('ml', allow('comprehend:*', '*'))],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: "'comprehend:*' does not cover sagemaker",
    policies: [inline('ml', allow('comprehend:*', '*'))],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'ImplicitDeny',
  },
  {
    name: "'sagemaker:Invoke*' covers InvokeEndpoint",
    policies: [inline('ml', allow('sagemaker:Invoke*', '*'))],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: "'sagemaker:Invoke*' covers InvokeEndpointAsync",
    policies: [inline('ml', allow('sagemaker:Invoke*', '*'))],
    action: 'sagemaker:InvokeEndpointAsync',
    resource: endpoint('fraud'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: "'sagemaker:Invoke*' does not cover CreateEndpoint",
    policies: [inline('ml', allow('sagemaker:Invoke*', '*'))],
    action: 'sagemaker:CreateEndpoint',
    resource: endpoint('fraud'),
    expected: 'ImplicitDeny',
  },
  {
    name: "'comprehend:Detect?entiment' covers DetectSentiment",
    policies: [inline('ml', allow('comprehend:Detect?entiment', '*'))],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: "'?' is exactly one character",
    policies: [inline('ml', allow('comprehend:Detect?entiment', '*'))],
    action: 'comprehend:DetectXSentiment',
    resource: '*',
    expected: 'ImplicitDeny',
  },
  {
    name: "'*' covers every action",
    policies: [inline('admin', allow('*', '*'))],
    action: BEDROCK,
    resource: CLAUDE,
    expected: 'Allow',
    by: { policy: 'admin' },
  },
  {
    name: 'actions match case-insensitively (policy side)',
    policies: [inline('ml', allow('COMPREHEND:detectsentiment', '*'))],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'actions match case-insensitively (request side)',
    policies: [inline('ml', allow(INVOKE, endpoint('fraud')))],
    action: 'SageMaker:invokeendpoint',
    resource: endpoint('fraud'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  // Resource wildcards and case.
  {
    name: "'endpoint/*' covers any endpoint of the account and region",
    policies: [inline('ml', allow(INVOKE, endpoint('*')))],
    action: INVOKE,
    resource: endpoint('fraud-v2'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: "'endpoint/fraud-*' covers fraud-detector",
    policies: [inline('ml', allow(INVOKE, endpoint('fraud-*')))],
    action: INVOKE,
    resource: endpoint('fraud-detector'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: "'endpoint/fraud-*' does not cover churn",
    policies: [inline('ml', allow(INVOKE, endpoint('fraud-*')))],
    action: INVOKE,
    resource: endpoint('churn'),
    expected: 'ImplicitDeny',
  },
  {
    name: "'endpoint/model-?' covers model-a",
    policies: [inline('ml', allow(INVOKE, endpoint('model-?')))],
    action: INVOKE,
    resource: endpoint('model-a'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: "'endpoint/model-?' does not cover model-ab",
    policies: [inline('ml', allow(INVOKE, endpoint('model-?')))],
    action: INVOKE,
    resource: endpoint('model-ab'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'resources match case-sensitively',
    policies: [inline('ml', allow(INVOKE, endpoint('Fraud')))],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'a wildcard region in the resource ARN',
    policies: [inline('ml', allow(INVOKE, `arn:aws:sagemaker:*:${ACCOUNT}:endpoint/*`))],
    action: INVOKE,
    resource: endpoint('fraud', 'us-west-2'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'an endpoint in another account is not covered',
    policies: [inline('ml', allow(INVOKE, endpoint('*')))],
    action: INVOKE,
    resource: endpoint('fraud', REGION, OTHER_ACCOUNT),
    expected: 'ImplicitDeny',
  },
  // NotAction / NotResource.
  {
    name: 'Allow with NotAction covers actions it does not list',
    policies: [inline('ml', { Effect: 'Allow', NotAction: 'sagemaker:*', Resource: '*' })],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'Allow with NotAction does not cover what it lists',
    policies: [inline('ml', { Effect: 'Allow', NotAction: ['sagemaker:*', 'bedrock:*'], Resource: '*' })],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'Allow with NotResource covers resources it does not list',
    policies: [inline('ml', { Effect: 'Allow', Action: INVOKE, NotResource: endpoint('secret-*') })],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'Allow with NotResource does not cover what it lists',
    policies: [inline('ml', { Effect: 'Allow', Action: INVOKE, NotResource: [endpoint('secret-*')] })],
    action: INVOKE,
    resource: endpoint('secret-model'),
    expected: 'ImplicitDeny',
  },
  {
    name: 'Deny with NotAction denies everything else',
    policies: [
      inline('ml', allow('*', '*'), { Sid: 'OnlyComprehend', Effect: 'Deny', NotAction: 'comprehend:*', Resource: '*' }),
    ],
    action: INVOKE,
    resource: endpoint('fraud'),
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'OnlyComprehend' },
  },
  {
    name: 'Deny with NotAction leaves the listed actions alone',
    policies: [
      inline('ml', allow('*', '*', { Sid: 'Everything' }), { Effect: 'Deny', NotAction: 'comprehend:*', Resource: '*' }),
    ],
    action: BATCH,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml', sid: 'Everything' },
  },
  {
    name: 'Deny with NotResource denies every other endpoint',
    policies: [
      inline('ml', allow('sagemaker:*', '*'), {
        Sid: 'OnlyApproved',
        Effect: 'Deny',
        Action: INVOKE,
        NotResource: endpoint('approved'),
      }),
    ],
    action: INVOKE,
    resource: endpoint('other'),
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'OnlyApproved' },
  },
  {
    name: 'Deny with NotResource spares the listed endpoint',
    policies: [inline('ml', allow('sagemaker:*', '*'), { Effect: 'Deny', Action: INVOKE, NotResource: endpoint('approved') })],
    action: INVOKE,
    resource: endpoint('approved'),
    expected: 'Allow',
    by: { policy: 'ml', index: 0 },
  },
  // Conditions: strings and regions.
  {
    name: 'StringEquals aws:RequestedRegion in the right region',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { StringEquals: { 'aws:RequestedRegion': REGION } } }))],
    action: DETECT,
    resource: '*',
    keys: inRegion,
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'StringEquals aws:RequestedRegion in the wrong region',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { StringEquals: { 'aws:RequestedRegion': REGION } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:RequestedRegion': 'eu-west-1' },
    expected: 'ImplicitDeny',
  },
  {
    name: 'multiple values for one key are ORed',
    policies: [
      inline('ml', allow(DETECT, '*', { Condition: { StringEquals: { 'aws:RequestedRegion': [REGION, 'eu-west-1'] } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:RequestedRegion': 'eu-west-1' },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'negated operator with several values: a region outside the list is denied',
    policies: [
      inline(
        'ml',
        allow('*', '*'),
        deny('*', '*', { Sid: 'RegionFence', Condition: { StringNotEquals: { 'aws:RequestedRegion': [REGION, 'us-west-2'] } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:RequestedRegion': 'eu-west-1' },
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'RegionFence' },
  },
  {
    name: 'negated operator with several values: a region in the list is not denied',
    policies: [
      inline(
        'ml',
        allow('*', '*', { Sid: 'All' }),
        deny('*', '*', { Condition: { StringNotEquals: { 'aws:RequestedRegion': [REGION, 'us-west-2'] } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:RequestedRegion': 'us-west-2' },
    expected: 'Allow',
    by: { policy: 'ml', sid: 'All' },
  },
  {
    name: 'multiple keys in one operator are ANDed (one fails)',
    policies: [
      inline(
        'ml',
        allow(DETECT, '*', { Condition: { StringEquals: { 'aws:RequestedRegion': REGION, 'aws:SourceAccount': ACCOUNT } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { ...inRegion, 'aws:SourceAccount': OTHER_ACCOUNT },
    expected: 'ImplicitDeny',
  },
  {
    name: 'multiple keys in one operator are ANDed (both hold)',
    policies: [
      inline(
        'ml',
        allow(DETECT, '*', { Condition: { StringEquals: { 'aws:RequestedRegion': REGION, 'aws:SourceAccount': ACCOUNT } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { ...inRegion, 'aws:SourceAccount': ACCOUNT },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'operators are ANDed',
    policies: [
      inline(
        'ml',
        allow(DETECT, '*', {
          Condition: { StringEquals: { 'aws:RequestedRegion': REGION }, Bool: { 'aws:SecureTransport': 'true' } },
        }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { ...inRegion, 'aws:SecureTransport': 'false' },
    expected: 'ImplicitDeny',
  },
  {
    name: 'condition keys are case-insensitive',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { StringEquals: { 'AWS:requestedregion': REGION } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:RequestedRegion': REGION },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'StringEquals values are case-sensitive',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { StringEquals: { 'aws:RequestedRegion': 'US-EAST-1' } } }))],
    action: DETECT,
    resource: '*',
    keys: inRegion,
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringEqualsIgnoreCase ignores case',
    policies: [
      inline('ml', allow(DETECT, '*', { Condition: { StringEqualsIgnoreCase: { 'aws:RequestedRegion': 'US-EAST-1' } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: inRegion,
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'StringLike on aws:PrincipalArn matches',
    policies: [
      inline(
        'ml',
        allow(DETECT, '*', { Condition: { StringLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/aurora-*` } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:PrincipalArn': ROLE },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'StringLike on aws:PrincipalArn does not match',
    policies: [
      inline(
        'ml',
        allow(DETECT, '*', { Condition: { StringLike: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/etl-*` } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:PrincipalArn': ROLE },
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringNotLike denies what does not match the pattern',
    policies: [
      inline(
        'ml',
        allow('*', '*'),
        deny(DETECT, '*', { Sid: 'OnlyAurora', Condition: { StringNotLike: { 'aws:PrincipalArn': '*:role/aurora-*' } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:PrincipalArn': `arn:aws:iam::${ACCOUNT}:role/etl` },
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'OnlyAurora' },
  },
  // ARN operators.
  {
    name: 'ArnLike on aws:SourceArn matches the cluster',
    policies: [
      inline('ml', allow(DETECT, '*', { Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:rds:*:${ACCOUNT}:cluster:*` } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceArn': CLUSTER },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'ArnLike compares the account component on its own',
    policies: [
      inline('ml', allow(DETECT, '*', { Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:rds:*:${ACCOUNT}:cluster:*` } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceArn': `arn:aws:rds:${REGION}:${OTHER_ACCOUNT}:cluster:reviews` },
    expected: 'ImplicitDeny',
  },
  {
    name: 'ArnEquals takes the exact cluster ARN',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { ArnEquals: { 'aws:SourceArn': CLUSTER } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceArn': CLUSTER },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'ArnNotLike with the key missing holds (IAM: a missing key never matches)',
    policies: [
      inline(
        'ml',
        allow('*', '*'),
        deny('*', '*', {
          Sid: 'ClusterOnly',
          Condition: { ArnNotLike: { 'aws:SourceArn': `arn:aws:rds:*:${ACCOUNT}:cluster:*` } },
        }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: {},
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'ClusterOnly' },
  },
  // Missing keys: IfExists and Null.
  {
    name: 'a plain operator with the key missing does not hold',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } }))],
    action: DETECT,
    resource: '*',
    keys: {},
    expected: 'ImplicitDeny',
  },
  {
    name: 'StringEqualsIfExists with the key missing holds',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } } }))],
    action: DETECT,
    resource: '*',
    keys: {},
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'StringEqualsIfExists with a different value present does not hold',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { StringEqualsIfExists: { 'aws:SourceAccount': ACCOUNT } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceAccount': OTHER_ACCOUNT },
    expected: 'ImplicitDeny',
  },
  {
    name: 'Null true: deny when the key is absent',
    policies: [
      inline('ml', allow('*', '*'), deny('*', '*', { Sid: 'NeedSource', Condition: { Null: { 'aws:SourceArn': 'true' } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: {},
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'NeedSource' },
  },
  {
    name: 'Null true: no deny when the key is present',
    policies: [
      inline('ml', allow('*', '*', { Sid: 'All' }), deny('*', '*', { Condition: { Null: { 'aws:SourceArn': 'true' } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceArn': CLUSTER },
    expected: 'Allow',
    by: { policy: 'ml', sid: 'All' },
  },
  {
    name: 'Null false (boolean JSON value): allow only when the key is present',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { Null: { 'aws:SourceArn': false } } }))],
    action: DETECT,
    resource: '*',
    keys: {},
    expected: 'ImplicitDeny',
  },
  // Set qualifiers.
  {
    name: 'ForAnyValue: one request value in the list is enough',
    policies: [
      inline('ml', allow(DETECT, '*', { Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team', 'cost'] } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:TagKeys': ['owner', 'team'] },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'ForAnyValue with the key missing does not hold',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { 'ForAnyValue:StringEquals': { 'aws:TagKeys': ['team'] } } }))],
    action: DETECT,
    resource: '*',
    keys: {},
    expected: 'ImplicitDeny',
  },
  {
    name: 'ForAllValues: every request value is in the list',
    policies: [
      inline('ml', allow(DETECT, '*', { Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['team', 'cost-*'] } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:TagKeys': ['team', 'cost-center'] },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'ForAllValues: one request value outside the list fails',
    policies: [
      inline('ml', allow(DETECT, '*', { Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team', 'cost'] } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:TagKeys': ['team', 'owner'] },
    expected: 'ImplicitDeny',
  },
  {
    name: 'ForAllValues with the key missing holds (nothing to disagree)',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { 'ForAllValues:StringEquals': { 'aws:TagKeys': ['team'] } } }))],
    action: DETECT,
    resource: '*',
    keys: {},
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  // Numbers, dates, booleans, addresses.
  {
    name: 'NumericLessThan holds',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': 3600 } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:MultiFactorAuthAge': '120' },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'NumericLessThan does not hold at the limit',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { NumericLessThan: { 'aws:MultiFactorAuthAge': '3600' } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:MultiFactorAuthAge': '3600' },
    expected: 'ImplicitDeny',
  },
  {
    name: 'NumericGreaterThanEquals against a value that is not a number',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { NumericGreaterThanEquals: { 'aws:MultiFactorAuthAge': '0' } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:MultiFactorAuthAge': 'soon' },
    expected: 'ImplicitDeny',
  },
  {
    name: 'DateLessThan on aws:CurrentTime before the cut-off',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { DateLessThan: { 'aws:CurrentTime': '2030-01-01T00:00:00Z' } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:CurrentTime': '2025-06-01T12:00:00Z' },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'DateGreaterThan on aws:CurrentTime before the start date',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { DateGreaterThan: { 'aws:CurrentTime': '2030-01-01' } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:CurrentTime': '2025-06-01T12:00:00Z' },
    expected: 'ImplicitDeny',
  },
  {
    name: 'DateGreaterThanEquals with epoch seconds in the policy',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { DateGreaterThanEquals: { 'aws:CurrentTime': '1700000000' } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:CurrentTime': '2025-06-01T12:00:00Z' },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'Bool aws:SecureTransport false denies plain-text requests',
    policies: [
      inline('ml', allow('*', '*'), deny('*', '*', { Sid: 'TlsOnly', Condition: { Bool: { 'aws:SecureTransport': false } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SecureTransport': 'false' },
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'TlsOnly' },
  },
  {
    name: "Bool aws:SecureTransport 'false' spares TLS requests",
    policies: [
      inline('ml', allow('*', '*', { Sid: 'All' }), deny('*', '*', { Condition: { Bool: { 'aws:SecureTransport': 'false' } } })),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SecureTransport': 'true' },
    expected: 'Allow',
    by: { policy: 'ml', sid: 'All' },
  },
  {
    name: 'IpAddress inside the CIDR block',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { IpAddress: { 'aws:SourceIp': ['10.0.0.0/8', '192.0.2.7'] } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceIp': '10.1.2.3' },
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'IpAddress outside the CIDR block',
    policies: [inline('ml', allow(DETECT, '*', { Condition: { IpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }))],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceIp': '11.0.0.1' },
    expected: 'ImplicitDeny',
  },
  {
    name: 'NotIpAddress denies callers outside the network',
    policies: [
      inline(
        'ml',
        allow('*', '*'),
        deny('*', '*', { Sid: 'Vpc', Condition: { NotIpAddress: { 'aws:SourceIp': '10.0.0.0/8' } } }),
      ),
    ],
    action: DETECT,
    resource: '*',
    keys: { 'aws:SourceIp': '192.168.1.1' },
    expected: 'ExplicitDeny',
    by: { policy: 'ml', sid: 'Vpc' },
  },
  // Document forms and broken documents.
  {
    name: 'Statement given as an object, not an array',
    policies: [rawPolicy('single', JSON.stringify({ Version: '2012-10-17', Statement: { Sid: 'One', ...allow(DETECT, '*') } }))],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'single', sid: 'One', index: 0 },
  },
  {
    name: 'Version 2008-10-17 and no Version are both accepted',
    policies: [
      rawPolicy('old', JSON.stringify({ Version: '2008-10-17', Statement: [allow('sagemaker:*', '*')] })),
      rawPolicy('bare', JSON.stringify({ Statement: [allow(DETECT, '*')] })),
    ],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'bare' },
  },
  {
    name: 'a policy that is not JSON grants nothing',
    policies: [rawPolicy('broken', '{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}')],
    action: DETECT,
    resource: '*',
    expected: 'ImplicitDeny',
  },
  {
    name: 'a malformed deny does not stop a valid allow',
    policies: [
      rawPolicy('broken', JSON.stringify({ Statement: [{ Effect: 'deny', Action: '*', Resource: '*' }] })),
      inline('ml', allow(DETECT, '*')),
    ],
    action: DETECT,
    resource: '*',
    expected: 'Allow',
    by: { policy: 'ml' },
  },
  {
    name: 'an identity policy with a Principal grants nothing',
    policies: [inline('wrong', allow(DETECT, '*', { Principal: { Service: 'rds.amazonaws.com' } }))],
    action: DETECT,
    resource: '*',
    expected: 'ImplicitDeny',
  },
  {
    name: 'a policy with an unknown condition operator grants nothing',
    policies: [inline('typo', allow(DETECT, '*', { Condition: { StringEqual: { 'aws:RequestedRegion': REGION } } }))],
    action: DETECT,
    resource: '*',
    keys: inRegion,
    expected: 'ImplicitDeny',
  },
];

describe('evaluateIdentityPolicies', () => {
  it.each(evaluationCases)('$name', (c) => {
    const decision = evaluateIdentityPolicies(c.policies, { action: c.action, resource: c.resource, keys: c.keys ?? {} });
    expect(decision.effect).toBe(c.expected);
    if (decision.effect === 'ImplicitDeny') return;
    if (c.by) {
      expect(decision.statement.policy).toBe(c.by.policy);
      expect(decision.statement.sid).toBe(c.by.sid);
      if (c.by.index !== undefined) expect(decision.statement.index).toBe(c.by.index);
    }
    const decidingPolicy = c.policies.find((p) => p.name === decision.statement.policy);
    expect(decision.statement.policyArn).toBe(decidingPolicy?.arn);
  });

  it('covers enough cases', () => {
    expect(evaluationCases.length).toBeGreaterThanOrEqual(60);
  });
});

const RDS: TrustPrincipal = { service: 'rds.amazonaws.com' };
const clusterKeys = { 'aws:SourceArn': CLUSTER, 'aws:SourceAccount': ACCOUNT };

function trust(...statements: Statement[]): string {
  return JSON.stringify({ Version: '2012-10-17', Statement: statements });
}

function trusts(principal: unknown, extra: Statement = {}): Statement {
  return { Effect: 'Allow', Principal: principal, Action: 'sts:AssumeRole', ...extra };
}

interface TrustCase {
  readonly name: string;
  readonly policy: string;
  readonly principal: TrustPrincipal;
  readonly keys?: Readonly<Record<string, string>>;
  readonly expected: Decision['effect'];
  readonly sid?: string;
}

const trustCases: TrustCase[] = [
  {
    name: 'rds.amazonaws.com admits RDS',
    policy: trust(trusts({ Service: 'rds.amazonaws.com' })),
    principal: RDS,
    expected: 'Allow',
  },
  {
    name: 'ec2.amazonaws.com does not admit RDS (the association would be INVALID)',
    policy: trust(trusts({ Service: 'ec2.amazonaws.com' })),
    principal: RDS,
    expected: 'ImplicitDeny',
  },
  {
    name: 'lambda does not admit RDS',
    policy: trust(trusts({ Service: 'lambda.amazonaws.com' })),
    principal: RDS,
    expected: 'ImplicitDeny',
  },
  {
    name: 'Service as a list',
    policy: trust(trusts({ Service: ['ec2.amazonaws.com', 'rds.amazonaws.com'] }, { Sid: 'Services' })),
    principal: RDS,
    expected: 'Allow',
    sid: 'Services',
  },
  { name: 'Principal "*" admits anyone', policy: trust(trusts('*')), principal: RDS, expected: 'Allow' },
  { name: 'Principal {"AWS": "*"} admits anyone', policy: trust(trusts({ AWS: '*' })), principal: RDS, expected: 'Allow' },
  {
    name: 'an AWS account principal does not admit a service',
    policy: trust(trusts({ AWS: ACCOUNT })),
    principal: RDS,
    expected: 'ImplicitDeny',
  },
  {
    name: 'an account id admits that account’s roles',
    policy: trust(trusts({ AWS: ACCOUNT })),
    principal: { arn: ROLE },
    expected: 'Allow',
  },
  {
    name: 'an account root ARN admits that account’s roles',
    policy: trust(trusts({ AWS: `arn:aws:iam::${ACCOUNT}:root` })),
    principal: { arn: ROLE },
    expected: 'Allow',
  },
  {
    name: 'an account root ARN does not admit another account',
    policy: trust(trusts({ AWS: `arn:aws:iam::${OTHER_ACCOUNT}:root` })),
    principal: { arn: ROLE },
    expected: 'ImplicitDeny',
  },
  {
    name: 'a role ARN admits exactly that role',
    policy: trust(trusts({ AWS: [ROLE] })),
    principal: { arn: `arn:aws:iam::${ACCOUNT}:role/other` },
    expected: 'ImplicitDeny',
  },
  {
    name: 'a Deny in the trust policy wins',
    policy: trust(trusts({ Service: 'rds.amazonaws.com' }), {
      Sid: 'NoRds',
      Effect: 'Deny',
      Principal: { Service: 'rds.amazonaws.com' },
      Action: 'sts:*',
    }),
    principal: RDS,
    expected: 'ExplicitDeny',
    sid: 'NoRds',
  },
  {
    name: 'aws:SourceArn naming this cluster admits it',
    policy: trust(
      trusts(
        { Service: 'rds.amazonaws.com' },
        { Condition: { ArnLike: { 'aws:SourceArn': `arn:aws:rds:${REGION}:${ACCOUNT}:cluster:*` } } },
      ),
    ),
    principal: RDS,
    keys: clusterKeys,
    expected: 'Allow',
  },
  {
    name: 'aws:SourceArn naming another cluster does not',
    policy: trust(
      trusts({ Service: 'rds.amazonaws.com' }, { Condition: { StringEquals: { 'aws:SourceArn': `${CLUSTER}-copy` } } }),
    ),
    principal: RDS,
    keys: clusterKeys,
    expected: 'ImplicitDeny',
  },
  {
    name: 'aws:SourceAccount naming this account admits it',
    policy: trust(trusts({ Service: 'rds.amazonaws.com' }, { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })),
    principal: RDS,
    keys: clusterKeys,
    expected: 'Allow',
  },
  {
    name: 'aws:SourceAccount naming another account does not',
    policy: trust(
      trusts({ Service: 'rds.amazonaws.com' }, { Condition: { StringEquals: { 'aws:SourceAccount': OTHER_ACCOUNT } } }),
    ),
    principal: RDS,
    keys: clusterKeys,
    expected: 'ImplicitDeny',
  },
  {
    name: 'a confused-deputy condition with no source keys does not admit',
    policy: trust(trusts({ Service: 'rds.amazonaws.com' }, { Condition: { StringEquals: { 'aws:SourceAccount': ACCOUNT } } })),
    principal: RDS,
    expected: 'ImplicitDeny',
  },
  {
    name: 'a Deny on a foreign source account wins',
    policy: trust(trusts('*'), {
      Sid: 'OwnAccount',
      Effect: 'Deny',
      Principal: '*',
      Action: 'sts:AssumeRole',
      Condition: { StringNotEquals: { 'aws:SourceAccount': ACCOUNT } },
    }),
    principal: RDS,
    keys: { ...clusterKeys, 'aws:SourceAccount': OTHER_ACCOUNT },
    expected: 'ExplicitDeny',
    sid: 'OwnAccount',
  },
  {
    name: 'the principal’s own keys are set: aws:PrincipalServiceName',
    policy: trust(trusts('*', { Condition: { StringEquals: { 'aws:PrincipalServiceName': 'rds.amazonaws.com' } } })),
    principal: RDS,
    expected: 'Allow',
  },
  {
    name: 'Action sts:* covers AssumeRole',
    policy: trust(trusts({ Service: 'rds.amazonaws.com' }, { Action: 'sts:*' })),
    principal: RDS,
    expected: 'Allow',
  },
  {
    name: 'Action sts:AssumeRoleWithWebIdentity does not',
    policy: trust(trusts({ Service: 'rds.amazonaws.com' }, { Action: 'sts:AssumeRoleWithWebIdentity' })),
    principal: RDS,
    expected: 'ImplicitDeny',
  },
  { name: 'a trust policy that is not JSON admits no one', policy: '{"Statement": ', principal: RDS, expected: 'ImplicitDeny' },
  {
    name: 'a trust policy with a Resource (malformed) admits no one',
    policy: trust(trusts({ Service: 'rds.amazonaws.com' }, { Resource: '*' })),
    principal: RDS,
    expected: 'ImplicitDeny',
  },
];

describe('trustAdmits', () => {
  it.each(trustCases)('$name', (c) => {
    const decision = trustAdmits(c.policy, c.principal, c.keys);
    expect(decision.effect).toBe(c.expected);
    if (decision.effect !== 'ImplicitDeny') {
      expect(decision.statement.policy).toBe(TRUST_POLICY_NAME);
      expect(decision.statement.sid).toBe(c.sid);
    }
  });
});

interface ParseErrorCase {
  readonly name: string;
  readonly kind: 'identity' | 'trust';
  readonly text: string;
  readonly message: string;
}

const identity = (...statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements });
const goodStatement = { Effect: 'Allow', Action: DETECT, Resource: '*' };

const parseErrorCases: ParseErrorCase[] = [
  {
    name: 'missing Effect',
    kind: 'identity',
    text: identity({ Action: DETECT, Resource: '*' }),
    message: 'Missing required field Effect',
  },
  {
    name: 'Effect in the wrong case',
    kind: 'identity',
    text: identity({ ...goodStatement, Effect: 'allow' }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'Effect neither Allow nor Deny',
    kind: 'identity',
    text: identity({ ...goodStatement, Effect: 'Permit' }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'both Action and NotAction',
    kind: 'identity',
    text: identity({ ...goodStatement, NotAction: INVOKE }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'neither Action nor NotAction',
    kind: 'identity',
    text: identity({ Effect: 'Allow', Resource: '*' }),
    message: 'Missing required field Action',
  },
  {
    name: 'identity policy without Resource',
    kind: 'identity',
    text: identity({ Effect: 'Allow', Action: DETECT }),
    message: 'Missing required field Resource',
  },
  {
    name: 'both Resource and NotResource',
    kind: 'identity',
    text: identity({ ...goodStatement, NotResource: '*' }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'identity policy with a Principal',
    kind: 'identity',
    text: identity({ ...goodStatement, Principal: '*' }),
    message: 'Policy document should not specify a principal.',
  },
  {
    name: 'trust policy without Principal',
    kind: 'trust',
    text: identity({ Effect: 'Allow', Action: 'sts:AssumeRole' }),
    message: 'Missing required field Principal',
  },
  {
    name: 'trust policy with a Resource',
    kind: 'trust',
    text: identity({ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Resource: '*' }),
    message: 'Has prohibited field Resource',
  },
  {
    name: 'trust policy with NotPrincipal',
    kind: 'trust',
    text: identity({ Effect: 'Deny', NotPrincipal: { AWS: ACCOUNT }, Action: 'sts:AssumeRole' }),
    message: 'Has prohibited field NotPrincipal',
  },
  {
    name: 'trust policy with a principal that is not one',
    kind: 'trust',
    text: identity({ Effect: 'Allow', Principal: { AWS: 'bob' }, Action: 'sts:AssumeRole' }),
    message: 'Invalid principal in policy: "AWS":"bob"',
  },
  {
    name: 'bad JSON',
    kind: 'identity',
    text: '{"Version": "2012-10-17", "Statement": [',
    message: 'This policy contains invalid Json',
  },
  { name: 'JSON that is not an object', kind: 'identity', text: '[]', message: 'Syntax errors in policy.' },
  {
    name: 'unknown condition operator',
    kind: 'identity',
    text: identity({ ...goodStatement, Condition: { StringEqualz: { 'aws:RequestedRegion': REGION } } }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'Null cannot take IfExists',
    kind: 'identity',
    text: identity({ ...goodStatement, Condition: { NullIfExists: { 'aws:SourceArn': 'true' } } }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'condition value that is an object',
    kind: 'identity',
    text: identity({ ...goodStatement, Condition: { StringEquals: { 'aws:RequestedRegion': { region: REGION } } } }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'bad Version',
    kind: 'identity',
    text: JSON.stringify({ Version: '2012-10-18', Statement: [goodStatement] }),
    message: 'The policy must contain a valid version string',
  },
  {
    name: 'empty Statement',
    kind: 'identity',
    text: JSON.stringify({ Version: '2012-10-17', Statement: [] }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'missing Statement',
    kind: 'identity',
    text: JSON.stringify({ Version: '2012-10-17' }),
    message: 'Missing required field Statement',
  },
  {
    name: 'unknown top-level field',
    kind: 'identity',
    text: JSON.stringify({ Version: '2012-10-17', Statements: [goodStatement] }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'unknown statement field',
    kind: 'identity',
    text: identity({ ...goodStatement, Effects: 'Allow' }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'empty Action list',
    kind: 'identity',
    text: identity({ ...goodStatement, Action: [] }),
    message: 'Syntax errors in policy.',
  },
  {
    name: 'action without a service prefix',
    kind: 'identity',
    text: identity({ ...goodStatement, Action: 'DetectSentiment' }),
    message: 'DetectSentiment',
  },
  {
    name: 'resource that is not an ARN',
    kind: 'identity',
    text: identity({ ...goodStatement, Resource: 'endpoint/fraud' }),
    message: 'Resource endpoint/fraud must be in ARN format or "*".',
  },
  {
    name: 'duplicate Sids',
    kind: 'identity',
    text: identity({ ...goodStatement, Sid: 'A' }, { ...goodStatement, Sid: 'A' }),
    message: 'Statement IDs (SID) in a single policy must be unique.',
  },
  {
    name: 'Sid with punctuation',
    kind: 'identity',
    text: identity({ ...goodStatement, Sid: 'allow-ml' }),
    message: 'must be alpha-numeric',
  },
];

describe('parsePolicyDocument', () => {
  it.each(parseErrorCases)('rejects $name', (c) => {
    let error: unknown;
    try {
      parsePolicyDocument(c.text, c.kind);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AwsError);
    expect(error).toMatchObject({ code: 'MalformedPolicyDocument', httpStatus: 400, type: 'Sender' });
    expect((error as AwsError).message).toContain(c.message);
  });

  it('normalizes every single-value form to arrays', () => {
    const document = parsePolicyDocument(
      JSON.stringify({
        Statement: {
          Sid: 'Ml',
          Effect: 'Allow',
          Action: DETECT,
          NotResource: endpoint('secret'),
          Condition: { Bool: { 'aws:SecureTransport': true }, 'ForAnyValue:StringLikeIfExists': { 'aws:TagKeys': ['a*', 'b'] } },
        },
      }),
      'identity',
    );
    expect(document).toEqual({
      statements: [
        {
          sid: 'Ml',
          effect: 'Allow',
          actions: { not: false, patterns: [DETECT] },
          resources: { not: true, patterns: [endpoint('secret')] },
          conditions: [
            { operator: { name: 'Bool', base: 'Bool', ifExists: false }, key: 'aws:SecureTransport', values: ['true'] },
            {
              operator: { name: 'ForAnyValue:StringLikeIfExists', base: 'StringLike', set: 'ForAnyValue', ifExists: true },
              key: 'aws:TagKeys',
              values: ['a*', 'b'],
            },
          ],
        },
      ],
    });
  });

  it('parses a trust policy principal into lists', () => {
    const document = parsePolicyDocument(
      JSON.stringify({ Version: '2012-10-17', Statement: [trusts({ Service: 'rds.amazonaws.com', AWS: [ACCOUNT, ROLE] })] }),
      'trust',
    );
    expect(document.version).toBe('2012-10-17');
    expect(document.statements[0]?.principal).toEqual({
      anyone: false,
      aws: [ACCOUNT, ROLE],
      service: ['rds.amazonaws.com'],
      federated: [],
      canonicalUser: [],
    });
    expect(document.statements[0]?.resources).toBeUndefined();
  });

  it('accepts the empty Sid the IAM console writes, more than once', () => {
    const text = identity({ ...goodStatement, Sid: '' }, { ...goodStatement, Sid: '' });
    expect(parsePolicyDocument(text, 'identity').statements).toHaveLength(2);
  });
});

describe('checkPolicySize', () => {
  /** A valid-looking document of exactly `size` non-white-space characters. */
  const ofSize = (size: number) => {
    const shell = JSON.stringify({ Statement: [{ Effect: 'Allow', Action: '*', Resource: 'arn:' }] });
    return shell.replace('"arn:"', `"arn:${'x'.repeat(size - shell.length)}"`);
  };

  it.each([
    ['managed', 6_144, 'Cannot exceed quota for PolicySize: 6144'],
    ['inline', 10_240, 'Maximum policy size of 10240 bytes exceeded'],
    ['trust', 2_048, 'Cannot exceed quota for ACLSizePerRole: 2048'],
  ] as const)('%s policies may have %i characters and no more', (kind, limit, message) => {
    expect(policySize(ofSize(limit))).toBe(limit);
    expect(() => checkPolicySize(ofSize(limit), kind)).not.toThrow();
    expect(() => checkPolicySize(ofSize(limit + 1), kind)).toThrow(message);
    try {
      checkPolicySize(ofSize(limit + 1), kind);
    } catch (error) {
      expect(error).toMatchObject({ code: 'LimitExceeded', httpStatus: 409 });
    }
  });

  it('does not count white space, as IAM does not', () => {
    const pretty = JSON.stringify(JSON.parse(ofSize(6_144)), null, 8);
    expect(pretty.length).toBeGreaterThan(6_144);
    expect(() => checkPolicySize(pretty, 'managed')).not.toThrow();
  });

  it('names the role for inline policies when told it', () => {
    expect(() => checkPolicySize(ofSize(10_241), 'inline', 'aurora-ml')).toThrow('exceeded for role aurora-ml');
  });
});

describe('matchesWildcard', () => {
  it.each([
    ['a*b*c', 'axxbyyc', true],
    ['a*b*c', 'axxbyy', false],
    ['*:endpoint/*', 'arn:aws:sagemaker:r:1:endpoint/x', true],
    ['a?c', 'a😀c', true],
    ['**', '', true],
    ['a*a*a*a*b', `${'a'.repeat(40)}`, false],
  ] as const)('%s against %s', (pattern, value, expected) => {
    expect(matchesWildcard(pattern, value, { ignoreCase: false })).toBe(expected);
  });
});
