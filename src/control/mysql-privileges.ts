/**
 * Aurora MySQL's database privileges for ML calls. Version 3
 * uses the roles AWS_COMPREHEND_ACCESS, AWS_SAGEMAKER_ACCESS and
 * AWS_BEDROCK_ACCESS, which count only while active in the session (SET ROLE,
 * or activate_all_roles_on_login); version 2 uses the global privileges
 * INVOKE COMPREHEND / INVOKE SAGEMAKER, which the emulator keeps itself since
 * the server has no such privilege.
 */
import type { Caller } from '../ml/calls.ts';
import type { Cluster, ControlState, FeatureName, InvokePrivilege } from './model.ts';

export type PrivilegeModel = 'roles' | 'invoke';

/** Aurora MySQL version 2 (5.7-compatible) engine versions use INVOKE privileges; version 3 uses roles. */
export function privilegeModel(engineVersion: string): PrivilegeModel {
  return /mysql_aurora\.2\.|^5\.7/.test(engineVersion) ? 'invoke' : 'roles';
}

/** The version 3 role for each service. */
export const ACCESS_ROLE: Readonly<Record<FeatureName, string>> = {
  Comprehend: 'AWS_COMPREHEND_ACCESS',
  SageMaker: 'AWS_SAGEMAKER_ACCESS',
  Bedrock: 'AWS_BEDROCK_ACCESS',
};

/** The version 2 privilege for each service. */
export const INVOKE_PRIVILEGE: Readonly<Record<FeatureName, InvokePrivilege>> = {
  Comprehend: 'INVOKE COMPREHEND',
  SageMaker: 'INVOKE SAGEMAKER',
  Bedrock: 'INVOKE BEDROCK',
};

/** 'user'@'host' from CURRENT_USER()'s user@host. */
export function accountName(currentUser: string): string {
  const at = currentUser.lastIndexOf('@');
  const user = at < 0 ? currentUser : currentUser.slice(0, at);
  const host = at < 0 ? '%' : currentUser.slice(at + 1);
  return `'${user}'@'${host}'`;
}

/** The privilege the caller lacks for the service, with how to grant it; null when it has it. */
export function privilegeFor(
  state: ControlState,
  cluster: Cluster,
  service: FeatureName,
  caller: Caller,
): { readonly privilege: string; readonly hint: string } | null {
  const account = caller.account ?? "''@'%'";
  if (privilegeModel(cluster.engineVersion) === 'invoke') {
    const privilege = INVOKE_PRIVILEGE[service];
    const held = state.invokePrivileges[cluster.identifier]?.[account] ?? [];
    return held.includes(privilege) ? null : { privilege, hint: `GRANT ${privilege} ON *.* TO ${account}` };
  }
  const role = ACCESS_ROLE[service];
  // With activate_all_roles_on_login every granted role is active from login (MySQL 8 does this itself;
  // MariaDB has no such variable, so the cluster parameter decides).
  const activeAtLogin = cluster.parameters.activate_all_roles_on_login?.value === '1';
  const active = activeAtLogin ? [...(caller.activeRoles ?? []), ...(caller.grantedRoles ?? [])] : (caller.activeRoles ?? []);
  if (active.some((r) => r.toUpperCase() === role)) return null;
  return {
    privilege: role,
    hint: `GRANT ${role} TO ${account}, then SET ROLE ${role} in the session (or make it a default role)`,
  };
}
