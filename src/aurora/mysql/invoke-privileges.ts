/**
 * Aurora MySQL version 2's ML privileges, `GRANT INVOKE SAGEMAKER ON *.* TO
 * u@h` (also COMPREHEND, BEDROCK) and `REVOKE ... FROM`. The server has no
 * such privilege, so the emulator keeps them in the control plane's state and
 * adds them to SHOW GRANTS. On a version 3 cluster they are left to the
 * server, which calls them a syntax error as Aurora MySQL 3 does; its roles
 * (AWS_SAGEMAKER_ACCESS...) are real roles in the server.
 */

import type { InvokePrivilege } from '../../control/model.ts';
import { ACCESS_ROLE, accountName, INVOKE_PRIVILEGE, type PrivilegeModel } from '../../control/mysql-privileges.ts';
import type { StateStore } from '../../control/store.ts';
import { EmulatorError } from '../../errors.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { raiseWarning } from './loop-end.ts';
import { resultColumns } from './result-columns.ts';
import { withWarningCount } from './server-status.ts';
import { answerOk, answerRows, sendToClient, utf8Literal } from './synthetic-result.ts';
import { isErr } from './upstream-errors.ts';

export interface InvokePrivilegeContext {
  readonly store: StateStore;
  readonly clusterId: string;
  readonly model: PrivilegeModel;
}

const PRIVILEGES = String.raw`INVOKE\s+(?:COMPREHEND|SAGEMAKER|BEDROCK)(?:\s*,\s*INVOKE\s+(?:COMPREHEND|SAGEMAKER|BEDROCK))*`;
const GRANT = new RegExp(String.raw`^\s*GRANT\s+(${PRIVILEGES})\s+ON\s+\*\.\*\s+TO\s+(.+?)\s*;?\s*$`, 'is');
const REVOKE = new RegExp(String.raw`^\s*REVOKE\s+(${PRIVILEGES})\s+ON\s+\*\.\*\s+FROM\s+(.+?)\s*;?\s*$`, 'is');
const SHOW_GRANTS = /^\s*SHOW\s+GRANTS(?:\s+FOR\s+(.+?))?\s*;?\s*$/is;
/** The seed's `GRANT EXECUTE ON FUNCTION mysql.aurora_ml.* TO u` (no such schema on Aurora): every ML privilege. */
const SEED_GRANT = /^\s*GRANT\s+EXECUTE\s+ON\s+FUNCTION\s+`?mysql`?\s*\.\s*`?aurora_ml`?\s*\.\s*\*\s+TO\s+(.+?)\s*;?\s*$/is;

/** Cheap pre-check. */
export const INVOKE_HINT = /\binvoke\b|\bgrants\b|aurora_ml/i;

/**
 * INVOKE privileges exist on version 2 clusters only (on version 3 the
 * server's own syntax error answers them); the seed's grant works on both.
 */
export function wantsInvokePrivileges(sql: string, ctx: InvokePrivilegeContext | undefined): boolean {
  if (ctx === undefined || !INVOKE_HINT.test(sql)) return false;
  if (SEED_GRANT.test(sql)) return true;
  return ctx.model === 'invoke' && (GRANT.test(sql) || REVOKE.test(sql) || SHOW_GRANTS.test(sql));
}

