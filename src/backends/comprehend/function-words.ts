/**
 * A prior for very short Latin-script texts. cld3 reads character n-grams and,
 * on twenty-odd characters, often picks a minor relative of the real language
 * (Galician for Portuguese, Frisian for German, Maltese for Spanish). Texts sent
 * to Comprehend are overwhelmingly in the major languages below, and their most
 * frequent function words settle most such cases. Words shared by several
 * languages are listed in each of them: they add the same evidence to all and
 * cannot decide anything alone. Greetings and thanks are there because they
 * are whole texts on their own ("Hello", "Merci") that CLD3 cannot place.
 */
const FUNCTION_WORDS: Readonly<Record<string, string>> = {
  en: 'hello hi thanks thank ok okay yes the and is are was were my you your i it to of in for on with this that have has can not please me we be at would will an do does did but',
  es: 'hola gracias el los las y es mi mis tu que del en por para con una un no me se muy pero está están cuando dónde puedo qué como lo le al yo hay son ayer',
  fr: 'bonjour merci oui le les et est mon ma mes je vous nous que du des en pour avec une un pas ne très mais il elle ce cette j qu au aux à où suis sont ai avez votre',
  de: 'hallo danke ja der die das und ist mein meine ich sie wir nicht mit für von zu ein eine einen auf sehr aber wann wie war kann mir mich den dem des seit es auch noch bitte',
  it: 'ciao grazie il lo gli e è mio mia miei che di del della per con una un non mi sono molto ma perché quando dove posso ho ha anche si questo questa al alla ieri',
  pt: 'olá obrigado obrigada sim o os e é meu minha que do da dos das em no na por para com uma um não muito mas quando onde você vocês estou está foi eu ao',
  nl: 'hallo dank ja de het een en is mijn ik je jullie niet met voor van op te maar wanneer hoe kunnen kan krijg was zijn dat die wat geen heel ook',
  sv: 'hej tack ja och är min mitt mina jag du ni inte med för av på att en ett men när hur kan mig var det den som till mycket',
  tr: 've bir bu çok ama için ile değil ne zaman mi mı mu mü ben sen siz da de daha nasıl gibi',
  pl: 'i w na z nie jest to się że do jak mój moja ale dla od po jestem bardzo czy kiedy',
};

const WORD_LANGUAGES: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [language, words] of Object.entries(FUNCTION_WORDS)) {
    for (const word of words.split(' ')) {
      const list = map.get(word);
      if (list === undefined) map.set(word, [language]);
      else list.push(language);
    }
  }
  return map;
})();

export interface FunctionWordVote {
  readonly languageCode: string;
  /** Function words of the winner found in the text. */
  readonly hits: number;
  /** How many more than the runner-up. */
  readonly margin: number;
}

/**
 * The language whose function words the text holds most, when the evidence is
 * at least `minHits` words and beats every other language; otherwise undefined.
 */
export function voteByFunctionWords(text: string, minHits: number): FunctionWordVote | undefined {
  const counts = new Map<string, number>();
  for (const match of text.toLowerCase().matchAll(/\p{L}+/gu)) {
    for (const language of WORD_LANGUAGES.get(match[0]) ?? []) {
      counts.set(language, (counts.get(language) ?? 0) + 1);
    }
  }
  let best: string | undefined;
  let bestHits = 0;
  let secondHits = 0;
  for (const [language, hits] of counts) {
    if (hits > bestHits) {
      secondHits = bestHits;
      bestHits = hits;
      best = language;
    } else if (hits > secondHits) {
      secondHits = hits;
    }
  }
  if (best === undefined || bestHits < minHits || bestHits === secondHits) return undefined;
  return { languageCode: best, hits: bestHits, margin: bestHits - secondHits };
}

/** Languages the vote can choose: the prior only ever moves towards these. */
export function hasFunctionWords(languageCode: string): boolean {
  return Object.hasOwn(FUNCTION_WORDS, languageCode);
}
