/**
 * The project's own English sentiment cues, layered over AFINN-165 (which the
 * `sentiment` package ships). AFINN was built from tweets: it misses most of the
 * words that make a support ticket or a product review negative ("crashes",
 * "overcharged", "unusable"), and it scores the polite words of every request
 * ("please", "help", "support") as positive, which would turn neutral requests
 * into praise. Entries here win over AFINN's.
 *
 * Scale: AFINN's, -5 (very negative) to +5 (very positive). A 0 removes a word's
 * AFINN score but keeps it visible to the scoring strategy.
 *
 * Keys with a hyphen are phrases: sentiment-phrases.ts joins "fell apart" into
 * "fell-apart" before tokenizing. Contractions are normalized before matching
 * (sentiment-phrases.ts), so "can't wait" is written "cant-wait".
 */
export const SUPPORT_LEXICON: Readonly<Record<string, number>> = {
  // Request and service vocabulary: opinion-free in a ticket, whatever AFINN says.
  please: 0, help: 0, helps: 0, question: 0, questions: 0, want: 0, need: 0, support: 0,
  request: 0, cancel: 0, reset: 0, yes: 0, promised: 0, big: 0, hope: 0, hopefully: 0, wish: 0,
  no: 0, warning: 0, too: 0, charged: -1, charges: -1, sorry: 0, apologize: 0, quality: 0, care: 0,
  interest: 0, interested: 0, matter: 0, share: 0, shares: 0, shared: 0, allow: 0, accept: 0,
  accepted: 0, join: 0, commit: 0, committed: 0, reach: 0, reached: 0, solution: 0, solutions: 0,
  chance: 0, chances: 0, hopes: 0, hoping: 0, yeah: 0, welcome: 0, favor: 0, favour: 0, grant: 0,
  granted: 0, pay: 0, limits: 0, true: 0, save: 0, gone: 0, top: 1, improve: 1,

  // Problem words: malfunctions.
  crash: -3, crashes: -3, crashed: -3, crashing: -3,
  freeze: -2, freezes: -3, froze: -3, frozen: -2, freezing: -2,
  hangs: -2, lag: -2, lags: -2, laggy: -3, glitch: -2, glitches: -2, glitchy: -3, glitched: -2,
  bug: -2, bugs: -2, buggy: -3, issue: -2, issues: -2,
  broken: -3, broke: -2, breaks: -2, unusable: -4, unresponsive: -3, unstable: -2, unreliable: -3,
  defect: -2, defects: -2, faulty: -3, malfunction: -3, malfunctions: -3, malfunctioning: -3,
  corrupt: -3, corrupted: -3, outages: -2, downtime: -2, timeout: -2, timeouts: -2,
  slow: -2, slower: -2, slowly: -1, sluggish: -2, clunky: -2, cumbersome: -2, tedious: -2,
  leak: -2, leaks: -2, leaking: -2, leaked: -1, leaky: -2, drains: -1, dies: -2, died: -2,
  overheats: -3, overheating: -3, overheated: -3, flicker: -2, flickers: -2, flickering: -2,
  jam: -1, jams: -2, jammed: -2, distorted: -2, muffled: -2, tinny: -2,
  crackle: -2, crackles: -2, crackling: -2, inaccurate: -2, incorrect: -2, outdated: -2, obsolete: -2,
  offline: -2, floods: -2, flooded: -2, flooding: -2, downhill: -2, late: -2,

  // Problem words: physical damage and poor make.
  flimsy: -2, cheaply: -2, peeling: -2, peeled: -2, frayed: -2, ripped: -2, torn: -2,
  cracked: -2, scratched: -2, dented: -2, snapped: -2, wobbles: -2, wobbly: -2, sags: -2, sagging: -2,
  faded: -1, shrank: -2, shrunk: -2, blisters: -2, blister: -2, itchy: -2, mediocre: -2, subpar: -2,
  'sub-par': -2, junk: -3, trash: -3, rubbish: -3, garbage: -3, meh: -1,

  // Problem words: money and service.
  overcharged: -3, overcharge: -3, overcharging: -3, overbilled: -3, refund: -1, overpriced: -2,
  pricey: -1, expensive: -1, scam: -3, ripoff: -3, 'rip-off': -3, waste: -3, wasted: -2, joke: -2,
  unhelpful: -3, useless: -3, dismissive: -2, clueless: -2, unanswered: -2, nightmare: -3, hassle: -2,
  overdue: -1, spam: -2, inconvenient: -2,

  // Problem words: food, rooms, comfort.
  loud: -1, noisy: -2, cramped: -2, bland: -2, stale: -2, soggy: -2, burnt: -2, greasy: -1, stained: -2,
  smelly: -2, filthy: -3, moldy: -3, mouldy: -3,

  // Resolution and praise words AFINN lacks or underrates.
  fixed: 2, fixes: 1, solved: 2, restored: 2, sorted: 1, works: 1, worked: 1,
  smooth: 2, smoothly: 2, seamlessly: 2, effortless: 3, effortlessly: 3, intuitive: 2, snappy: 2,
  speedy: 2, fast: 2, faster: 2, quick: 2, quickly: 1, prompt: 1, promptly: 2,
  sturdy: 2, crisp: 2, vivid: 2, tasty: 2, gorgeous: 3, comfy: 2, cozy: 2, quiet: 1, premium: 1,
  knowledgeable: 2, courteous: 2, professional: 1, patient: 1, attentive: 2, accurate: 1,
  reasonable: 1, handy: 2, dependable: 2, impeccable: 3, elegant: 2, sleek: 2, engaging: 2,
  captivating: 3, breeze: 2, happier: 3, relief: 2, thanks: 1.5, thank: 1.5, lightweight: 2,
  bright: 2, well: 1.5, informative: 2, organized: 1,

  // Phrases.
  'works-now': 3, 'working-now': 3, 'works-again': 3, 'working-again': 3, 'up-and-running': 2,
  'rock-solid': 3, 'rock-steady': 3, 'above-and-beyond': 3, 'five-stars': 3, '5-stars': 3,
  'one-star': -3, '1-star': -3, 'zero-stars': -3, 'top-notch': 3, 'high-quality': 2,
  'low-quality': -2, 'second-to-none': 3, 'good-as-new': 3, 'like-new': 2, 'like-a-charm': 3,
  'thumbs-up': 2, 'thumbs-down': -2, 'as-described': 1, 'as-advertised': 1,
  'fell-apart': -3, 'falls-apart': -3, 'falling-apart': -3, 'hung-up': -2, 'on-hold': -1,
  'no-answer': -2, 'no-response': -2, 'no-reply': -2, 'no-help': -2, 'no-idea': -1,
  'no-longer': -1.5, 'still-waiting': -2, 'money-back': -2, 'charged-twice': -3,
  'double-charged': -3, 'fed-up': -3, 'let-down': -2, 'cant-wait': 2,
  'gone-downhill': -3, 'cuts-out': -2, 'cut-out': -2, 'cutting-out': -2, 'logs-me-out': -2,
  'logging-me-out': -2, 'logged-me-out': -2, 'kicks-me-out': -2, 'kicked-me-out': -2, 'is-down': -2,
  'was-down': -2, 'are-down': -2, 'been-down': -2, 'went-down': -2,
  'couldnt-be-happier': 4, 'could-not-be-happier': 4, 'couldnt-be-better': 3, 'could-not-be-better': 3,
  'never-been-happier': 4, 'never-been-better': 3,

  // Phrases that cancel a misleading AFINN word ("like" as a verb of comparison or request).
  'would-like': 0, 'looks-like': 0, 'look-like': 0, 'seems-like': 0, 'feel-like': 0,
  'feels-like': 0, 'just-like': 0, 'as-well': 0, 'as-well-as': 0, 'something-like': 0, 'thanks-in-advance': 0, 'thank-you-in-advance': 0,
};
