/**
 * The control plane's Query API driven by the real AWS SDK v3 clients: every
 * IAM and RDS action we emulate, their result shapes and AWS's error codes
 * (the wire Code; SDK v3 names modelled RDS errors after the shape, e.g.
 * DBClusterRoleAlreadyExistsFault for code DBClusterRoleAlreadyExists).
 */
import {
  AttachRolePolicyCommand,
  CreatePolicyCommand,
  CreateRoleCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  DetachRolePolicyCommand,
  GetRoleCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  ListRolesCommand,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AddRoleToDBClusterCommand,
  DescribeDBClusterParametersCommand,
  DescribeDBClustersCommand,
  DescribeDBEngineVersionsCommand,
  ModifyDBClusterParameterGroupCommand,
  RebootDBInstanceCommand,
  RemoveRoleFromDBClusterCommand,
  ResetDBClusterParameterGroupCommand,
} from '@aws-sdk/client-rds';
import { describe, expect, it } from 'vitest';
import { controlStateFor } from '../src/control/presets.ts';
import { MemoryStateStore, type StateStore } from '../src/control/store.ts';
import { ACCOUNT, awsFailure, DUMMY, rawCall, startTestControlApi } from './helpers/control-api.ts';

const trust = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
const TRUST_RDS = trust('rds.amazonaws.com');
const ALLOW_COMPREHEND = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 'comprehend:DetectSentiment', Resource: '*' }],
});
const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;

