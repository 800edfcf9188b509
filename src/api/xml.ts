/**
 * The Query APIs' XML, written from plain values: an object is a sequence of
 * elements in key order, an XmlList a wrapper of repeated members (`member`
 * for IAM, the item's own name such as `DBCluster` for RDS), and absent
 * values are left out, as AWS leaves out what it has no value for.
 */

export type XmlValue = string | number | boolean | null | undefined | XmlList | XmlFields;

export interface XmlFields {
  readonly [element: string]: XmlValue;
}

export class XmlList {
  constructor(
    readonly memberName: string,
    readonly items: readonly XmlValue[],
  ) {}
}

export const xmlList = (memberName: string, items: readonly XmlValue[]): XmlList => new XmlList(memberName, items);

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' };

/** Safe in text and in double-quoted attributes; apostrophes stay as they are, as AWS leaves them. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ESCAPES[c] ?? c);
}

function content(value: XmlValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return escapeXml(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value instanceof XmlList) return value.items.map((item) => element(value.memberName, item)).join('');
  return fields(value);
}

export function element(name: string, value: XmlValue): string {
  if (value === null || value === undefined) return '';
  return `<${name}>${content(value)}</${name}>`;
}

export function fields(value: XmlFields): string {
  return Object.entries(value)
    .map(([name, v]) => element(name, v))
    .join('');
}
