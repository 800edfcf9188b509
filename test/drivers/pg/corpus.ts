/**
 * Input texts for the driver matrix. Every case gets its own texts (a case tag
 * and a row number are woven in), so a row that a driver or the emulator
 * mixed up with another case's, or with another row of the same case, cannot
 * match its expected answer by accident.
 */

/** Varied shapes: clear opinions, flat facts, both sides at once, non-ASCII, quoting, placeholders, a newline. */
const BASE: readonly string[] = [
  'I absolutely love how fast this laptop boots.',
  'The delivery was late, the box was crushed and nobody answered my emails.',
  'The parcel contains two cables and a manual.',
  'The screen is gorgeous but the battery dies before lunch.',
  'Best customer service I have had in years, thank you!',
  'This update broke everything and I want a refund.',
  'Our meeting moved to room 4B on Thursday.',
  'Great camera, awful speakers.',
  'Café crème was délicieux, the staff très aimables — wonderful morning ☕',
  'Ünïcödé everywhere: naïve façade, smörgåsbord, 東京 and 😀 emoji, all working fine.',
  'She said "it\'s the best purchase I\'ve made" and I agree.',
  "O'Reilly's manual has a backslash \\ here; DROP TABLE students; -- still a terrible read.",
  'Is 50% off with code %s or $1 or ? a good deal? Not really, the price doubled first.',
  'The app crashes on start.\nThanks for looking into it.',
  'Not bad at all, honestly quite good.',
  'I do not hate it, but I would never recommend it.',
  'Invoice 2024-118 was paid on the 3rd.',
  'Terrible, broken, useless.',
  'The hotel room was clean and the view was stunning.',
  'Support closed my ticket without reading it. Disappointing.',
  'The train leaves at 7:45 from platform 9.',
  'Lovely design, yet the hinge snapped within a week.',
  'Wow. Just wow. Amazing work by the whole team!',
  'Worst experience ever; the waiter was rude and the soup was cold.',
];

/** Long enough to matter (over 2,000 bytes), well under Comprehend's 5,000-byte limit. */
function longText(tag: string): string {
  const parts = [
    `Review ${tag}.`,
    'The first week with this blender was a joy: smoothies, soups and sauces came out silky.',
    'Then the motor started to smell, the lid cracked and the warranty desk kept me on hold for an hour.',
    'The replacement works, the design is still beautiful, but I no longer trust the brand.',
  ];
  let text = '';
  while (text.length < 2_200) text += `${parts.join(' ')} `;
  return text.trim();
}

/**
 * `count` distinct texts for one case. Row 0 is whitespace only, of a length
 * unique to the case (empty-ish input; the empty string itself is rejected by
 * the Comprehend API, so it cannot have an expected answer); row 1 is long; the
 * rest cycle through BASE with the case's tag.
 */
export function inputsFor(tag: string, caseIndex: number, count: number): string[] {
  const out = [' '.repeat(caseIndex + 1), longText(tag)];
  for (let i = 2; i < count; i++) {
    const base = BASE[(i + caseIndex) % BASE.length] as string;
    out.push(`${base} [${tag} #${i}]`);
  }
  return out.slice(0, count);
}