describe('IAM actions', () => {
  it('CreateRole and GetRole answer IAM Role shapes, with the trust policy URL-encoded', async () => {
    await using api = await startTestControlApi();
    const created = await api.iam.send(
      new CreateRoleCommand({ RoleName: 'ml-role', Path: '/aurora/', AssumeRolePolicyDocument: TRUST_RDS, Description: 'd' }),
    );
    expect(created.Role).toMatchObject({
      RoleName: 'ml-role',
      Path: '/aurora/',
      Arn: `arn:aws:iam::${ACCOUNT}:role/aurora/ml-role`,
      Description: 'd',
      MaxSessionDuration: 3600,
    });
    expect(created.Role?.RoleId).toMatch(/^AROA[A-Z0-9]{17}$/);
    expect(created.Role?.CreateDate).toBeInstanceOf(Date);
    const got = await api.iam.send(new GetRoleCommand({ RoleName: 'ml-role' }));
    expect(decodeURIComponent(got.Role?.AssumeRolePolicyDocument ?? '')).toBe(TRUST_RDS);
    expect(got.Role?.RoleId).toBe(created.Role?.RoleId);
  });

  it('CreateRole rejects duplicates (regardless of case), bad names, bad durations and malformed trust policies', async () => {
    await using api = await startTestControlApi();
    await api.iam.send(new CreateRoleCommand({ RoleName: 'dup', AssumeRolePolicyDocument: TRUST_RDS }));
    expect(
      await awsFailure(api.iam.send(new CreateRoleCommand({ RoleName: 'DUP', AssumeRolePolicyDocument: TRUST_RDS }))),
    ).toMatchObject({ code: 'EntityAlreadyExists', status: 409 });
    expect(
      await awsFailure(api.iam.send(new CreateRoleCommand({ RoleName: 'bad name', AssumeRolePolicyDocument: TRUST_RDS }))),
    ).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(
      await awsFailure(api.iam.send(new CreateRoleCommand({ RoleName: 'x'.repeat(65), AssumeRolePolicyDocument: TRUST_RDS }))),
    ).toMatchObject({ code: 'ValidationError', status: 400 });
    expect(
      await awsFailure(
        api.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST_RDS, MaxSessionDuration: 60 })),
      ),
    ).toMatchObject({ code: 'ValidationError' });
    expect(
      await awsFailure(api.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: '{not json' }))),
    ).toMatchObject({
      code: 'MalformedPolicyDocument',
      status: 400,
    });
    expect(await awsFailure(api.iam.send(new GetRoleCommand({ RoleName: 'nobody' })))).toMatchObject({
      code: 'NoSuchEntity',
      name: 'NoSuchEntityException',
      status: 404,
    });
  });

  it('inline policies: put, get, list, delete; malformed ones are refused', async () => {
    await using api = await startTestControlApi();
    await api.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST_RDS }));
    await api.iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'p', PolicyDocument: ALLOW_COMPREHEND }));
    const got = await api.iam.send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' }));
    expect(got).toMatchObject({ RoleName: 'r', PolicyName: 'p' });
    expect(decodeURIComponent(got.PolicyDocument ?? '')).toBe(ALLOW_COMPREHEND);
    expect((await api.iam.send(new ListRolePoliciesCommand({ RoleName: 'r' }))).PolicyNames).toEqual(['p']);
    expect(
      await awsFailure(
        api.iam.send(new PutRolePolicyCommand({ RoleName: 'r', PolicyName: 'q', PolicyDocument: '{"Statement": 3}' })),
      ),
    ).toMatchObject({ code: 'MalformedPolicyDocument', status: 400 });
    expect(
      await awsFailure(
        api.iam.send(new PutRolePolicyCommand({ RoleName: 'ghost', PolicyName: 'q', PolicyDocument: ALLOW_COMPREHEND })),
      ),
    ).toMatchObject({ code: 'NoSuchEntity', status: 404 });
    expect(await awsFailure(api.iam.send(new DeleteRoleCommand({ RoleName: 'r' })))).toMatchObject({
      code: 'DeleteConflict',
      status: 409,
    });
    await api.iam.send(new DeleteRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' }));
    expect(await awsFailure(api.iam.send(new GetRolePolicyCommand({ RoleName: 'r', PolicyName: 'p' })))).toMatchObject({
      code: 'NoSuchEntity',
      status: 404,
    });
    await api.iam.send(new DeleteRoleCommand({ RoleName: 'r' }));
    expect(await awsFailure(api.iam.send(new GetRoleCommand({ RoleName: 'r' })))).toMatchObject({ code: 'NoSuchEntity' });
  });

  it('managed policies: create, attach, list attached, detach; DeleteRole refuses while attached', async () => {
    await using api = await startTestControlApi();
    await api.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST_RDS }));
    const { Policy } = await api.iam.send(new CreatePolicyCommand({ PolicyName: 'mp', PolicyDocument: ALLOW_COMPREHEND }));
    expect(Policy).toMatchObject({
      PolicyName: 'mp',
      Arn: `arn:aws:iam::${ACCOUNT}:policy/mp`,
      DefaultVersionId: 'v1',
      Path: '/',
      AttachmentCount: 0,
      IsAttachable: true,
    });
    expect(Policy?.PolicyId).toMatch(/^ANPA[A-Z0-9]{17}$/);
    expect(
      await awsFailure(api.iam.send(new CreatePolicyCommand({ PolicyName: 'mp', PolicyDocument: ALLOW_COMPREHEND }))),
    ).toMatchObject({
      code: 'EntityAlreadyExists',
      status: 409,
    });
    const policyArn = Policy?.Arn ?? '';
    await api.iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: policyArn }));
    const unknown = 'arn:aws:iam::aws:policy/ComprehendFullAccess';
    expect(await awsFailure(api.iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: unknown })))).toMatchObject({
      code: 'NoSuchEntity',
      status: 404,
    });
    expect(await awsFailure(api.iam.send(new AttachRolePolicyCommand({ RoleName: 'r', PolicyArn: 'not-an-arn' })))).toMatchObject(
      {
        code: 'InvalidInput',
        status: 400,
      },
    );
    const attached = await api.iam.send(new ListAttachedRolePoliciesCommand({ RoleName: 'r' }));
    expect(attached).toMatchObject({ AttachedPolicies: [{ PolicyName: 'mp', PolicyArn: policyArn }], IsTruncated: false });
    expect(await awsFailure(api.iam.send(new DeleteRoleCommand({ RoleName: 'r' })))).toMatchObject({
      code: 'DeleteConflict',
      status: 409,
    });
    await api.iam.send(new DetachRolePolicyCommand({ RoleName: 'r', PolicyArn: policyArn }));
    expect(await awsFailure(api.iam.send(new DetachRolePolicyCommand({ RoleName: 'r', PolicyArn: policyArn })))).toMatchObject({
      code: 'NoSuchEntity',
    });
    await api.iam.send(new DeleteRoleCommand({ RoleName: 'r' }));
  });

  it('ListRoles filters by PathPrefix and pages with Marker/MaxItems', async () => {
    await using api = await startTestControlApi();
    for (const name of ['c', 'a', 'd', 'b']) {
      await api.iam.send(
        new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: TRUST_RDS, Path: name === 'd' ? '/x/' : '/' }),
      );
    }
    const first = await api.iam.send(new ListRolesCommand({ MaxItems: 2 }));
    expect(first.Roles?.map((r) => r.RoleName)).toEqual(['a', 'b']);
    expect(first.IsTruncated).toBe(true);
    const second = await api.iam.send(new ListRolesCommand({ MaxItems: 2, Marker: first.Marker }));
    expect(second.Roles?.map((r) => r.RoleName)).toEqual(['c', 'd']);
    expect(second.IsTruncated).toBe(false);
    expect(second.Marker).toBeUndefined();
    const underX = await api.iam.send(new ListRolesCommand({ PathPrefix: '/x/' }));
    expect(underX.Roles?.map((r) => r.RoleName)).toEqual(['d']);
  });
});

