/**
 * Aurora MySQL version 2's ML privileges, `GRANT INVOKE SAGEMAKER ON *.* TO
 * u@h` (also COMPREHEND, BEDROCK) and `REVOKE ... FROM`. The server has no
 * such privilege, so the emulator keeps them in the control plane's state and
 * adds them to SHOW GRANTS. On a version 3 cluster they are left to the
 * server, which calls them a syntax error as Aurora MySQL 3 does; its roles
 * (AWS_SAGEMAKER_ACCESS...) are real roles in the server.
 */

import type { InvokePrivilege } from '../../control/model.ts';
import { accountName, type PrivilegeModel } from '../../control/mysql-privileges.ts';
import type { StateStore } from '../../control/store.ts';
import { EmulatorError } from '../../errors.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { resultColumns } from './result-columns.ts';
import { answerOk, answerRows, send, utf8Literal } from './synthetic-result.ts';

export interface InvokePrivilegeContext {
  readonly store: StateStore;
  readonly clusterId: string;
  readonly model: PrivilegeModel;
}

const PRIVILEGES = String.raw`INVOKE\s+(?:COMPREHEND|SAGEMAKER|BEDROCK)(?:\s*,\s*INVOKE\s+(?:COMPREHEND|SAGEMAKER|BEDROCK))*`;
const GRANT = new RegExp(String.raw`^\s*GRANT\s+(${PRIVILEGES})\s+ON\s+\*\.\*\s+TO\s+(.+?)\s*;?\s*$`, 'is');
const REVOKE = new RegExp(String.raw`^\s*REVOKE\s+(${PRIVILEGES})\s+ON\s+\*\.\*\s+FROM\s+(.+?)\s*;?\s*$`, 'is');
const SHOW_GRANTS = /^\s*SHOW\s+GRANTS(?:\s+FOR\s+(.+?))?\s*;?\s*$/is;

/** Cheap pre-check. */
export const INVOKE_HINT = /\binvoke\b|\bgrants\b/i;

/** Only version 2 clusters have these privileges: on version 3 the server's own syntax error answers them. */
export function wantsInvokePrivileges(sql: string, ctx: InvokePrivilegeContext | undefined): boolean {
  return ctx?.model === 'invoke' && INVOKE_HINT.test(sql) && (GRANT.test(sql) || REVOKE.test(sql) || SHOW_GRANTS.test(sql));
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

export async function answerInvokePrivileges(sql: string, ctx: InvokePrivilegeContext, up: ControlledUpstream): Promise<void> {
  const show = SHOW_GRANTS.exec(sql);
  if (show !== null) return showGrants(sql, show[1], ctx, up);
  const grant = GRANT.exec(sql);
  const revoke = grant === null ? REVOKE.exec(sql) : null;
  const match = grant ?? revoke;
  if (match === null) return send(up, await up.query(sql));
  const privileges = privilegesIn(match[1] ?? '');
  const accounts = (match[2] ?? '').split(',').map(normalizeAccount);
  for (const account of accounts) await requireAccount(account, up);
  await ctx.store.update((state) => {
    const byAccount = state.invokePrivileges[ctx.clusterId] ?? {};
    state.invokePrivileges[ctx.clusterId] = byAccount;
    for (const account of accounts) {
      const held = new Set(byAccount[account] ?? []);
      for (const p of privileges) {
        if (grant !== null) held.add(p);
        else held.delete(p);
      }
      byAccount[account] = [...held].sort();
    }
  });
  await answerOk(up);
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
  if (columns === null || columns.length !== 1) return send(up, answer);
  let account: string;
  if (target === undefined || /^current_user(\(\))?$/i.test(target.trim())) {
    const [me] = textRows(await up.query('SELECT CURRENT_USER()'), 1);
    account = accountName(me?.[0] ?? '');
  } else {
    account = normalizeAccount(target);
  }
  const held = ctx.store.current().invokePrivileges[ctx.clusterId]?.[account] ?? [];
  if (held.length === 0) return send(up, answer);
  const rows = [...textRows(answer, 1), [`GRANT ${held.join(', ')} ON *.* TO ${account}`]];
  await answerRows(up, [columns[0]?.name ?? 'Grants'], rows);
}
