/**
 * Comprehend reports BeginOffset/EndOffset in Unicode code points, while every
 * JavaScript string API (and compromise, and RegExp match indices) counts
 * UTF-16 code units. The two differ by one for every astral character before
 * the offset (emoji, rare CJK ideographs, mathematical letters), so each
 * recogniser finds spans in UTF-16 units and converts once at the end.
 */

/** A span of the original text, in UTF-16 code units, as JS APIs report it. */
export interface Utf16Span {
  readonly start: number;
  readonly end: number;
}

/** The same span as Comprehend reports it. */
export interface CodePointSpan {
  readonly text: string;
  readonly beginOffset: number;
  readonly endOffset: number;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Converts UTF-16 offsets of one text into code point offsets. Built once per
 * document: for text without surrogates (the common case) it is the identity
 * and allocates nothing; otherwise it keeps a prefix table so that each lookup
 * is O(1) however many entities the document has.
 */
export class OffsetMap {
  readonly text: string;
  /** codePoints[i] = number of code points in text.slice(0, i); undefined when identity. */
  private readonly codePoints: Uint32Array | undefined;

  constructor(text: string) {
    this.text = text;
    if (!SURROGATE.test(text)) {
      this.codePoints = undefined;
      return;
    }
    const table = new Uint32Array(text.length + 1);
    let count = 0;
    for (let i = 0; i < text.length; i++) {
      table[i] = count;
      const unit = text.charCodeAt(i);
      // A high surrogate followed by a low one is one code point: the low half
      // does not start a new one. A lone surrogate counts as a code point of
      // its own, as String.prototype[Symbol.iterator] (and so [...text]) does.
      const isLowHalfOfPair = unit >= 0xdc00 && unit <= 0xdfff && i > 0 && isHighSurrogate(text.charCodeAt(i - 1));
      if (!isLowHalfOfPair) count++;
    }
    table[text.length] = count;
    this.codePoints = table;
  }

  /** Code point offset of a UTF-16 offset (0..text.length). */
  toCodePoint(utf16Offset: number): number {
    if (utf16Offset < 0 || utf16Offset > this.text.length) {
      throw new RangeError(`offset ${utf16Offset} is outside the text (0..${this.text.length})`);
    }
    if (this.codePoints === undefined) return utf16Offset;
    // A position in the middle of a surrogate pair belongs to that pair's code
    // point; the table already maps it to the pair's start.
    return this.codePoints[utf16Offset] ?? utf16Offset;
  }

  /** The span's text and its offsets in code points. */
  span(span: Utf16Span): CodePointSpan {
    return {
      text: this.text.slice(span.start, span.end),
      beginOffset: this.toCodePoint(span.start),
      endOffset: this.toCodePoint(span.end),
    };
  }
}

function isHighSurrogate(unit: number): boolean {
  return unit >= 0xd800 && unit <= 0xdbff;
}

/** Number of code points in a string (what Comprehend calls its length). */
export function codePointLength(text: string): number {
  if (!SURROGATE.test(text)) return text.length;
  let n = 0;
  for (const _ of text) n++;
  return n;
}
