/**
 * The system variables Aurora MySQL has and the upstream server does not:
 * the session variable `aurora_ml_inference_timeout` and the cluster
 * parameters `aws_default_{comprehend,sagemaker,bedrock}_role` (role ARNs, '' when unset).
 * SET, SHOW VARIABLES LIKE and SELECT @@name see them as on Aurora; the
 * server's own variables still come from the server.
 */
import { EmulatorError } from '../../errors.ts';
import { textRows } from '../../wire/mysql/messages.ts';
import type { ControlledUpstream } from '../../wire/mysql/statement-handler.ts';
import { likePattern } from './status-variables.ts';
import { answerOk, answerRows, sendToClient, utf8Literal } from './synthetic-result.ts';

/** The cluster's role parameters, as the control plane has them in effect. */
export type RoleParameters = Readonly<
  Record<'aws_default_comprehend_role' | 'aws_default_sagemaker_role' | 'aws_default_bedrock_role', string>
>;

export const UNSET_ROLE_PARAMETERS: RoleParameters = {
  aws_default_comprehend_role: '',
  aws_default_sagemaker_role: '',
  aws_default_bedrock_role: '',
};

export interface VariableContext {
  readonly inferenceTimeoutMs: number;
  setInferenceTimeout(ms: number): void;
  /** The session's strict mode (aurora-ml-emulator's own variable aurora_ml_strict: seed extensions fail). */
  readonly strict: boolean;
  setStrict(on: boolean): void;
  /** Why the control plane last refused a call on this connection ('' when it has not). */
  readonly lastDenial: string;
  readonly roles: RoleParameters;
}

/** Cheap pre-check: only statements naming one of these can concern an emulated variable. */
const WORDS = /aurora_ml|aws_default|\bvariables\b/i;

const SET =
  /^\s*SET\s+(GLOBAL\s+|@@GLOBAL\.|SESSION\s+|@@SESSION\.|LOCAL\s+|@@LOCAL\.|@@)?(\w+)\s*(?:=|:=|TO)\s*'?([^';\s]*)'?\s*;?\s*$/i;
const SHOW = /^\s*SHOW\s+(?:(GLOBAL|SESSION|LOCAL)\s+)?VARIABLES\s+LIKE\s+'([^']*)'\s*;?\s*$/i;
const SELECT_VAR =
  /@@(?:(global|session|local)\.)?(aurora_ml_inference_timeout|aurora_ml_strict|aurora_ml_last_denial|aws_default_(?:comprehend|sagemaker|bedrock)_role)\b/gi;

type Scope = 'global' | 'session';

function emulatedRows(ctx: VariableContext, scope: Scope): [string, string][] {
  const rows: [string, string][] = [
    ['aurora_ml_inference_timeout', String(ctx.inferenceTimeoutMs)],
    ['aurora_ml_strict', ctx.strict ? 'ON' : 'OFF'],
    ['aurora_ml_last_denial', ctx.lastDenial],
    ...Object.entries(ctx.roles),
  ];
  return scope === 'global' ? rows.map(([n, v]) => [n, n === 'aurora_ml_inference_timeout' ? '30000' : v]) : rows;
}

export function wantsVariables(sql: string): boolean {
  if (!WORDS.test(sql)) return false;
  const set = SET.exec(sql);
  if (set !== null) return isEmulated(set[2] ?? '');
  const show = SHOW.exec(sql);
  if (show !== null) return emulatedNames().some((n) => likePattern(show[2] ?? '').test(n));
  return /^\s*SELECT\b/i.test(sql) && sql.search(SELECT_VAR) >= 0;
}

const emulatedNames = () => [
  'aurora_ml_inference_timeout',
  'aurora_ml_strict',
  'aurora_ml_last_denial',
  ...Object.keys(UNSET_ROLE_PARAMETERS),
];
const isEmulated = (name: string) => emulatedNames().includes(name.toLowerCase());

export async function answerVariables(sql: string, ctx: VariableContext, up: ControlledUpstream): Promise<void> {
  const set = SET.exec(sql);
  if (set !== null) return setVariable(set[1] ?? '', (set[2] ?? '').toLowerCase(), set[3] ?? '', ctx, up);
  const show = SHOW.exec(sql);
  if (show !== null) {
    const scope: Scope = show[1]?.toLowerCase() === 'global' ? 'global' : 'session';
    const pattern = likePattern(show[2] ?? '');
    // The server's rows for the same pattern, with ours merged in name order.
    const server = textRows(await up.query(sql), 2).map(([n, v]) => [n ?? '', v ?? ''] as [string, string]);
    const rows = [...server, ...emulatedRows(ctx, scope).filter(([n]) => pattern.test(n))];
    rows.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return answerRows(up, ['Variable_name', 'Value'], rows);
  }
  // SELECT ... @@aurora_ml_inference_timeout ...: the value as a literal (named as the client wrote it when alone).
  const alone = /^\s*SELECT\s+(@@[\w.]+)\s*;?\s*$/i.exec(sql)?.[1];
  const text = sql.replace(SELECT_VAR, (_whole, scope: string | undefined, name: string) => {
    const rows = emulatedRows(ctx, scope?.toLowerCase() === 'global' ? 'global' : 'session');
    const value = rows.find(([n]) => n === name.toLowerCase())?.[1] ?? '';
    if (name.toLowerCase() === 'aurora_ml_strict') return value === 'ON' ? '1' : '0';
    return name.toLowerCase() === 'aurora_ml_inference_timeout' ? value : utf8Literal(value);
  });
  sendToClient(up, await up.query(alone === undefined ? text : `${text.replace(/;?\s*$/, '')} AS \`${alone}\``));
}

async function setVariable(
  scope: string,
  name: string,
  value: string,
  ctx: VariableContext,
  up: ControlledUpstream,
): Promise<void> {
  if (name === 'aurora_ml_strict' && !/global/i.test(scope)) {
    const on = /^(on|1|true)$/i.test(value);
    if (!on && !/^(off|0|false)$/i.test(value)) {
      throw new EmulatorError('WrongValueForVariable', `Variable 'aurora_ml_strict' can't be set to the value of '${value}'`);
    }
    ctx.setStrict(on);
    return answerOk(up);
  }
  if (name !== 'aurora_ml_inference_timeout' || /global/i.test(scope)) {
    throw new EmulatorError('ReadOnlyVariable', `Variable '${name}' is a read only variable`, {
      hint: name.startsWith('aws_default')
        ? 'Set it in the cluster parameter group and reboot the writer (aurora-ml-emulator: the control-plane config)'
        : 'aurora_ml_inference_timeout is set per session: SET SESSION aurora_ml_inference_timeout = n',
    });
  }
  const ms = Number(value);
  if (!/^\d+$/.test(value) || ms <= 0) {
    throw new EmulatorError(
      'WrongValueForVariable',
      `Variable 'aurora_ml_inference_timeout' can't be set to the value of '${value}'`,
    );
  }
  ctx.setInferenceTimeout(ms);
  await answerOk(up);
}
