/**
 * English words that change other words' sentiment rather than carrying their
 * own: negators, intensifiers and dampeners, verbs that only signal a failure
 * when negated ("won't load"), and the conjunctions that separate clauses.
 *
 * Tokens are as the `sentiment` package's tokenizer leaves them: lower case,
 * punctuation other than apostrophes and hyphens removed. Multi-word cues
 * ("a bit", "no longer") reach these tables as one hyphenated token because
 * sentiment-phrases.ts joins them first.
 */

/** Words that reverse the next opinion word ("not good", "never had an issue"). */
export const NEGATORS: ReadonlySet<string> = new Set([
  'not',
  'no',
  'never',
  'none',
  'nobody',
  'no-one',
  'nothing',
  'neither',
  'nor',
  'nowhere',
  'cannot',
  'cant',
  'dont',
  'doesnt',
  'didnt',
  'isnt',
  'wasnt',
  'arent',
  'werent',
  'wont',
  'wouldnt',
  'shouldnt',
  'couldnt',
  'havent',
  'hasnt',
  'hadnt',
  'aint',
  'without',
  'hardly',
  'barely',
  'no-longer',
  'do-not',
  'zero',
]);

/**
 * Words that announce a malfunction of the verb after them ("stopped charging",
 * "failed to load", "unable to connect") but reverse nothing else: "stopped
 * being rude" is not a complaint about rudeness.
 */
export const FAILURE_NEGATORS: ReadonlySet<string> = new Set([
  'stopped',
  'stops',
  'stop',
  'fail',
  'fails',
  'failed',
  'failing',
  'unable',
  'refuses',
  'refused',
  'refuse',
]);

/**
 * Verbs that carry no opinion alone ("it loads", "the order arrived") but are a
 * complaint when negated ("won't load", "never arrived", "isn't cooling").
 * Support tickets are mostly made of these.
 */
export const FAILURE_VERBS: ReadonlySet<string> = new Set([
  'work',
  'works',
  'worked',
  'working',
  'function',
  'functioning',
  'load',
  'loads',
  'loading',
  'open',
  'opens',
  'opening',
  'close',
  'closes',
  'closing',
  'start',
  'starts',
  'starting',
  'boot',
  'boots',
  'booting',
  'launch',
  'launches',
  'turn',
  'turns',
  'turning',
  'connect',
  'connects',
  'connecting',
  'sync',
  'syncs',
  'syncing',
  'pair',
  'pairs',
  'pairing',
  'save',
  'saves',
  'saving',
  'print',
  'prints',
  'printing',
  'play',
  'plays',
  'playing',
  'upload',
  'uploads',
  'uploading',
  'download',
  'downloads',
  'downloading',
  'update',
  'updates',
  'updating',
  'charge',
  'charges',
  'charging',
  'hold',
  'holds',
  'heat',
  'heats',
  'heating',
  'cool',
  'cools',
  'cooling',
  'respond',
  'responds',
  'responded',
  'responding',
  'reply',
  'replies',
  'replied',
  'answer',
  'answered',
  'arrive',
  'arrives',
  'arrived',
  'ship',
  'shipped',
  'come',
  'came',
  'show',
  'shows',
  'showed',
  'showing',
  'send',
  'sent',
  'receive',
  'received',
  'fit',
  'fits',
  'last',
  'lasts',
  'lasted',
  'stay',
  'stays',
  'match',
  'matches',
  'accept',
  'accepts',
  'recognize',
  'recognizes',
  'detect',
  'detects',
  'let',
  'access',
  'log',
  'login',
  'sign',
  'fix',
  'explain',
  'buy',
  'purchase',
  'install',
  'installs',
]);