describe('RDS actions', () => {
  it('DescribeDBClusters answers both clusters, or one, or DBClusterNotFoundFault', async () => {
    await using api = await startTestControlApi();
    const all = await api.rds.send(new DescribeDBClustersCommand({}));
    expect(all.DBClusters?.map((c) => c.DBClusterIdentifier)).toEqual(['aurora-ml-mysql', 'aurora-ml-postgres']);
    const pg = await api.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'aurora-ml-postgres' }));
    expect(pg.DBClusters?.[0]).toMatchObject({
      DBClusterIdentifier: 'aurora-ml-postgres',
      Engine: 'aurora-postgresql',
      EngineVersion: '16.6',
      Status: 'available',
      DBClusterArn: `arn:aws:rds:us-east-1:${ACCOUNT}:cluster:aurora-ml-postgres`,
      DBClusterParameterGroup: 'aurora-ml-postgres-params',
      DBClusterMembers: [
        { DBInstanceIdentifier: 'aurora-ml-postgres-writer', IsClusterWriter: true, DBClusterParameterGroupStatus: 'in-sync' },
      ],
      AssociatedRoles: [],
    });
    expect(await awsFailure(api.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'nope' })))).toMatchObject({
      code: 'DBClusterNotFoundFault',
      status: 404,
    });
  });

  it('a new association is PENDING until the propagation delay has passed, then ACTIVE', async () => {
    let clock = 1_000_000;
    await using api = await startTestControlApi({ propagationDelayMs: 300, now: () => clock });
    await api.iam.send(new CreateRoleCommand({ RoleName: 'cmp', AssumeRolePolicyDocument: TRUST_RDS }));
    await api.rds.send(
      new AddRoleToDBClusterCommand({
        DBClusterIdentifier: 'aurora-ml-postgres',
        RoleArn: roleArn('cmp'),
        FeatureName: 'Comprehend',
      }),
    );
    const status = async () =>
      (await api.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'aurora-ml-postgres' }))).DBClusters?.[0]
        ?.AssociatedRoles;
    expect(await status()).toEqual([{ RoleArn: roleArn('cmp'), FeatureName: 'Comprehend', Status: 'PENDING' }]);
    clock += 299;
    expect((await status())?.[0]?.Status).toBe('PENDING');
    clock += 1;
    expect((await status())?.[0]?.Status).toBe('ACTIVE');
  });

  it('an association is INVALID when the trust policy does not admit rds.amazonaws.com, or the role is gone', async () => {
    await using api = await startTestControlApi();
    await api.iam.send(new CreateRoleCommand({ RoleName: 'ec2', AssumeRolePolicyDocument: trust('ec2.amazonaws.com') }));
    await api.iam.send(new CreateRoleCommand({ RoleName: 'ok', AssumeRolePolicyDocument: TRUST_RDS }));
    await api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-mysql', RoleArn: roleArn('ec2') }));
    await api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-mysql', RoleArn: roleArn('ok') }));
    const statuses = async () =>
      (
        await api.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'aurora-ml-mysql' }))
      ).DBClusters?.[0]?.AssociatedRoles?.map((r) => [r.RoleArn, r.Status, r.FeatureName]);
    expect(await statuses()).toEqual([
      [roleArn('ec2'), 'INVALID', undefined],
      [roleArn('ok'), 'ACTIVE', undefined],
    ]);
    // IAM knows nothing of RDS: it deletes an associated role, which RDS then reports INVALID.
    await api.iam.send(new DeleteRoleCommand({ RoleName: 'ok' }));
    expect((await statuses())?.[1]).toEqual([roleArn('ok'), 'INVALID', undefined]);
    await api.iam.send(new UpdateAssumeRolePolicyCommand({ RoleName: 'ec2', PolicyDocument: TRUST_RDS }));
    expect((await statuses())?.[0]?.[1]).toBe('ACTIVE');
  });

  it('AddRoleToDBCluster: already associated, quota of 5, unknown role, unknown cluster', async () => {
    await using api = await startTestControlApi();
    for (let i = 1; i <= 6; i++) {
      await api.iam.send(new CreateRoleCommand({ RoleName: `r${i}`, AssumeRolePolicyDocument: TRUST_RDS }));
    }
    for (let i = 1; i <= 5; i++) {
      await api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-mysql', RoleArn: roleArn(`r${i}`) }));
    }
    expect(
      await awsFailure(
        api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-mysql', RoleArn: roleArn('r1') })),
      ),
    ).toMatchObject({ code: 'DBClusterRoleAlreadyExists', name: 'DBClusterRoleAlreadyExistsFault', status: 400 });
    expect(
      await awsFailure(
        api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-mysql', RoleArn: roleArn('r6') })),
      ),
    ).toMatchObject({ code: 'DBClusterRoleQuotaExceeded', name: 'DBClusterRoleQuotaExceededFault', status: 400 });
    expect(
      await awsFailure(
        api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-postgres', RoleArn: roleArn('ghost') })),
      ),
    ).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    expect(
      await awsFailure(api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: 'nope', RoleArn: roleArn('r6') }))),
    ).toMatchObject({ code: 'DBClusterNotFoundFault', status: 404 });
  });

  it("FeatureName: PostgreSQL takes its engine version's names, MySQL takes none", async () => {
    await using api = await startTestControlApi({ clusters: { postgres: { identifier: 'old-pg', engineVersion: '14.9' } } });
    await api.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST_RDS }));
    const add = (cluster: string, feature: string) =>
      api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: cluster, RoleArn: roleArn('r'), FeatureName: feature }));
    expect(await awsFailure(add('old-pg', 'Bedrock'))).toMatchObject({ code: 'InvalidParameterValue', status: 400 });
    expect(await awsFailure(add('old-pg', 'Lambda'))).toMatchObject({ code: 'InvalidParameterValue' });
    expect(await awsFailure(add('aurora-ml-mysql', 'SageMaker'))).toMatchObject({ code: 'InvalidParameterValue' });
    await add('old-pg', 'SageMaker');
    const [cluster] = (await api.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'old-pg' }))).DBClusters ?? [];
    expect(cluster?.AssociatedRoles).toEqual([{ RoleArn: roleArn('r'), FeatureName: 'SageMaker', Status: 'ACTIVE' }]);
  });

  it('RemoveRoleFromDBCluster removes the association; a second time is DBClusterRoleNotFound', async () => {
    await using api = await startTestControlApi({ preset: 'demo' });
    const arn = roleArn('aurora-ml-comprehend');
    await api.rds.send(
      new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-postgres', RoleArn: arn, FeatureName: 'Comprehend' }),
    );
    expect(
      await awsFailure(
        api.rds.send(new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: 'aurora-ml-postgres', RoleArn: arn })),
      ),
    ).toMatchObject({ code: 'DBClusterRoleNotFound', name: 'DBClusterRoleNotFoundFault', status: 404 });
  });

  it('the demo preset is fully wired: ACTIVE roles with feature names, MySQL default-role parameters in effect', async () => {
    await using api = await startTestControlApi({ preset: 'demo', propagationDelayMs: 60_000 });
    const { DBClusters } = await api.rds.send(new DescribeDBClustersCommand({}));
    const pg = DBClusters?.find((c) => c.Engine === 'aurora-postgresql');
    expect(pg?.AssociatedRoles).toEqual([
      { RoleArn: roleArn('aurora-ml-comprehend'), FeatureName: 'Comprehend', Status: 'ACTIVE' },
      { RoleArn: roleArn('aurora-ml-sagemaker'), FeatureName: 'SageMaker', Status: 'ACTIVE' },
      { RoleArn: roleArn('aurora-ml-bedrock'), FeatureName: 'Bedrock', Status: 'ACTIVE' },
    ]);
    const params = await api.rds.send(
      new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'aurora-ml-mysql-params' }),
    );
    const byName = Object.fromEntries((params.Parameters ?? []).map((p) => [p.ParameterName, p]));
    expect(byName.aws_default_sagemaker_role).toMatchObject({ ParameterValue: roleArn('aurora-ml-sagemaker'), Source: 'user' });
    expect(byName.aurora_ml).toMatchObject({
      ParameterValue: '1',
      Source: 'engine-default',
      DataType: 'boolean',
      AllowedValues: '0,1',
    });
  });

  it('a pending-reboot parameter shows as pending, and RebootDBInstance puts it in effect', async () => {
    let clock = 5_000;
    await using api = await startTestControlApi({ now: () => clock });
    const arn = roleArn('aurora-ml-sagemaker');
    const modified = await api.rds.send(
      new ModifyDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: 'aurora-ml-mysql-params',
        Parameters: [{ ParameterName: 'aws_default_sagemaker_role', ParameterValue: arn, ApplyMethod: 'pending-reboot' }],
      }),
    );
    expect(modified.DBClusterParameterGroupName).toBe('aurora-ml-mysql-params');
    const describe = async () =>
      (
        await api.rds.send(
          new DescribeDBClusterParametersCommand({ DBClusterParameterGroupName: 'aurora-ml-mysql-params', Source: 'user' }),
        )
      ).Parameters;
    expect(await describe()).toEqual([
      expect.objectContaining({
        ParameterName: 'aws_default_sagemaker_role',
        ParameterValue: arn,
        ApplyMethod: 'pending-reboot',
      }),
    ]);
    const member = async () =>
      (await api.rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: 'aurora-ml-mysql' }))).DBClusters?.[0]
        ?.DBClusterMembers?.[0];
    expect((await member())?.DBClusterParameterGroupStatus).toBe('pending-reboot');
    expect(api.store.current().clusters['aurora-ml-mysql']?.parameters.aws_default_sagemaker_role).toMatchObject({
      value: '',
      pendingValue: arn,
    });

    clock = 9_000;
    const rebooted = await api.rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'aurora-ml-mysql-writer' }));
    expect(rebooted.DBInstance).toMatchObject({
      DBInstanceIdentifier: 'aurora-ml-mysql-writer',
      DBInstanceStatus: 'rebooting',
      DBClusterIdentifier: 'aurora-ml-mysql',
    });
    const cluster = api.store.current().clusters['aurora-ml-mysql'];
    expect(cluster?.parameters.aws_default_sagemaker_role).toEqual({ value: arn, source: 'user' });
    expect(cluster?.lastRebootAt).toBe(9_000);
    expect((await describe())?.[0]?.ApplyMethod).toBe('immediate');
    expect((await member())?.DBClusterParameterGroupStatus).toBe('in-sync');
    expect(await awsFailure(api.rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: 'nope' })))).toMatchObject({
      code: 'DBInstanceNotFound',
      name: 'DBInstanceNotFoundFault',
      status: 404,
    });
  });

  it('ModifyDBClusterParameterGroup validates names, values, apply methods and the group', async () => {
    await using api = await startTestControlApi();
    const modify = (group: string, ParameterName: string, ParameterValue: string, ApplyMethod: 'immediate' | 'pending-reboot') =>
      api.rds.send(
        new ModifyDBClusterParameterGroupCommand({
          DBClusterParameterGroupName: group,
          Parameters: [{ ParameterName, ParameterValue, ApplyMethod }],
        }),
      );
    expect(await awsFailure(modify('aurora-ml-mysql-params', 'max_connections', '5', 'immediate'))).toMatchObject({
      code: 'InvalidParameterValue',
      status: 400,
    });
    // MySQL's default-role parameters do not exist on PostgreSQL, which uses feature names.
    expect(await awsFailure(modify('aurora-ml-postgres-params', 'aws_default_comprehend_role', '', 'immediate'))).toMatchObject({
      code: 'InvalidParameterValue',
    });
    expect(
      await awsFailure(modify('aurora-ml-mysql-params', 'aws_default_comprehend_role', 'not-an-arn', 'immediate')),
    ).toMatchObject({
      code: 'InvalidParameterValue',
    });
    expect(await awsFailure(modify('aurora-ml-mysql-params', 'aurora_ml', '0', 'pending-reboot'))).toMatchObject({
      code: 'InvalidParameterValue',
    });
    expect(await awsFailure(modify('aurora-ml-mysql-params', 'aurora_ml', '2', 'immediate'))).toMatchObject({
      code: 'InvalidParameterValue',
    });
    expect(await awsFailure(modify('no-such-group', 'aurora_ml', '0', 'immediate'))).toMatchObject({
      code: 'DBParameterGroupNotFound',
      name: 'DBParameterGroupNotFoundFault',
      status: 404,
    });
    await modify('aurora-ml-postgres-params', 'aurora_ml', '0', 'immediate');
    expect(api.store.current().clusters['aurora-ml-postgres']?.parameters.aurora_ml).toEqual({ value: '0', source: 'user' });
    await modify('aurora-ml-mysql-params', 'aws_default_bedrock_role', roleArn('b'), 'immediate');
    expect(api.store.current().clusters['aurora-ml-mysql']?.parameters.aws_default_bedrock_role?.value).toBe(roleArn('b'));
  });

  it('ResetDBClusterParameterGroup restores engine defaults, all or by name', async () => {
    await using api = await startTestControlApi({ preset: 'demo' });
    const group = 'aurora-ml-mysql-params';
    await api.rds.send(
      new ModifyDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: group,
        Parameters: [{ ParameterName: 'aurora_ml', ParameterValue: '0', ApplyMethod: 'immediate' }],
      }),
    );
    await api.rds.send(
      new ResetDBClusterParameterGroupCommand({
        DBClusterParameterGroupName: group,
        Parameters: [{ ParameterName: 'aurora_ml', ApplyMethod: 'immediate' }],
      }),
    );
    const params = () => api.store.current().clusters['aurora-ml-mysql']?.parameters;
    expect(params()?.aurora_ml).toEqual({ value: '1', source: 'engine-default' });
    expect(params()?.aws_default_comprehend_role?.value).toBe(roleArn('aurora-ml-comprehend'));
    const reset = await api.rds.send(
      new ResetDBClusterParameterGroupCommand({ DBClusterParameterGroupName: group, ResetAllParameters: true }),
    );
    expect(reset.DBClusterParameterGroupName).toBe(group);
    expect(params()?.aws_default_comprehend_role).toEqual({ value: '', source: 'engine-default' });
    expect(
      await awsFailure(api.rds.send(new ResetDBClusterParameterGroupCommand({ DBClusterParameterGroupName: group }))),
    ).toMatchObject({
      code: 'InvalidParameterCombination',
    });
  });

  it('DescribeDBEngineVersions reports the feature names each engine version supports', async () => {
    await using api = await startTestControlApi();
    const features = async (Engine: string, EngineVersion: string) =>
      (await api.rds.send(new DescribeDBEngineVersionsCommand({ Engine, EngineVersion }))).DBEngineVersions?.map((v) => [
        v.EngineVersion,
        v.SupportedFeatureNames,
      ]);
    expect(await features('aurora-postgresql', '16.6')).toEqual([['16.6', ['Comprehend', 'SageMaker', 'Bedrock']]]);
    expect(await features('aurora-postgresql', '14.9')).toEqual([['14.9', ['Comprehend', 'SageMaker']]]);
    expect(await features('aurora-postgresql', '15.8')).toEqual([['15.8', ['Comprehend', 'SageMaker', 'Bedrock']]]);
    expect(await features('aurora-mysql', '8.0.mysql_aurora.3.08.0')).toEqual([['8.0.mysql_aurora.3.08.0', []]]);
    const pg = await api.rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'aurora-postgresql' }));
    expect(pg.DBEngineVersions?.every((v) => v.Engine === 'aurora-postgresql')).toBe(true);
    expect(pg.DBEngineVersions?.find((v) => v.EngineVersion === '16.6')?.DBParameterGroupFamily).toBe('aurora-postgresql16');
    expect(await awsFailure(api.rds.send(new DescribeDBEngineVersionsCommand({ Engine: 'oracle-ee' })))).toMatchObject({
      code: 'InvalidParameterValue',
    });
  });
});

