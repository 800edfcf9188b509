/**
 * The whole wiring story of Aurora ML, walked the way the user guide walks it:
 * IAM role and policy through @aws-sdk/client-iam, parameter group, reboot and
 * role association through @aws-sdk/client-rds, each step checked through SQL
 * on the emulator's fronts (error code, and a message naming what to fix).
 * Every emulator here has a fresh PostgreSQL database (its control-plane
 * state) and a fresh MySQL database, so nothing shared is changed.
 */
import {
  CreateRoleCommand,
  DeleteRolePolicyCommand,
  IAMClient,
  PutRolePolicyCommand,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam';
import {
  AddRoleToDBClusterCommand,
  type DBCluster,
  DescribeDBClustersCommand,
  ModifyDBClusterParameterGroupCommand,
  RDSClient,
  RebootDBInstanceCommand,
  RemoveRoleFromDBClusterCommand,
} from '@aws-sdk/client-rds';
import mysql from 'mysql2/promise';
import pg from 'pg';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../src/index.ts';
import { DUMMY } from './helpers/control-api.ts';
import { mysqlUrl, startTestEmulator, UPSTREAM } from './helpers/emulator.ts';

const DELAY_MS = 400;
const SUFFIX = `${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
const MY_CALL = "SELECT aws_comprehend_detect_sentiment('I love it','en') AS s";
const PG_CALL = "SELECT (aws_comprehend.detect_sentiment('I love it','en')).sentiment AS s";

const trust = (service: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
const ALLOW_SENTIMENT = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: ['comprehend:DetectSentiment', 'comprehend:BatchDetectSentiment'], Resource: '*' }],
});
const DENY_BATCH = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Sid: 'NoBatch', Effect: 'Deny', Action: 'comprehend:BatchDetectSentiment', Resource: '*' }],
});

/** SDK clients pointed at an emulator's own API. */
function clients(emu: Emulator) {
  const config = { endpoint: emu.api.url, region: 'us-east-1', credentials: DUMMY, maxAttempts: 1 };
  const iam = new IAMClient(config);
  const rds = new RDSClient(config);
  return {
    iam,
    rds,
    [Symbol.dispose]: () => {
      iam.destroy();
      rds.destroy();
    },
  };
}

async function clusterOf(rds: RDSClient, engine: 'aurora-mysql' | 'aurora-postgresql'): Promise<DBCluster> {
  const { DBClusters = [] } = await rds.send(new DescribeDBClustersCommand({}));
  const cluster = DBClusters.find((c) => c.Engine === engine);
  if (cluster === undefined) throw new Error(`no ${engine} cluster in DescribeDBClusters`);
  return cluster;
}

async function statusOf(rds: RDSClient, engine: 'aurora-mysql' | 'aurora-postgresql', roleArn: string) {
  return (await clusterOf(rds, engine)).AssociatedRoles?.find((r) => r.RoleArn === roleArn)?.Status;
}

async function createRole(iam: IAMClient, name: string, service = 'rds.amazonaws.com', policy = ALLOW_SENTIMENT) {
  const { Role } = await iam.send(new CreateRoleCommand({ RoleName: name, AssumeRolePolicyDocument: trust(service) }));
  await iam.send(new PutRolePolicyCommand({ RoleName: name, PolicyName: 'comprehend-sentiment', PolicyDocument: policy }));
  const arn = Role?.Arn;
  if (arn === undefined) throw new Error('CreateRole returned no ARN');
  return arn;
}

async function setParameter(rds: RDSClient, group: string, name: string, value: string, method: 'immediate' | 'pending-reboot') {
  await rds.send(
    new ModifyDBClusterParameterGroupCommand({
      DBClusterParameterGroupName: group,
      Parameters: [{ ParameterName: name, ParameterValue: value, ApplyMethod: method }],
    }),
  );
}

/** Polls until check() holds (or throws its last failure). */
async function until<T>(what: string, check: () => Promise<T>, timeoutMs = 4000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${what}: still failing after ${timeoutMs} ms: ${(err as Error).message}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface SqlFailure {
  readonly errno: number;
  readonly sqlState: string;
  readonly code: string;
  readonly message: string;
}

async function myFailure(conn: mysql.Connection, sql = MY_CALL): Promise<SqlFailure> {
  try {
    await conn.query(sql);
  } catch (err) {
    const e = err as { errno?: number; sqlState?: string; code?: string; message: string };
    return { errno: e.errno ?? 0, sqlState: e.sqlState ?? '', code: e.code ?? '', message: e.message };
  }
  throw new Error(`expected ${sql} to fail`);
}

async function mySentiment(conn: mysql.Connection): Promise<unknown> {
  const [rows] = await conn.query<mysql.RowDataPacket[]>(MY_CALL);
  return rows[0]?.s;
}

async function pgFailure(client: pg.Client, sql = PG_CALL): Promise<{ code: string; message: string }> {
  try {
    await client.query(sql);
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? '', message: e.message };
  }
  throw new Error(`expected ${sql} to fail`);
}

async function pgSentiment(client: pg.Client): Promise<unknown> {
  return (await client.query<{ s: string }>(PG_CALL)).rows[0]?.s;
}

async function myConnect(url: string, user?: { name: string; password: string }): Promise<mysql.Connection> {
  const conn =
    user === undefined
      ? await mysql.createConnection(url)
      : await mysql.createConnection({
          uri: url.replace(/^mysql:\/\/[^@]*@/, 'mysql://'),
          user: user.name,
          password: user.password,
        });
  // A dropped session (reboot) must reach the test as a failed query, not as an unhandled 'error' event.
  conn.on('error', () => {});
  return conn;
}

async function pgConnect(url: string, user?: string): Promise<pg.Client> {
  const u = new URL(url);
  if (user !== undefined) u.username = user;
  const client = new pg.Client({ connectionString: u.toString() });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A fresh MySQL database, dropped on dispose. */
async function freshMysqlDatabase(tag: string) {
  const name = `aml_wiring_${tag}_${SUFFIX}`;
  const admin = await mysql.createConnection(mysqlUrl('mysql'));
  await admin.query(`CREATE DATABASE ${name}`);
  return {
    name,
    url: mysqlUrl(name),
    admin,
    [Symbol.asyncDispose]: async () => {
      await admin.query(`DROP DATABASE IF EXISTS ${name}`);
      await admin.end();
    },
  };
}

/** A fresh PostgreSQL database (the control plane's durable state lives in it), dropped on dispose. */
async function freshPgDatabase(tag: string) {
  const name = `aml_wiring_${tag}_${SUFFIX}`;
  const admin = new pg.Client({ connectionString: UPSTREAM });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(UPSTREAM);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    [Symbol.asyncDispose]: async () => {
      const cleanup = new pg.Client({ connectionString: UPSTREAM });
      await cleanup.connect();
      await cleanup.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await cleanup.end();
    },
  };
}

const silent = () => pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

describe('wiring Aurora ML on the MySQL front, step by step', () => {
  it('version 3: parameter, reboot, association, AWS_COMPREHEND_ACCESS, explicit deny, removal', async () => {
    await using db = await freshMysqlDatabase('v3');
    await using t = await startTestEmulator({
      controlPreset: 'bare',
      associationDelayMs: DELAY_MS,
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: db.url,
      logger: silent(),
    });
    const emu = t.emulator;
    const url = emu.mysql?.url ?? '';
    using api = clients(emu);
    const user = { name: `aml_wire_${SUFFIX}`, password: 'Aml-wire-1' };
    let root = await myConnect(url);
    let app: mysql.Connection | undefined;
    try {
      // 1. Nothing wired: the parameter naming the role is empty.
      let failure = await myFailure(root);
      expect(failure).toMatchObject({ errno: 1815, sqlState: 'HY000' });
      expect(failure.message).toContain('aws_default_comprehend_role');
      expect(failure.message).toContain('is empty');

      // 2. The role, trusted by RDS, allowed sentiment.
      const roleArn = await createRole(api.iam, `aml-wire-comprehend-${SUFFIX}`.slice(0, 64));

      // 3. The parameter, pending until the writer reboots.
      const cluster = await clusterOf(api.rds, 'aurora-mysql');
      const group = cluster.DBClusterParameterGroup ?? '';
      const writer = cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier ?? '';
      expect(group).not.toBe('');
      expect(writer).not.toBe('');
      await setParameter(api.rds, group, 'aws_default_comprehend_role', roleArn, 'pending-reboot');
      const [before] = await root.query<mysql.RowDataPacket[]>("SHOW GLOBAL VARIABLES LIKE 'aws_default_comprehend_role'");
      expect(before.map((r) => [r.Variable_name, r.Value])).toEqual([['aws_default_comprehend_role', '']]);
      failure = await myFailure(root);
      expect(failure).toMatchObject({ errno: 1815, sqlState: 'HY000' });
      expect(failure.message).toContain('aws_default_comprehend_role');
      expect(failure.message).toContain('is empty');

      // 4. Reboot the writer: the session is dropped; after reconnecting the parameter is in effect.
      await api.rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: writer }));
      const dropped = await myFailure(root, 'SELECT 1');
      expect(dropped.code).toMatch(/PROTOCOL_CONNECTION_LOST|ECONNRESET|EPIPE|CONNECTION_CLOSED|ERR_SOCKET/);
      await root.end().catch(() => {});
      root = await myConnect(url);
      const [after] = await root.query<mysql.RowDataPacket[]>("SHOW GLOBAL VARIABLES LIKE 'aws_default_comprehend_role'");
      expect(after.map((r) => [r.Variable_name, r.Value])).toEqual([['aws_default_comprehend_role', roleArn]]);
      failure = await myFailure(root);
      expect(failure).toMatchObject({ errno: 1815, sqlState: 'HY000' });
      expect(failure.message).toContain('not associated');
      expect(failure.message).toContain(roleArn);

      // 5. Associate (no feature name on MySQL): PENDING, then ACTIVE.
      await api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: cluster.DBClusterIdentifier, RoleArn: roleArn }));
      expect(await statusOf(api.rds, 'aurora-mysql', roleArn)).toBe('PENDING');
      failure = await myFailure(root);
      expect(failure).toMatchObject({ errno: 1815, sqlState: 'HY000' });
      expect(failure.message).toContain('PENDING');
      await until('association ACTIVE', async () => expect(await statusOf(api.rds, 'aurora-mysql', roleArn)).toBe('ACTIVE'));
      expect(await mySentiment(root)).toBe('POSITIVE');

      // 6. A non-master user needs AWS_COMPREHEND_ACCESS, enabled in the session.
      await root.query(`CREATE USER '${user.name}'@'%' IDENTIFIED BY '${user.password}'`);
      await root.query(`GRANT SELECT ON ${db.name}.* TO '${user.name}'@'%'`);
      await root.query(`GRANT EXECUTE, CREATE TEMPORARY TABLES ON aurora_ml.* TO '${user.name}'@'%'`);
      app = await myConnect(url, user);
      failure = await myFailure(app);
      expect(failure).toMatchObject({ errno: 1227, sqlState: '42000' });
      expect(failure.message).toContain('AWS_COMPREHEND_ACCESS');
      await root.query(`GRANT AWS_COMPREHEND_ACCESS TO '${user.name}'@'%'`);
      await app.query('SET ROLE AWS_COMPREHEND_ACCESS');
      expect(await mySentiment(app)).toBe('POSITIVE');

      // 7. An explicit Deny on the batch action wins over the Allow.
      const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
      await api.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'deny-batch', PolicyDocument: DENY_BATCH }));
      for (const conn of [root, app]) {
        failure = await myFailure(conn);
        expect(failure).toMatchObject({ errno: 1815, sqlState: 'HY000' });
        expect(failure.message).toContain('deny-batch');
        expect(failure.message).toContain('NoBatch');
        expect(failure.message).toContain('comprehend:BatchDetectSentiment');
      }
      const [[idRow]] = await root.query<mysql.RowDataPacket[]>('SELECT CONNECTION_ID() AS id');
      const denial = emu.control.gate.lastDenial('mysql', Number(idRow?.id));
      expect(denial).toMatchObject({ step: 'iam', fn: 'aws_comprehend.detect_sentiment' });
      expect(denial?.message).toContain('NoBatch');
      await api.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'deny-batch' }));
      expect(await mySentiment(root)).toBe('POSITIVE');
      expect(await mySentiment(app)).toBe('POSITIVE');

      // 8. Removing the role unwires the cluster again.
      await api.rds.send(
        new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: cluster.DBClusterIdentifier, RoleArn: roleArn }),
      );
      failure = await myFailure(root);
      expect(failure).toMatchObject({ errno: 1815, sqlState: 'HY000' });
      expect(failure.message).toContain('not associated');
    } finally {
      await app?.end().catch(() => {});
      await root.end().catch(() => {});
      await db.admin.query(`DROP USER IF EXISTS '${user.name}'@'%'`);
    }
  });

  it('version 2: GRANT INVOKE COMPREHEND ON *.* through the emulator, SHOW GRANTS, REVOKE', async () => {
    await using db = await freshMysqlDatabase('v2');
    await using t = await startTestEmulator({
      controlPreset: 'demo',
      mysqlEngineVersion: '5.7.mysql_aurora.2.11.2',
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: db.url,
      logger: silent(),
    });
    const url = t.emulator.mysql?.url ?? '';
    const user = { name: `aml_wire2_${SUFFIX}`, password: 'Aml-wire-2' };
    const root = await myConnect(url);
    let app: mysql.Connection | undefined;
    try {
      expect(await mySentiment(root)).toBe('POSITIVE');
      await root.query(`CREATE USER '${user.name}'@'%' IDENTIFIED BY '${user.password}'`);
      await root.query(`GRANT SELECT ON ${db.name}.* TO '${user.name}'@'%'`);
      await root.query(`GRANT EXECUTE, CREATE TEMPORARY TABLES ON aurora_ml.* TO '${user.name}'@'%'`);
      app = await myConnect(url, user);
      let failure = await myFailure(app);
      expect(failure).toMatchObject({ errno: 1227, sqlState: '42000' });
      expect(failure.message).toContain('INVOKE COMPREHEND');

      await root.query(`GRANT INVOKE COMPREHEND ON *.* TO '${user.name}'@'%'`);
      const [grants] = await root.query<mysql.RowDataPacket[]>(`SHOW GRANTS FOR '${user.name}'@'%'`);
      const lines = grants.map((r) => String(Object.values(r)[0]));
      expect(lines).toContain(`GRANT INVOKE COMPREHEND ON *.* TO '${user.name}'@'%'`);
      expect(await mySentiment(app)).toBe('POSITIVE');

      await root.query(`REVOKE INVOKE COMPREHEND ON *.* FROM '${user.name}'@'%'`);
      failure = await myFailure(app);
      expect(failure).toMatchObject({ errno: 1227, sqlState: '42000' });
      expect(failure.message).toContain('INVOKE COMPREHEND');
    } finally {
      await app?.end().catch(() => {});
      await root.end().catch(() => {});
      await db.admin.query(`DROP USER IF EXISTS '${user.name}'@'%'`);
    }
  });
});

describe('wiring Aurora ML on the PostgreSQL front', () => {
  it('feature Comprehend: association PENDING then ACTIVE, EXECUTE via aws_ml, explicit deny, removal', async () => {
    const appRole = `aml_wire_app_${SUFFIX}`;
    try {
      await using t = await startTestEmulator({ controlPreset: 'bare', associationDelayMs: DELAY_MS, logger: silent() });
      using api = clients(t.emulator);
      const admin = await t.client();
      await admin.query('CREATE EXTENSION aws_ml CASCADE');

      let failure = await pgFailure(admin);
      expect(failure.code).toBe('38000');
      expect(failure.message).toContain('Comprehend');
      expect(failure.message).toContain('No IAM role is associated');

      const roleArn = await createRole(api.iam, `aml-wire-pg-${SUFFIX}`.slice(0, 64));
      const cluster = await clusterOf(api.rds, 'aurora-postgresql');
      const id = cluster.DBClusterIdentifier;
      await api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: id, RoleArn: roleArn, FeatureName: 'Comprehend' }));
      expect(await statusOf(api.rds, 'aurora-postgresql', roleArn)).toBe('PENDING');
      failure = await pgFailure(admin);
      expect(failure.code).toBe('38000');
      expect(failure.message).toContain('PENDING');
      await until('association ACTIVE', async () => expect(await statusOf(api.rds, 'aurora-postgresql', roleArn)).toBe('ACTIVE'));
      expect(await pgSentiment(admin)).toBe('POSITIVE');

      // A non-superuser: EXECUTE is revoked from PUBLIC, so the server itself refuses; the aws_ml role grants it.
      await admin.query(`CREATE ROLE ${appRole} LOGIN`);
      const app = await pgConnect(t.url, appRole);
      try {
        failure = await pgFailure(app);
        expect(failure.code).toBe('42501');
        expect(failure.message).toContain('permission denied for function detect_sentiment');
        await admin.query(`GRANT aws_ml TO ${appRole}`);
        expect(await pgSentiment(app)).toBe('POSITIVE');
      } finally {
        await app.end().catch(() => {});
      }

      // An explicit Deny names the policy and the statement.
      const roleName = roleArn.slice(roleArn.lastIndexOf('/') + 1);
      await api.iam.send(new PutRolePolicyCommand({ RoleName: roleName, PolicyName: 'deny-batch', PolicyDocument: DENY_BATCH }));
      failure = await pgFailure(admin);
      expect(failure.code).toBe('38000');
      expect(failure.message).toContain('deny-batch');
      expect(failure.message).toContain('NoBatch');
      await api.iam.send(new DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: 'deny-batch' }));
      expect(await pgSentiment(admin)).toBe('POSITIVE');

      // Removed: not wired any more.
      await api.rds.send(
        new RemoveRoleFromDBClusterCommand({ DBClusterIdentifier: id, RoleArn: roleArn, FeatureName: 'Comprehend' }),
      );
      failure = await pgFailure(admin);
      expect(failure.code).toBe('38000');
      expect(failure.message).toContain('No IAM role is associated');
    } finally {
      const cleanup = new pg.Client({ connectionString: UPSTREAM });
      await cleanup.connect();
      await cleanup.query(`DROP ROLE IF EXISTS ${appRole}`);
      await cleanup.end();
    }
  });

  it('a role whose trust policy names ec2.amazonaws.com is INVALID until UpdateAssumeRolePolicy names rds.amazonaws.com', async () => {
    await using t = await startTestEmulator({ controlPreset: 'bare', associationDelayMs: DELAY_MS, logger: silent() });
    using api = clients(t.emulator);
    const admin = await t.client();
    await admin.query('CREATE EXTENSION aws_ml CASCADE');
    const id = (await clusterOf(api.rds, 'aurora-postgresql')).DBClusterIdentifier;
    // A role RDS may not assume: INVALID, until its trust policy names rds.amazonaws.com.
    const ec2Arn = await createRole(api.iam, `aml-wire-ec2-${SUFFIX}`.slice(0, 64), 'ec2.amazonaws.com');
    await api.rds.send(new AddRoleToDBClusterCommand({ DBClusterIdentifier: id, RoleArn: ec2Arn, FeatureName: 'Comprehend' }));
    expect(await statusOf(api.rds, 'aurora-postgresql', ec2Arn)).toBe('INVALID');
    const failure = await pgFailure(admin);
    expect(failure.code).toBe('38000');
    expect(failure.message).toContain('INVALID');
    expect(failure.message).toContain(ec2Arn);
    await api.iam.send(
      new UpdateAssumeRolePolicyCommand({
        RoleName: ec2Arn.slice(ec2Arn.lastIndexOf('/') + 1),
        PolicyDocument: trust('rds.amazonaws.com'),
      }),
    );
    await until('trusted role ACTIVE', async () => expect(await statusOf(api.rds, 'aurora-postgresql', ec2Arn)).toBe('ACTIVE'));
    expect(await pgSentiment(admin)).toBe('POSITIVE');
  });
});

describe('the aurora_ml switch', () => {
  it('aurora_ml = 0 (immediate) makes calls fail with MlDisabled on both fronts; 1 brings them back', async () => {
    await using db = await freshMysqlDatabase('switch');
    await using t = await startTestEmulator({
      controlPreset: 'demo',
      mysqlListen: '127.0.0.1:0',
      mysqlUpstream: db.url,
      logger: silent(),
    });
    using api = clients(t.emulator);
    const pgc = await t.client();
    await pgc.query('CREATE EXTENSION aws_ml CASCADE');
    const my = await myConnect(t.emulator.mysql?.url ?? '');
    try {
      expect(await mySentiment(my)).toBe('POSITIVE');
      expect(await pgSentiment(pgc)).toBe('POSITIVE');
      const groups = [
        (await clusterOf(api.rds, 'aurora-mysql')).DBClusterParameterGroup ?? '',
        (await clusterOf(api.rds, 'aurora-postgresql')).DBClusterParameterGroup ?? '',
      ];
      for (const group of groups) await setParameter(api.rds, group, 'aurora_ml', '0', 'immediate');
      const myOff = await myFailure(my);
      expect(myOff).toMatchObject({ errno: 1815, sqlState: 'HY000' });
      expect(myOff.message).toContain('aurora_ml');
      const pgOff = await pgFailure(pgc);
      expect(pgOff.code).toBe('55000');
      expect(pgOff.message).toContain('aurora_ml');
      for (const group of groups) await setParameter(api.rds, group, 'aurora_ml', '1', 'immediate');
      expect(await mySentiment(my)).toBe('POSITIVE');
      expect(await pgSentiment(pgc)).toBe('POSITIVE');
    } finally {
      await my.end().catch(() => {});
    }
  });
});

describe('durable, shared control-plane state', () => {
  it('an association made through one emulator reaches another on the same upstream, and survives restarts', async () => {
    await using pgDb = await freshPgDatabase('shared');
    await using myDb = await freshMysqlDatabase('shared');
    const options = {
      pgListen: '127.0.0.1:0',
      apiListen: '127.0.0.1:0',
      mysqlListen: '127.0.0.1:0',
      pgUpstream: pgDb.url,
      mysqlUpstream: myDb.url,
      controlPreset: 'bare' as const,
      associationDelayMs: DELAY_MS,
      logger: silent(),
    };
    let roleArn = '';
    {
      await using a = await startEmulator(options);
      await using b = await startEmulator(options);
      using apiA = clients(a);
      const pgB = await pgConnect(b.postgres.url);
      const myB = await myConnect(b.mysql?.url ?? '');
      try {
        await pgB.query('CREATE EXTENSION aws_ml CASCADE');
        expect((await pgFailure(pgB)).code).toBe('38000');
        expect((await myFailure(myB)).message).toContain('aws_default_comprehend_role');

        roleArn = await createRole(apiA.iam, `aml-wire-shared-${SUFFIX}`.slice(0, 64));
        const pgCluster = await clusterOf(apiA.rds, 'aurora-postgresql');
        const myCluster = await clusterOf(apiA.rds, 'aurora-mysql');
        await apiA.rds.send(
          new AddRoleToDBClusterCommand({
            DBClusterIdentifier: pgCluster.DBClusterIdentifier,
            RoleArn: roleArn,
            FeatureName: 'Comprehend',
          }),
        );
        await apiA.rds.send(
          new AddRoleToDBClusterCommand({ DBClusterIdentifier: myCluster.DBClusterIdentifier, RoleArn: roleArn }),
        );
        await setParameter(
          apiA.rds,
          myCluster.DBClusterParameterGroup ?? '',
          'aws_default_comprehend_role',
          roleArn,
          'immediate',
        );
        const started = Date.now();
        await until('PostgreSQL call through B', async () => expect(await pgSentiment(pgB)).toBe('POSITIVE'), 3000);
        await until('MySQL call through B', async () => expect(await mySentiment(myB)).toBe('POSITIVE'), 3000);
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        await pgB.end().catch(() => {});
        await myB.end().catch(() => {});
      }
    }
    // Both closed: a new emulator on the same upstream finds the association where it was.
    await using c = await startEmulator(options);
    using apiC = clients(c);
    expect(await statusOf(apiC.rds, 'aurora-postgresql', roleArn)).toBe('ACTIVE');
    expect(await statusOf(apiC.rds, 'aurora-mysql', roleArn)).toBe('ACTIVE');
    const pgC = await pgConnect(c.postgres.url);
    const myC = await myConnect(c.mysql?.url ?? '');
    try {
      expect(await pgSentiment(pgC)).toBe('POSITIVE');
      expect(await mySentiment(myC)).toBe('POSITIVE');
    } finally {
      await pgC.end().catch(() => {});
      await myC.end().catch(() => {});
    }
  });
});