/** 'user'@'host' from a grantee as written: 'u'@'h', `u`@`h`, u@h or u (host '%'). */
export function normalizeAccount(written: string): string {
  const parts = written.trim().match(/^(['"`]?)(.*?)\1(?:@(['"`]?)(.*?)\3)?$/s);
  return accountName(`${parts?.[2] ?? written}@${parts?.[4] || '%'}`);
}

function privilegesIn(list: string): InvokePrivilege[] {
  return [...list.toUpperCase().matchAll(/INVOKE\s+(COMPREHEND|SAGEMAKER|BEDROCK)/g)].map(
    (m) => `INVOKE ${m[1]}` as InvokePrivilege,
  );
}

export async function answerInvokePrivileges(
  sql: string,
  ctx: InvokePrivilegeContext,
  up: ControlledUpstream,
  strict: boolean,
): Promise<void> {
  const seed = SEED_GRANT.exec(sql);
  if (seed !== null) return seedGrant(seed[1] ?? '', ctx, up, strict);
  const show = SHOW_GRANTS.exec(sql);
  if (show !== null) return showGrants(sql, show[1], ctx, up);
  const grant = GRANT.exec(sql);
  const revoke = grant === null ? REVOKE.exec(sql) : null;
  const match = grant ?? revoke;
  if (match === null) return sendToClient(up, await up.query(sql));
  const privileges = privilegesIn(match[1] ?? '');
  const accounts = (match[2] ?? '').split(',').map(normalizeAccount);
  for (const account of accounts) await requireAccount(account, up);
  await changeInvokePrivileges(ctx, accounts, privileges, grant !== null);
  await answerOk(up);
}

async function changeInvokePrivileges(
  ctx: InvokePrivilegeContext,
  accounts: readonly string[],
  privileges: readonly InvokePrivilege[],
  grant: boolean,
): Promise<void> {
  await ctx.store.update((state) => {
    const byAccount = state.invokePrivileges[ctx.clusterId] ?? {};
    state.invokePrivileges[ctx.clusterId] = byAccount;
    for (const account of accounts) {
      const held = new Set(byAccount[account] ?? []);
      for (const p of privileges) {
        if (grant) held.add(p);
        else held.delete(p);
      }
      byAccount[account] = [...held].sort();
    }
  });
}

/**
 * The seed's grant, which real Aurora rejects (no such schema): the
 * account gets every ML privilege of the cluster's model, with the seed
 * warning (an error in strict mode).
 */
async function seedGrant(grantees: string, ctx: InvokePrivilegeContext, up: ControlledUpstream, strict: boolean): Promise<void> {
  const what = 'GRANT EXECUTE ON FUNCTION mysql.aurora_ml.* is an aurora-ml-emulator extension: real Aurora MySQL rejects it';
  if (strict) {
    throw new EmulatorError(
      'NotSupportedByAurora',
      'GRANT EXECUTE ON FUNCTION mysql.aurora_ml.* is not supported by Aurora (aurora-ml-emulator strict mode)',
      {
        hint:
          ctx.model === 'roles'
            ? `GRANT ${Object.values(ACCESS_ROLE).join(', ')} TO user`
            : 'GRANT INVOKE SAGEMAKER ON *.* TO user',
      },
    );
  }
  const accounts = grantees.split(',').map(normalizeAccount);
  for (const account of accounts) await requireAccount(account, up);
  if (ctx.model === 'roles') {
    // One role per GRANT: MariaDB takes no list of roles.
    const answers = await Promise.all(
      Object.values(ACCESS_ROLE).map((role) => up.query(`GRANT ${role} TO ${accounts.join(', ')}`)),
    );
    const failed = answers.find((a) => isErr(a[0]));
    if (failed !== undefined) return sendToClient(up, failed);
  } else {
    await changeInvokePrivileges(ctx, accounts, Object.values(INVOKE_PRIVILEGE), true);
  }
  await raiseWarning(up, what);
  sendToClient(up, withWarningCount(await up.query('DO 0'), 1, up.deprecateEof));
}

/** The server's own error for a grantee that does not exist (ER_PASSWORD_NO_MATCH). */
async function requireAccount(account: string, up: ControlledUpstream): Promise<void> {
  const [, user = '', host = ''] = /^'(.*)'@'(.*)'$/.exec(account) ?? [];
  const [found] = textRows(
    await up.query(`SELECT COUNT(*) FROM mysql.user WHERE User = ${utf8Literal(user)} AND Host = ${utf8Literal(host)}`),
    1,
  );
  if (found?.[0] === '0') {
    throw new EmulatorError('NoSuchGrantee', "Can't find any matching row in the user table", {
      hint: `CREATE USER ${account} first`,
    });
  }
}

/** SHOW GRANTS with the account's INVOKE privileges after the server's own lines. */
async function showGrants(
  sql: string,
  target: string | undefined,
  ctx: InvokePrivilegeContext,
  up: ControlledUpstream,
): Promise<void> {
  const answer = await up.query(sql);
  const columns = resultColumns(answer);
  if (columns === null || columns.length !== 1) return sendToClient(up, answer);
  let account: string;
  if (target === undefined || /^current_user(\(\))?$/i.test(target.trim())) {
    const [me] = textRows(await up.query('SELECT CURRENT_USER()'), 1);
    account = accountName(me?.[0] ?? '');
  } else {
    account = normalizeAccount(target);
  }
  const held = ctx.store.current().invokePrivileges[ctx.clusterId]?.[account] ?? [];
  if (held.length === 0) return sendToClient(up, answer);
  const rows = [...textRows(answer, 1), [`GRANT ${held.join(', ')} ON *.* TO ${account}`]];
  await answerRows(up, [columns[0]?.name ?? 'Grants'], rows);
}