describe('the Query protocol', () => {
  it('with credentials configured, the right secret is accepted and a wrong one is SignatureDoesNotMatch', async () => {
    await using api = await startTestControlApi({ credentials: [DUMMY] });
    expect((await api.rds.send(new DescribeDBClustersCommand({}))).DBClusters).toHaveLength(2);
    await api.iam.send(
      new CreateRoleCommand({ RoleName: 'signed', Description: "a b+c/=&'é*", AssumeRolePolicyDocument: TRUST_RDS }),
    );
    expect((await api.iam.send(new GetRoleCommand({ RoleName: 'signed' }))).Role?.Description).toBe("a b+c/=&'é*");
    await using wrong = await startTestControlApi({
      credentials: [DUMMY],
      clientCredentials: { accessKeyId: DUMMY.accessKeyId, secretAccessKey: 'wrong' },
    });
    expect(await awsFailure(wrong.iam.send(new ListRolesCommand({})))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
    expect(await awsFailure(wrong.rds.send(new DescribeDBClustersCommand({})))).toMatchObject({
      code: 'SignatureDoesNotMatch',
      status: 403,
    });
    await using unknown = await startTestControlApi({
      credentials: [DUMMY],
      clientCredentials: { accessKeyId: 'AKIAUNKNOWN', secretAccessKey: DUMMY.secretAccessKey },
    });
    expect(await awsFailure(unknown.iam.send(new ListRolesCommand({})))).toMatchObject({
      code: 'InvalidClientTokenId',
      status: 403,
    });
    const unsigned = await rawCall(api.url, 'Action=ListRoles&Version=2010-05-08');
    expect(unsigned.status).toBe(403);
    expect(unsigned.text).toContain('<Code>MissingAuthenticationToken</Code>');
  });

  it('without credentials configured, unsigned requests work, by POST or GET, routed by Version or by action', async () => {
    await using api = await startTestControlApi();
    const post = await rawCall(api.url, 'Action=DescribeDBClusters&Version=2014-10-31&DBClusterIdentifier=aurora-ml-mysql');
    expect(post.status).toBe(200);
    expect(post.text).toMatch(
      /^<\?xml version="1.0" encoding="UTF-8"\?>\n<DescribeDBClustersResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><DescribeDBClustersResult><DBClusters><DBCluster><DBClusterIdentifier>aurora-ml-mysql</,
    );
    expect(post.text).toMatch(
      /<ResponseMetadata><RequestId>[0-9a-f-]{36}<\/RequestId><\/ResponseMetadata><\/DescribeDBClustersResponse>/,
    );
    const get = await rawCall(`${api.url}/?Action=ListRoles&Version=2010-05-08`, '', { method: 'GET' });
    expect(get.status).toBe(200);
    expect(get.text).toContain('<ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><ListRolesResult>');
    const noVersion = await rawCall(api.url, 'Action=DescribeDBEngineVersions&Engine=aurora-mysql');
    expect(noVersion.status).toBe(200);
    expect(noVersion.text).toContain('<DBEngineVersion><Engine>aurora-mysql</Engine>');
  });

  it('unknown actions, missing parameters and malformed bodies answer AWS error XML', async () => {
    await using api = await startTestControlApi();
    const unknown = await rawCall(api.url, 'Action=DropEverything&Version=2014-10-31');
    expect(unknown.status).toBe(400);
    expect(unknown.text).toMatch(
      /<ErrorResponse xmlns="http:\/\/rds.amazonaws.com\/doc\/2014-10-31\/"><Error><Type>Sender<\/Type><Code>InvalidAction<\/Code><Message>[^<]+<\/Message><\/Error><RequestId>[0-9a-f-]{36}<\/RequestId><\/ErrorResponse>/,
    );
    const noAction = await rawCall(api.url, 'Version=2010-05-08');
    expect(noAction.status).toBe(400);
    expect(noAction.text).toContain('<Code>MissingAction</Code>');
    const iamMissing = await rawCall(api.url, `Action=CreateRole&Version=2010-05-08&RoleName=x`);
    expect(iamMissing.status).toBe(400);
    expect(iamMissing.text).toContain('<Code>ValidationError</Code>');
    expect(iamMissing.text).toContain("at 'assumeRolePolicyDocument'");
    const rdsMissing = await rawCall(api.url, 'Action=AddRoleToDBCluster&Version=2014-10-31&DBClusterIdentifier=aurora-ml-mysql');
    expect(rdsMissing.status).toBe(400);
    expect(rdsMissing.text).toContain('<Code>MissingParameter</Code>');
    const badInt = await rawCall(api.url, 'Action=ListRoles&Version=2010-05-08&MaxItems=many');
    expect(badInt.text).toContain('<Code>ValidationError</Code>');
    const malformed = await rawCall(api.url, 'Action=ListRoles&Version=2010-05-08&Marker=%ZZ');
    expect(malformed.status).toBe(404);
    expect(malformed.text).toContain('<Code>MalformedQueryString</Code>');
    const garbage = await rawCall(api.url, '\u0000\u0001{"not": "a form"}', { headers: { 'content-type': 'application/json' } });
    expect(garbage.status).toBe(400);
    expect(garbage.text).toContain('<Code>MissingAction</Code>');
    for (const r of [unknown, noAction, iamMissing, rdsMissing, malformed, garbage]) expect(r.text).not.toMatch(/at .*\.ts:\d+/);
  });

  it('an unexpected failure is InternalFailure 500 with no internals in the body', async () => {
    const inner = new MemoryStateStore(controlStateFor('bare', { accountId: ACCOUNT, region: 'us-east-1' }));
    const broken: StateStore = {
      current: () => inner.current(),
      update: async () => {
        throw new TypeError('secret internal detail');
      },
      onChange: (listener) => inner.onChange(listener),
      close: () => inner.close(),
    };
    await using api = await startTestControlApi({ store: broken });
    const failure = await awsFailure(api.iam.send(new CreateRoleCommand({ RoleName: 'r', AssumeRolePolicyDocument: TRUST_RDS })));
    expect(failure).toMatchObject({ code: 'InternalFailure', status: 500 });
    const raw = await rawCall(
      api.url,
      `Action=CreateRole&Version=2010-05-08&RoleName=r&AssumeRolePolicyDocument=${encodeURIComponent(TRUST_RDS)}`,
    );
    expect(raw.status).toBe(500);
    expect(raw.text).toContain('<Type>Receiver</Type><Code>InternalFailure</Code>');
    expect(raw.text).not.toContain('secret internal detail');
    expect(raw.text).not.toContain('TypeError');
  });
});
