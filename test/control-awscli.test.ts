/**
 * Smoke test with the real AWS CLI pointed at the control API: the IAM and
 * RDS calls a user follows from the Aurora ML setup guide, parsed from the
 * CLI's JSON output. The Debian package's CLI (v2, /usr/bin/aws, which
 * .ci/run installs) is preferred; another `aws` on PATH serves otherwise.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ACCOUNT, DUMMY, startTestControlApi } from './helpers/control-api.ts';

const run = promisify(execFile);

function findAws(): string {
  if (existsSync(DEBIAN_AWS)) return DEBIAN_AWS;
  try {
    return execFileSync('which', ['aws'], { encoding: 'utf8' }).trim() || DEBIAN_AWS;
  } catch {
    return DEBIAN_AWS; // the test then fails on the missing binary: install the Debian package awscli
  }
}
const DEBIAN_AWS = '/usr/bin/aws';
const AWS = findAws();

const ENV = {
  PATH: process.env.PATH ?? '',
  HOME: process.env.HOME ?? '/tmp',
  AWS_ACCESS_KEY_ID: DUMMY.accessKeyId,
  AWS_SECRET_ACCESS_KEY: DUMMY.secretAccessKey,
  AWS_DEFAULT_REGION: 'us-east-1',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PAGER: '',
  // Keep whatever profile the machine has out of the test.
  AWS_CONFIG_FILE: '/nonexistent/aws-config',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent/aws-credentials',
};

async function aws(url: string, ...args: string[]): Promise<unknown> {
  const { stdout } = await run(AWS, ['--endpoint-url', url, '--output', 'json', ...args], { env: ENV });
  return stdout.trim() === '' ? undefined : JSON.parse(stdout);
}

async function awsFails(url: string, ...args: string[]): Promise<string> {
  try {
    await run(AWS, ['--endpoint-url', url, '--output', 'json', ...args], { env: ENV });
  } catch (err) {
    return (err as { stderr: string }).stderr;
  }
  throw new Error('expected the aws command to fail');
}

const TRUST_RDS = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

describe('the AWS CLI against the control API', () => {
  it('creates a role, associates it, sets a parameter, and sees it all in describe-db-clusters', async () => {
    // Signature checking on: the CLI's own SigV4 signing must verify.
    await using api = await startTestControlApi({ credentials: [DUMMY] });
    const created = (await aws(
      api.url,
      'iam',
      'create-role',
      '--role-name',
      'cli-comprehend',
      '--assume-role-policy-document',
      TRUST_RDS,
    )) as { Role: { Arn: string; RoleId: string; AssumeRolePolicyDocument: unknown } };
    const arn = `arn:aws:iam::${ACCOUNT}:role/cli-comprehend`;
    expect(created.Role.Arn).toBe(arn);
    // The CLI decodes IAM's URL-encoded policy documents itself.
    expect(created.Role.AssumeRolePolicyDocument).toEqual(JSON.parse(TRUST_RDS));

    await aws(
      api.url,
      'rds',
      'add-role-to-db-cluster',
      '--db-cluster-identifier',
      'aurora-ml-postgres',
      '--role-arn',
      arn,
      '--feature-name',
      'Comprehend',
    );
    await aws(
      api.url,
      'rds',
      'modify-db-cluster-parameter-group',
      '--db-cluster-parameter-group-name',
      'aurora-ml-postgres-params',
      '--parameters',
      'ParameterName=aurora_ml,ParameterValue=0,ApplyMethod=immediate',
    );
    const described = (await aws(api.url, 'rds', 'describe-db-clusters', '--db-cluster-identifier', 'aurora-ml-postgres')) as {
      DBClusters: {
        DBClusterIdentifier: string;
        AssociatedRoles: unknown[];
        DBClusterMembers: { DBInstanceIdentifier: string }[];
      }[];
    };
    expect(described.DBClusters).toHaveLength(1);
    expect(described.DBClusters[0]).toMatchObject({
      DBClusterIdentifier: 'aurora-ml-postgres',
      AssociatedRoles: [{ RoleArn: arn, FeatureName: 'Comprehend', Status: 'ACTIVE' }],
      DBClusterMembers: [{ DBInstanceIdentifier: 'aurora-ml-postgres-writer' }],
    });
    const params = (await aws(
      api.url,
      'rds',
      'describe-db-cluster-parameters',
      '--db-cluster-parameter-group-name',
      'aurora-ml-postgres-params',
    )) as { Parameters: { ParameterName: string; ParameterValue: string }[] };
    expect(params.Parameters.find((p) => p.ParameterName === 'aurora_ml')?.ParameterValue).toBe('0');

    const stderr = await awsFails(api.url, 'rds', 'describe-db-clusters', '--db-cluster-identifier', 'missing');
    expect(stderr).toContain('DBClusterNotFoundFault');
  });
});
