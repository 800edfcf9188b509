/** The Query APIs' two envelopes: `<{Action}Response>` around a Result, and `<ErrorResponse>`. */
import type { AwsError } from '../aws-error.ts';
import { element, escapeXml, fields, type XmlFields } from './xml.ts';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>\n';

const xmlns = (namespace: string | undefined) => (namespace ? ` xmlns="${escapeXml(namespace)}"` : '');

export function successXml(namespace: string, action: string, result: XmlFields | undefined, requestId: string): string {
  const body = result === undefined ? '' : element(`${action}Result`, result);
  const metadata = element('ResponseMetadata', { RequestId: requestId });
  return `${DECLARATION}<${action}Response${xmlns(namespace)}>${body}${metadata}</${action}Response>\n`;
}

/** Only the code and message travel: never a stack, never an internal detail. */
export function errorXml(namespace: string | undefined, error: AwsError, requestId: string): string {
  const inner = fields({ Type: error.type, Code: error.code, Message: error.message });
  return `${DECLARATION}<ErrorResponse${xmlns(namespace)}><Error>${inner}</Error>${element('RequestId', requestId)}</ErrorResponse>\n`;
}
