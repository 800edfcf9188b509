/**
 * Reads an SVG file as XML closely enough to trust it opens in a browser:
 * every tag closes in order, attributes are quoted, entities are XML's own,
 * and the root is <svg> in the SVG namespace. Returns the root's attributes
 * and the text content (entities decoded), so tests can look for numbers.
 * (No XML parser is among the project's dependencies; this is the part of
 * one these tests need.)
 */

export interface SvgDocument {
  readonly rootAttributes: Readonly<Record<string, string>>;
  readonly elementCounts: Readonly<Record<string, number>>;
  /** Each text node, decoded and trimmed, in document order. */
  readonly texts: readonly string[];
}

const ENTITIES: Readonly<Record<string, string>> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

function decode(text: string): string {
  return text.replace(/&([a-z]+|#\d+|#x[0-9a-f]+);/gi, (whole, name: string) => {
    if (name.startsWith('#x') || name.startsWith('#X')) return String.fromCodePoint(Number.parseInt(name.slice(2), 16));
    if (name.startsWith('#')) return String.fromCodePoint(Number(name.slice(1)));
    const value = ENTITIES[name];
    if (value === undefined) throw new Error(`unknown entity ${whole}`);
    return value;
  });
}

function checkText(text: string, at: number): void {
  const stray = /&(?![a-z]+;|#\d+;|#x[0-9a-f]+;)/i.exec(text);
  if (stray) throw new Error(`a bare & at ${at + stray.index}`);
}

export function parseSvg(source: string): SvgDocument {
  const stack: string[] = [];
  const counts: Record<string, number> = {};
  const texts: string[] = [];
  let rootAttributes: Record<string, string> | undefined;
  let i = 0;
  let sawRoot = false;
  while (i < source.length) {
    const lt = source.indexOf('<', i);
    const text = source.slice(i, lt < 0 ? source.length : lt);
    checkText(text, i);
    if (text.includes('>')) throw new Error(`a bare > at ${i + text.indexOf('>')}`);
    if (text.trim() !== '') {
      if (stack.length === 0) throw new Error(`text outside the root element at ${i}`);
      texts.push(decode(text).trim());
    }
    if (lt < 0) break;
    const gt = source.indexOf('>', lt);
    if (gt < 0) throw new Error(`a tag opened at ${lt} never closes`);
    const tag = source.slice(lt + 1, gt);
    i = gt + 1;
    if (tag.startsWith('?') || tag.startsWith('!--')) continue;
    if (tag.startsWith('/')) {
      const name = tag.slice(1).trim();
      const open = stack.pop();
      if (open !== name) throw new Error(`</${name}> at ${lt} closes <${open ?? 'nothing'}>`);
      continue;
    }
    const selfClosing = tag.endsWith('/');
    const body = selfClosing ? tag.slice(0, -1) : tag;
    const match = /^([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_][\w:.-]*\s*=\s*(?:"[^"<]*"|'[^'<]*'))*)\s*$/.exec(body);
    if (!match) throw new Error(`a malformed tag at ${lt}: <${tag.slice(0, 60)}>`);
    const name = match[1] as string;
    const attributes: Record<string, string> = {};
    for (const a of (match[2] ?? '').matchAll(/([A-Za-z_][\w:.-]*)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)) {
      const key = a[1] as string;
      if (key in attributes) throw new Error(`attribute ${key} twice in <${name}> at ${lt}`);
      const value = a[2] ?? a[3] ?? '';
      checkText(value, lt);
      attributes[key] = decode(value);
    }
    if (stack.length === 0) {
      if (sawRoot) throw new Error(`a second root element <${name}> at ${lt}`);
      sawRoot = true;
      rootAttributes = attributes;
      if (name !== 'svg') throw new Error(`the root element is <${name}>, not <svg>`);
    }
    counts[name] = (counts[name] ?? 0) + 1;
    if (!selfClosing) stack.push(name);
  }
  if (stack.length > 0) throw new Error(`<${stack.at(-1)}> never closes`);
  if (rootAttributes === undefined) throw new Error('no root element');
  if (rootAttributes.xmlns !== 'http://www.w3.org/2000/svg') throw new Error('the root <svg> is not in the SVG namespace');
  return { rootAttributes, elementCounts: counts, texts };
}
