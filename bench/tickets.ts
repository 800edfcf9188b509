/**
 * Realistic, varied support-ticket messages from templates and word lists,
 * with a seeded generator so every run gets the same 50,000 texts. Order
 * numbers, amounts and durations make nearly every message distinct.
 */

/** mulberry32: small, fast, seeded. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PRODUCTS = [
  'mobile app',
  'web dashboard',
  'billing portal',
  'smart thermostat',
  'wireless earbuds',
  'laptop',
  'router',
  'subscription',
  'checkout page',
  'desktop client',
  'smart watch',
  'coffee machine',
  'printer',
  'account settings',
  'delivery tracker',
  'API',
  'invoice export',
  'password reset flow',
  'loyalty program',
  'gift card',
];
const PROBLEMS = [
  'keeps crashing when I open it',
  'is extremely slow since the last update',
  'charged me twice',
  'stopped syncing',
  'will not connect to wifi',
  'logs me out every few minutes',
  'shows the wrong balance',
  'arrived damaged',
  'never arrived',
  'freezes on the loading screen',
  'rejects my valid card',
  'lost all my saved settings',
  'sends duplicate notifications',
  'returns a 500 error',
  'drains the battery overnight',
  'makes a loud buzzing noise',
  'does not accept my coupon code',
  'displays everything in the wrong language',
  'times out during upload',
  'deleted my draft without warning',
];
const PRAISE = [
  'works perfectly',
  'is fantastic',
  'saved me hours this week',
  'is exactly what I needed',
  'is fast and reliable',
  'has a beautiful new design',
  'made setup really easy',
  'exceeded my expectations',
  'is the best I have used',
  'runs smoothly now',
];
const NEUTRAL_ASKS = [
  'How do I change the email address on my account?',
  'Can you tell me when the next release is planned?',
  'Is there a way to export my data as CSV?',
  'What are your support hours on weekends?',
  'Do you ship to Canada?',
  'Which plan includes priority support?',
  'Where can I find my invoice for last month?',
  'Can I add a second user to my subscription?',
  'Is the device compatible with older routers?',
  'How long does a refund usually take?',
];
const AGENTS = ['Maria', 'James', 'Priya', 'Chen', 'Fatima', 'Lukas', 'Sofia', 'Daniel', 'Aiko', 'Omar', 'Grace', 'Mateo'];
const ANGRY_OPENERS = [
  'This is unacceptable.',
  'I am really frustrated.',
  'Terrible experience so far.',
  'I am extremely disappointed.',
  'This is the third time I am writing.',
  'Honestly this is ridiculous.',
  'Very annoyed right now.',
];
const HAPPY_OPENERS = ['Thank you so much!', 'Great news:', 'Just wanted to say thanks.', 'Love it!', 'Awesome support today.'];
const CLOSINGS = [
  'Please fix this as soon as possible.',
  'I want a refund.',
  'Please advise.',
  'Thanks in advance.',
  'I will cancel my subscription if this is not resolved.',
  'Any help is appreciated.',
  'Looking forward to your reply.',
  'Keep up the good work!',
  'Please escalate this to a manager.',
  '',
];

type Pick = <T>(list: readonly T[]) => T;

const TEMPLATES: readonly ((pick: Pick, n: () => number) => string)[] = [
  (p, n) => `${p(ANGRY_OPENERS)} My ${p(PRODUCTS)} ${p(PROBLEMS)}. Order #${n()}. ${p(CLOSINGS)}`,
  (p, n) => `Hi, the ${p(PRODUCTS)} ${p(PROBLEMS)} since ${1 + (n() % 28)} days ago. Ticket ref ${n()}. ${p(CLOSINGS)}`,
  (p, n) => `${p(HAPPY_OPENERS)} The ${p(PRODUCTS)} ${p(PRAISE)}. ${p(AGENTS)} was very helpful with case ${n()}.`,
  (p, n) => `${p(NEUTRAL_ASKS)} My account number is ${n()}.`,
  (p, n) => `The ${p(PRODUCTS)} ${p(PRAISE)}, but the ${p(PRODUCTS)} ${p(PROBLEMS)}. Order ${n()}.`,
  (p, n) => `I was charged $${(n() % 500) + 0.99} for the ${p(PRODUCTS)} and it ${p(PROBLEMS)}. ${p(CLOSINGS)}`,
  (p, n) =>
    `${p(AGENTS)} resolved my issue with the ${p(PRODUCTS)} in ${2 + (n() % 40)} minutes. ${p(HAPPY_OPENERS)} Case ${n()}.`,
  (p, n) =>
    `Not happy. Waited ${1 + (n() % 14)} days for a reply about the ${p(PRODUCTS)}, which ${p(PROBLEMS)}. Ref ${n()}. ${p(CLOSINGS)}`,
  (p, n) => `Quick question about order ${n()}: ${p(NEUTRAL_ASKS)} ${p(CLOSINGS)}`,
  (p, n) => `Update on ticket ${n()}: the ${p(PRODUCTS)} ${p(PRAISE)} after the reset ${p(AGENTS)} suggested. Thanks!`,
  (p, n) => `My ${p(PRODUCTS)} ${p(PROBLEMS)} and the ${p(PRODUCTS)} ${p(PROBLEMS)}. Account ${n()}. ${p(ANGRY_OPENERS)}`,
  (p, n) => `Order ${n()} was delivered on time and the ${p(PRODUCTS)} ${p(PRAISE)}.`,
];

/** `count` ticket messages, deterministic for a given seed. */
export function generateTickets(count: number, seed = 20240601): string[] {
  const random = rng(seed);
  const pick: Pick = (list) => list[Math.floor(random() * list.length)] as (typeof list)[number];
  const number = () => 100000 + Math.floor(random() * 900000);
  const out: string[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const template = pick(TEMPLATES);
    out[i] = template(pick, number).replace(/\s+/g, ' ').trim();
  }
  return out;
}
