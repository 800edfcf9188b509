/**
 * The built-in DetectPiiEntities: structured identifiers found by pattern
 * (with the checks that keep look-alikes out, such as Luhn for card numbers
 * and octet ranges for IPv4), names and dates taken from the entity
 * recogniser, and street addresses by a US-style pattern. Offsets count code
 * points, as Comprehend's do.
 */
import type { Entity, PiiEntity, PiiEntityType } from '../types.ts';
import { detectEntities } from './entities.ts';
import { OffsetMap } from './text-offsets.ts';

interface Pattern {
  readonly type: PiiEntityType;
  readonly regex: RegExp;
  /** Extra check on the matched text; patterns alone over-match digits. */
  readonly accept?: (match: string) => boolean;
  readonly score: number;
}

function luhn(match: string): boolean {
  const digits = match.replace(/\D/g, '');
  if (digits.length < 13 || digits.length > 19) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

const octets = (match: string) => match.split('.').every((o) => Number(o) <= 255);

/** SSA never issues area 000, 666 or 9xx, group 00 or serial 0000. */
const validSsn = (match: string) => {
  const [area, group, serial] = match.split(/[- ]/);
  return area !== '000' && area !== '666' && !area?.startsWith('9') && group !== '00' && serial !== '0000';
};

const STREET =
  'Street|St|Avenue|Ave|Road|Rd|Boulevard|Blvd|Lane|Ln|Drive|Dr|Court|Ct|Way|Place|Pl|Terrace|Parkway|Pkwy|Highway|Hwy|Circle|Cir';

/** Earlier entries win when spans of the same length overlap: the more specific shape first. */
const PATTERNS: readonly Pattern[] = [
  { type: 'EMAIL', regex: /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/g, score: 0.9999 },
  { type: 'URL', regex: /\b(?:https?:\/\/|www\.)[^\s<>"']+[^\s<>"'.,;:!?)\]]/g, score: 0.9998 },
  { type: 'IP_ADDRESS', regex: /\b(?:\d{1,3}\.){3}\d{1,3}\b/g, accept: octets, score: 0.9997 },
  { type: 'SSN', regex: /\b\d{3}[- ]\d{2}[- ]\d{4}\b/g, accept: validSsn, score: 0.9996 },
  { type: 'CREDIT_DEBIT_NUMBER', regex: /\b(?:\d[ -]?){12,18}\d\b/g, accept: luhn, score: 0.9995 },
  {
    type: 'PHONE',
    regex: /(?:\+\d{1,3}[ .-]?)?(?:\(\d{3}\)\s?|\b\d{3}[ .-])\d{3}[ .-]\d{4}\b/g,
    score: 0.9994,
  },
  {
    type: 'DATE_TIME',
    regex: /\b(?:\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2})?)?|\d{1,2}\/\d{1,2}\/\d{2,4})\b/g,
    score: 0.9993,
  },
  {
    type: 'ADDRESS',
    regex: new RegExp(
      `\\b\\d{1,6}\\s+(?:[A-Z][a-z]+\\s+){1,3}(?:${STREET})\\b\\.?(?:,\\s*[A-Z][a-z]+(?:\\s[A-Z][a-z]+)*(?:,\\s*[A-Z]{2})?(?:\\s+\\d{5}(?:-\\d{4})?)?)?`,
      'g',
    ),
    score: 0.9992,
  },
];

const FROM_ENTITIES: Partial<Record<Entity['type'], PiiEntityType>> = { PERSON: 'NAME', DATE: 'DATE_TIME' };

function patternSpans(text: string): PiiEntity[] {
  const offsets = new OffsetMap(text);
  const found: PiiEntity[] = [];
  for (const pattern of PATTERNS) {
    for (const match of text.matchAll(pattern.regex)) {
      if (pattern.accept && !pattern.accept(match[0])) continue;
      const start = match.index;
      found.push({
        type: pattern.type,
        score: pattern.score,
        beginOffset: offsets.toCodePoint(start),
        endOffset: offsets.toCodePoint(start + match[0].length),
      });
    }
  }
  return found;
}

/** Keeps the longest span where spans overlap (a card number's digits are not also a phone). */
function withoutOverlaps(spans: readonly PiiEntity[]): PiiEntity[] {
  const byLength = [...spans].sort((a, b) => b.endOffset - b.beginOffset - (a.endOffset - a.beginOffset));
  const kept: PiiEntity[] = [];
  for (const span of byLength) {
    if (kept.some((k) => span.beginOffset < k.endOffset && k.beginOffset < span.endOffset)) continue;
    kept.push(span);
  }
  return kept.sort((a, b) => a.beginOffset - b.beginOffset);
}

export function detectPiiEntities(text: string, languageCode: string): PiiEntity[] {
  const fromEntities = detectEntities(text, languageCode).flatMap((e): PiiEntity[] => {
    const type = FROM_ENTITIES[e.type];
    return type ? [{ type, score: e.score, beginOffset: e.beginOffset, endOffset: e.endOffset }] : [];
  });
  // Patterns first: on equal length a precise pattern beats the recogniser's guess.
  return withoutOverlaps([...patternSpans(text), ...fromEntities]);
}
