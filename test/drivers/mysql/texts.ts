/**
 * Review-like texts for the connector matrix: every case draws its own run of
 * distinct sentences (praise, complaints, neutral requests, mixed feelings,
 * apostrophes and non-ASCII letters), so a driver that mixed up rows, reused
 * a cached answer for the wrong text or mangled escaping would show.
 */
const SUBJECTS = [
  'The checkout page',
  'Your support agent',
  'The new dashboard',
  "My daughter's tablet app",
  'The café terminal',
  'The monthly invoice',
  'This blender',
  'The delivery driver',
  'The mobile banking app',
  'The hotel room',
  'Our team’s shared calendar',
  'The firmware update',
];

const PREDICATES = [
  'works perfectly and saves me hours',
  'crashed twice while I was paying',
  'is where I change my shipping address',
  'looks great but is painfully slow',
  'was friendly, quick and really helpful',
  'charged me twice and nobody answers',
  'arrived on Tuesday',
  'is the best purchase I made this year',
  'broke after one week, what a waste',
  'is fine, though the colours are ugly',
  'keeps logging me out, so annoying',
  'made the whole family happy',
];

const SUFFIXES = ['', ' today', ' after the update', ' on my phone', ' this morning', ' again', ' — honestly', ' as usual'];

/** Texts one case may draw; case k owns slots [k·PER_CASE, (k+1)·PER_CASE). */
const PER_CASE = 64;

/** `count` distinct texts; `caseIndex` picks a run no other case index shares (up to 17 cases). */
export function textsFor(caseIndex: number, count: number): string[] {
  const combos = SUBJECTS.length * PREDICATES.length * SUFFIXES.length;
  if (count > PER_CASE || (caseIndex + 1) * PER_CASE > combos) throw new Error(`textsFor(${caseIndex}, ${count}): out of texts`);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    // A stride prime to the number of combinations visits each slot once, and neighbours differ in every part.
    const n = ((caseIndex * PER_CASE + i) * 13) % combos;
    const subject = SUBJECTS[n % SUBJECTS.length];
    const predicate = PREDICATES[Math.floor(n / SUBJECTS.length) % PREDICATES.length];
    const suffix = SUFFIXES[Math.floor(n / (SUBJECTS.length * PREDICATES.length)) % SUFFIXES.length];
    out.push(`${subject} ${predicate}${suffix}.`);
  }
  if (new Set(out).size !== out.length) throw new Error(`textsFor(${caseIndex}, ${count}) repeated a text`);
  return out;
}
