/**
 * Joining neighbouring entities that the recognisers found apart, as
 * Comprehend reports them whole.
 */
import type { Term } from './english-terms.ts';
import type { Candidate } from './entity-patterns.ts';

const US_STATES_AND_PROVINCES: ReadonlySet<string> = new Set(
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AB BC MB NB NL NS NT NU ON PE QC SK YT'.split(
    ' ',
  ),
);

/**
 * "Monday" + "at 10:30 am" -> one DATE; "Seattle" + ", WA" and "Paris" +
 * ", France" -> one LOCATION, as Comprehend reports them.
 */
export function mergeNeighbours(text: string, entities: readonly Candidate[], terms: readonly Term[]): Candidate[] {
  const out: Candidate[] = [];
  for (const entity of entities) {
    const previous = out[out.length - 1];
    if (previous !== undefined && previous.type === 'DATE' && entity.type === 'DATE') {
      const gap = text.slice(previous.end, entity.start);
      if (/^(?:,?\s+|\s+(?:at|à|a las|um|alle|às|@)\s+)$/iu.test(gap) || gap === '') {
        out[out.length - 1] = { ...previous, end: entity.end, score: Math.min(previous.score, entity.score) };
        continue;
      }
    }
    if (previous !== undefined && previous.type === 'LOCATION' && entity.type === 'LOCATION') {
      const gap = text.slice(previous.end, entity.start);
      const second = terms.find((t) => t.start === entity.start);
      if (/^,\s*$/.test(gap) && second !== undefined && (second.tags.has('Country') || second.tags.has('Region'))) {
        out[out.length - 1] = { ...previous, end: entity.end };
        continue;
      }
    }
    out.push(entity);
  }
  // A US state or Canadian province code after a place is part of it.
  return out.map((entity) => {
    if (entity.type !== 'LOCATION') return entity;
    const state = /^,\s?([A-Z]{2})(?![\p{L}\p{N}])/u.exec(text.slice(entity.end));
    const code = state?.[1];
    if (state === null || code === undefined || !US_STATES_AND_PROVINCES.has(code)) return entity;
    const end = entity.end + state[0].length;
    return out.some((o) => o !== entity && o.start < end && o.end > entity.end) ? entity : { ...entity, end };
  });
}
