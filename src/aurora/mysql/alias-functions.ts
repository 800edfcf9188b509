/**
 * Aurora MySQL's ML user functions, `CREATE FUNCTION ... ALIAS
 * AWS_SAGEMAKER_INVOKE_ENDPOINT | AWS_BEDROCK_INVOKE_MODEL ...` (Bedrock from 3.06).
 *
 * Each becomes a real stored function in the upstream, with the signature,
 * DEFINER, SQL SECURITY and COMMENT the user wrote, whose body calls the
 * generic stub for its service. So DROP FUNCTION, SHOW FUNCTION STATUS,
 * GRANT EXECUTE ON FUNCTION and a restart of the emulator need nothing from
 * the emulator. The ALIAS clause travels in a comment at the head of the
 * body, from which SHOW CREATE FUNCTION shows it again in place of the body.
 */
import { EmulatorError } from '../../errors.ts';
import type { AliasFunction } from '../../sql/mysql/create-function-alias.ts';
import { validateAliasFunction } from '../../sql/mysql/validate-alias.ts';
import { BEDROCK_ALIAS_STUB, SAGEMAKER_ALIAS_STUB, STUB_SCHEMA } from './stubs.ts';
import { utf8Literal } from './synthetic-result.ts';

/** Aurora's default MAX_BATCH_SIZE for SageMaker functions. */
export const DEFAULT_SAGEMAKER_BATCH = 10_000;

const MARK_OPEN = '/* aurora-ml-emulator ';
const MARK_CLOSE = ' */';

const quoteName = (name: string) => `\`${name.replace(/`/g, '``')}\``;

/** The CREATE FUNCTION statement the upstream runs for an ALIAS function, or an error Aurora would give. */
export function upstreamDefinition(fn: AliasFunction): string {
  const violations = validateAliasFunction(fn);
  if (violations.length > 0) {
    const detail = violations.map((v) => v.detail).join('; ');
    throw new EmulatorError('InvalidAliasFunction', `This version of MySQL doesn't yet support '${detail}'`);
  }
  const clause = fn.text.slice(fn.aliasStart, fn.aliasEnd);
  if (clause.includes('*/')) throw new EmulatorError('SyntaxError', `the ALIAS clause cannot contain '*/': ${clause}`);
  const inputs = `JSON_ARRAY(${fn.params.map((p) => quoteName(p.name)).join(', ')})`;
  const call =
    fn.kind === 'sagemaker'
      ? `${STUB_SCHEMA}.${SAGEMAKER_ALIAS_STUB}(${utf8Literal(fn.endpointName ?? '')}, ${fn.maxBatchSize ?? DEFAULT_SAGEMAKER_BATCH}, ${inputs})`
      : `${STUB_SCHEMA}.${BEDROCK_ALIAS_STUB}(${utf8Literal(fn.modelId ?? '')}, ${utf8Literal(fn.contentType ?? 'application/json')}, ${utf8Literal(fn.accept ?? 'application/json')}, ${fn.timeoutMs ?? 'NULL'}, ${fn.params[0] ? quoteName(fn.params[0].name) : 'NULL'})`;
  // Everything the user wrote before ALIAS (CREATE, DEFINER, name, parameters, RETURNS, characteristics).
  return `${fn.text.slice(0, fn.aliasStart).trimEnd()}\nRETURN ${MARK_OPEN}${clause}${MARK_CLOSE} ${call}`;
}

/** SHOW CREATE FUNCTION's text with the ALIAS clause back in place of the emulator's body. */
export function withAliasClause(createText: string): string {
  const at = createText.lastIndexOf(`RETURN ${MARK_OPEN}`);
  if (at < 0) return createText;
  const from = at + `RETURN ${MARK_OPEN}`.length;
  const to = createText.indexOf(MARK_CLOSE, from);
  return to < 0 ? createText : `${createText.slice(0, at)}${createText.slice(from, to)}`;
}
