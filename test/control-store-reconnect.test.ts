/**
 * Issue 11, finding 10: the control plane keeps its state in the upstream
 * PostgreSQL over one connection. When that connection died (an upstream
 * restart), every API write failed until the emulator restarted. It now
 * connects again on the next use, and picks up changes made meanwhile.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from './helpers/emulator.ts';

let env: TestEmulator;
let admin: pg.Client;

beforeAll(async () => {
  env = await startTestEmulator();
  admin = new pg.Client({ connectionString: env.directUrl });
  await admin.connect();
});

afterAll(async () => {
  await admin?.end();
  await env?.[Symbol.asyncDispose]();
});

const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'rds.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});

/** One IAM Query API call, unsigned (no credentials are configured): status and body. */
async function iam(action: string, params: Record<string, string>): Promise<{ status: number; body: string }> {
  const form = new URLSearchParams({ Action: action, Version: '2010-05-08', ...params });
  const res = await fetch(env.emulator.api.url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  return { status: res.status, body: await res.text() };
}

/** Ends the control plane's connection to the upstream, as an upstream restart would. */
async function killStoreConnection(): Promise<number> {
  const r = await admin.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE application_name = 'aurora-ml-emulator control plane' AND datname = current_database()`,
  );
  return r.rowCount ?? 0;
}

describe('the control-plane store after its connection dies', () => {
  it('the next API write connects again and succeeds, and the state is kept in the database', async () => {
    expect((await iam('CreateRole', { RoleName: 'before-restart', AssumeRolePolicyDocument: TRUST })).status).toBe(200);
    expect(await killStoreConnection()).toBeGreaterThan(0);
    // Give the client a moment to notice the closed socket (the write must work either way).
    await new Promise((resolve) => setTimeout(resolve, 200));
    const after = await iam('CreateRole', { RoleName: 'after-restart', AssumeRolePolicyDocument: TRUST });
    expect(after.status).toBe(200);
    const listed = await iam('ListRoles', {});
    expect(listed.body).toContain('<RoleName>before-restart</RoleName>');
    expect(listed.body).toContain('<RoleName>after-restart</RoleName>');
    const stored = await admin.query(`SELECT doc FROM aurora_ml_control.state`);
    expect(String(stored.rows[0]?.doc)).toContain('after-restart');
  });

  it('a change another process made while the connection was down is seen after reconnecting', async () => {
    expect(await killStoreConnection()).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // Another emulator process (here: SQL) changes the stored state while this one is disconnected.
    await admin.query(
      `UPDATE aurora_ml_control.state SET version = version + 1,
         doc = replace(doc, '"after-restart"', '"renamed-elsewhere"')`,
    );
    const write = await iam('CreateRole', { RoleName: 'third', AssumeRolePolicyDocument: TRUST });
    expect(write.status).toBe(200);
    const listed = await iam('ListRoles', {});
    expect(listed.body).toContain('<RoleName>renamed-elsewhere</RoleName>');
    expect(listed.body).toContain('<RoleName>third</RoleName>');
  });
});
