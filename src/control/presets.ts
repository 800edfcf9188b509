/**
 * The control plane's starting states. 'demo' is wired the way the Aurora
 * user guide's setup steps leave a cluster, so ML SQL works at once; 'bare'
 * is a pair of fresh clusters, for users who want to walk those steps
 * themselves through the Query API.
 *
 * Parameter groups are custom groups named '<cluster>-params': RDS refuses
 * to modify its default groups (default.aurora-postgresql16), and our
 * clusters' parameters must be modifiable.
 */

import { defaultParameters } from './cluster-parameters.ts';
import { supportedFeatureNames } from './engine-versions.ts';
import type { AssociatedRole, Cluster, ControlState, Engine, FeatureName, IamRole } from './model.ts';

export type Preset = 'demo' | 'bare';

export interface ClusterSpec {
  readonly identifier: string;
  readonly engineVersion: string;
}

export interface PresetOptions {
  readonly accountId: string;
  readonly region: string;
  readonly postgres?: ClusterSpec;
  readonly mysql?: ClusterSpec;
}

export const DEFAULT_POSTGRES: ClusterSpec = { identifier: 'aurora-ml-postgres', engineVersion: '16.6' };
export const DEFAULT_MYSQL: ClusterSpec = { identifier: 'aurora-ml-mysql', engineVersion: '8.0.mysql_aurora.3.08.0' };

/** The demo's roles: one per service, each allowed that service's actions Aurora calls. */
const DEMO_ROLES: readonly { readonly feature: FeatureName; readonly roleName: string; readonly actions: readonly string[] }[] = [
  {
    feature: 'Comprehend',
    roleName: 'aurora-ml-comprehend',
    // Sentiment is what Aurora calls; the rest serve the seed extensions (entities, key phrases, language).
    actions: ['comprehend:DetectSentiment', 'comprehend:BatchDetectSentiment', 'comprehend:Detect*', 'comprehend:BatchDetect*'],
  },
  { feature: 'SageMaker', roleName: 'aurora-ml-sagemaker', actions: ['sagemaker:InvokeEndpoint'] },
  { feature: 'Bedrock', roleName: 'aurora-ml-bedrock', actions: ['bedrock:InvokeModel'] },
];

const MYSQL_ROLE_PARAMETER: Readonly<Record<FeatureName, string>> = {
  Comprehend: 'aws_default_comprehend_role',
  SageMaker: 'aws_default_sagemaker_role',
  Bedrock: 'aws_default_bedrock_role',
};

const TRUST_RDS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** The epoch: demo roles were created, and associated, long before anyone looks. */
const LONG_AGO = new Date(0).toISOString().replace('.000Z', 'Z');

export function controlStateFor(preset: Preset, options: PresetOptions): ControlState {
  const postgres = options.postgres ?? DEFAULT_POSTGRES;
  const mysql = options.mysql ?? DEFAULT_MYSQL;
  const pg = cluster('aurora-postgresql', postgres);
  const my = cluster('aurora-mysql', mysql);
  const roles: Record<string, IamRole> = {};
  if (preset === 'demo') {
    for (const [index, spec] of DEMO_ROLES.entries()) {
      const arn = `arn:aws:iam::${options.accountId}:role/${spec.roleName}`;
      roles[spec.roleName] = {
        roleName: spec.roleName,
        path: '/',
        arn,
        roleId: `AROAAURORAMLDEMO${String(index + 1).padStart(5, '0')}`,
        createDate: LONG_AGO,
        description: `Lets Aurora call ${spec.feature} (emulator demo preset)`,
        maxSessionDuration: 3600,
        assumeRolePolicyDocument: TRUST_RDS,
        inlinePolicies: {
          [`${spec.feature.toLowerCase()}-access`]: JSON.stringify({
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: [...spec.actions], Resource: '*' }],
          }),
        },
        attachedPolicyArns: [],
      };
      if (supportedFeatureNames(pg.engine, pg.engineVersion).includes(spec.feature)) {
        pg.associatedRoles.push(association(arn, spec.feature));
      }
      my.associatedRoles.push(association(arn, null));
      const parameter = my.parameters[MYSQL_ROLE_PARAMETER[spec.feature]];
      if (parameter) {
        parameter.value = arn;
        parameter.source = 'user';
      }
    }
  }
  return {
    version: 0,
    accountId: options.accountId,
    region: options.region,
    roles,
    policies: {},
    clusters: { [pg.identifier]: pg, [my.identifier]: my },
    invokePrivileges: {},
  };
}

function cluster(engine: Engine, spec: ClusterSpec): Cluster {
  return {
    identifier: spec.identifier,
    engine,
    engineVersion: spec.engineVersion,
    writerInstance: `${spec.identifier}-writer`,
    parameterGroupName: `${spec.identifier}-params`,
    associatedRoles: [],
    parameters: defaultParameters(engine),
    lastRebootAt: 0,
  };
}

/** associatedAt 0: ACTIVE from the start, whatever the propagation delay. */
function association(roleArn: string, featureName: FeatureName | null): AssociatedRole {
  return { roleArn, featureName, associatedAt: 0 };
}