/** Multipliers for the opinion word that follows ("very slow", "absolutely love"). */
export const INTENSIFIERS: ReadonlyMap<string, number> = new Map([
  ['very', 1.3],
  ['really', 1.3],
  ['so', 1.3],
  ['such', 1.2],
  ['quite', 1.1],
  ['too', 1.2],
  ['extremely', 1.5],
  ['super', 1.4],
  ['incredibly', 1.5],
  ['absolutely', 1.5],
  ['totally', 1.4],
  ['completely', 1.4],
  ['highly', 1.4],
  ['truly', 1.3],
  ['seriously', 1.3],
  ['utterly', 1.5],
  ['insanely', 1.5],
  ['remarkably', 1.4],
  ['exceptionally', 1.5],
  ['ridiculously', 1.4],
  ['terribly', 1.4],
  ['awfully', 1.4],
  ['dangerously', 1.4],
  ['painfully', 1.4],
  ['most', 1.2],
  ['especially', 1.2],
  ['particularly', 1.2],
  ['way', 1.3],
  ['much', 1.2],
  ['beyond', 1.3],
  ['genuinely', 1.2],
  ['honestly', 1.1],
  ['pretty', 1.0],
  ['couldnt-be-more', 1.5],
  ['could-not-be-more', 1.5],
]);

/** Multipliers below one for hedged opinions ("a bit pricey", "somewhat slow"). */
export const DAMPENERS: ReadonlyMap<string, number> = new Map([
  ['slightly', 0.6],
  ['somewhat', 0.6],
  ['a-bit', 0.6],
  ['a-little', 0.6],
  ['kind-of', 0.6],
  ['sort-of', 0.6],
  ['fairly', 0.8],
  ['rather', 0.8],
  ['mildly', 0.6],
  ['marginally', 0.5],
  ['bit', 0.7],
  ['almost', 0.8],
  ['occasionally', 0.7],
  ['sometimes', 0.8],
]);

/** After a negated word these make the reversal emphatic ("not bad at all"). */
export const NEGATION_EMPHASIS: ReadonlySet<string> = new Set(['at-all', 'whatsoever']);

/**
 * Negation does not reach across these: in "can't believe how bad it is" the
 * "can't" belongs to "believe", not to "bad".
 */
export const NEGATION_BARRIERS: ReadonlySet<string> = new Set([
  'how',
  'what',
  'why',
  'that',
  'which',
  'who',
  'when',
  'where',
  'because',
  'since',
  'until',
]);

/**
 * Imperatives that warn rather than reverse: "don't waste your money" stays
 * negative. Not "never": a clause-initial "never" is as often a statement
 * ("Never had a single issue") as a command.
 */
export const IMPERATIVE_NEGATORS: ReadonlySet<string> = new Set(['dont', 'do-not']);

/**
 * "Can't recommend it enough", "can't thank you enough": these verbs, negated
 * and followed by "enough", keep their praise. ("Not good enough" is still a
 * complaint, so the rule is limited to them.)
 */
export const RHETORICAL_NEGATION_VERBS: ReadonlySet<string> = new Set(['recommend', 'recommended', 'thank', 'praise', 'praised']);

/**
 * Words that report a problem as solved. A problem word with one of these in
 * its clause ("the crash is gone", "fixed the freezing problem") no longer
 * counts against the text; the resolution word carries the opinion instead.
 */
export const RESOLUTION_WORDS: ReadonlySet<string> = new Set([
  'fixed',
  'fixes',
  'resolved',
  'solved',
  'gone',
  'disappeared',
  'repaired',
  'patched',
  'sorted',
  'addressed',
  'eliminated',
  'cured',
  'corrected',
]);

/** Verbs whose negation after a problem word means it is solved: "the bug doesn't happen anymore". */
export const OCCURRENCE_VERBS: ReadonlySet<string> = new Set([
  'happen',
  'happens',
  'happened',
  'happening',
  'occur',
  'occurs',
  'occurred',
  'appear',
  'appears',
  'appeared',
  'recur',
  'recurs',
  'reappear',
  'reappears',
  'come-back',
  'comes-back',
  'came-back',
  'show-up',
  'shows-up',
]);
