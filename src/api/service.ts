/** What the server needs to know of one AWS service it answers for. */
import type { ParameterErrors, QueryParams } from './query.ts';
import type { XmlFields } from './xml.ts';

/** An action's Result element's content; undefined for actions whose response has no Result (DeleteRole). */
export type ActionHandler = (params: QueryParams) => Promise<XmlFields | undefined> | XmlFields | undefined;

export interface ApiService {
  /** The SigV4 credential scope's service name. */
  readonly signingName: 'iam' | 'rds';
  /** The Query API's Version parameter. */
  readonly version: string;
  /** The xmlns of every response and error. */
  readonly namespace: string;
  readonly parameterErrors: ParameterErrors;
  readonly actions: Readonly<Record<string, ActionHandler>>;
}
