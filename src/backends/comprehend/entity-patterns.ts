/**
 * The recognisers that need no grammar: contact details and identifiers
 * (Comprehend's OTHER), money, percentages and measures (QUANTITY), and dates
 * and times (DATE). They run for every supported language; the date words
 * exist for the six European languages, numeric and CJK date forms for all.
 *
 * Each finds spans in UTF-16 units with a priority: where candidates overlap,
 * the higher priority wins (entities.ts), so that "2024-05-01" is a date and
 * not a phone number, and "$1,200" one quantity rather than a number.
 */
import type { EntityType } from '../types.ts';

export interface Candidate {
  readonly type: EntityType;
  readonly start: number;
  readonly end: number;
  readonly score: number;
  readonly priority: number;
}

/** Priorities, highest first; shared with the compromise-based recognisers. */
export const PRIORITY = {
  contact: 100,
  numericDate: 95,
  phone: 92,
  identifier: 90,
  money: 88,
  measure: 86,
  product: 80,
  title: 78,
  event: 76,
  organizationByKeyword: 74,
  person: 72,
  organization: 70,
  location: 68,
  wordDate: 66,
  counted: 60,
  year: 40,
  number: 30,
  unknownProperNoun: 20,
} as const;

const NUM = String.raw`\d+(?:[.,]\d+)*`;
/** Not glued to a letter or digit on either side (JS \b is ASCII-only). */
const L = String.raw`(?<![\p{L}\p{N}])`;
const R = String.raw`(?![\p{L}\p{N}])`;

function* spans(
  text: string,
  pattern: RegExp,
  type: EntityType,
  score: number,
  priority: number,
  group = 0,
): Generator<Candidate> {
  for (const match of text.matchAll(pattern)) {
    const indices = match.indices?.[group];
    if (indices === undefined) continue;
    let [start, end] = indices;
    // A span never ends on sentence punctuation the pattern happened to allow.
    while (end > start && /[.,;:!?)\]}'"”’]/u.test(text.charAt(end - 1))) end--;
    if (end > start) yield { type, start, end, score, priority };
  }
}

const URL = /(?<![\p{L}\p{N}@])(?:https?:\/\/|www\.)[^\s<>"'“”‘’]+/giu;
const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/dgu;
const IPV4 = new RegExp(`${L}(?:\\d{1,3}\\.){3}\\d{1,3}${R}`, 'dgu');
const HANDLE = /(?<![\p{L}\p{N}.@])[#@][\p{L}\p{N}_][\p{L}\p{N}_-]*/dgu;
/** International or national numbers: groups of digits with separators, 7 to 15 digits in all. */
const PHONE = new RegExp(`${L}(?:\\+\\d{1,3}[ .-]?|1[ .-])?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{2,4}(?:[ .-]\\d{2,5}){1,4}${R}`, 'dgu');
/** An identifier after a word that announces one: "order 112-4471", "ticket no. A1234". */
const IDENTIFIER =
  /(?<![\p{L}\p{N}])(?:order|invoice|ticket|case|tracking|reference|ref|account|confirmation|booking|reservation|transaction|serial|sku|pedido|factura|commande|facture|Bestellung|Rechnung|ordine|fattura|encomenda)(?:\s+(?:number|no\.?|nr\.?|n[º°o]\.?|id|#|número|numéro|Nummer|numero))?(?:\s+is)?\s*[:#]?\s*([A-Za-z]*\d[A-Za-z0-9-]{2,})(?![\p{L}\p{N}])/dgiu;

/**
 * Codes with no announcing word: digit groups joined by hyphens or letters and
 * digits mixed ("112-4471234-5567", "1Z999AA10123456784"); six digits at least,
 * so that model names ("WH-1000XM4") stay products.
 */
const CODE =
  /(?<![\p{L}\p{N}-])(?=[A-Za-z0-9-]*\d)(?:[A-Za-z0-9]+-)+[A-Za-z0-9]+(?![\p{L}\p{N}])|(?<![\p{L}\p{N}])(?=[A-Za-z0-9]*[A-Za-z])(?=[A-Za-z0-9]*\d)[A-Za-z0-9]{8,}(?![\p{L}\p{N}])/dgu;

function* contactAndIdentifiers(text: string): Generator<Candidate> {
  yield* spans(text, new RegExp(URL.source, 'dgiu'), 'OTHER', 0.99, PRIORITY.contact);
  yield* spans(text, EMAIL, 'OTHER', 0.99, PRIORITY.contact);
  yield* spans(text, IPV4, 'OTHER', 0.95, PRIORITY.contact);
  for (const candidate of spans(text, PHONE, 'OTHER', 0.9, PRIORITY.phone)) {
    const digits = text.slice(candidate.start, candidate.end).replace(/\D/g, '').length;
    if (digits >= 7 && digits <= 15) yield candidate;
  }
  yield* spans(text, HANDLE, 'OTHER', 0.85, PRIORITY.identifier);
  yield* spans(text, IDENTIFIER, 'OTHER', 0.8, PRIORITY.identifier, 1);
  for (const candidate of spans(text, CODE, 'OTHER', 0.75, PRIORITY.identifier)) {
    const digits = text.slice(candidate.start, candidate.end).replace(/\D/g, '').length;
    if (digits >= 6) yield candidate;
  }
}

const CURRENCY_WORDS =
  'dollars?|bucks|cents?|euros?|pounds?|pence|yen|yuan|renminbi|rupees?|won|pesos?|reais|real|francs?|rubles?|roubles?|dirhams?|riyals?|USD|EUR|GBP|JPY|CNY|INR|KRW|CAD|AUD|CHF|MXN|BRL|euro|dólares|libras|rupias|dollari|sterline|Dollar|Euro|Pfund|Franken|रुपये|रुपए|रुपया|ريال|درهم|دولار|جنيه|دينار';
const SCALE = String.raw`(?:\s?(?:k|K|M|bn|million|billion|thousand|mil|millones|millions|milliards|Millionen|Milliarden|milioni|miliardi|milhões))?`;
const MONEY = new RegExp(
  [
    // $49.99, US$ 20, € 5,50, ¥1000
    `(?:[A-Z]{1,3})?[$€£¥₹₩₽₺₪]\\s?${NUM}${SCALE}${R}`,
    // 20 USD, 1,200 dollars, 30 euros, 5€
    `${L}${NUM}${SCALE}\\s?(?:[$€£¥₹₩₽₺₪]|(?:${CURRENCY_WORDS})${R})`,
    // USD 20
    `${L}(?:USD|EUR|GBP|JPY|CNY|INR|KRW|CAD|AUD|CHF)\\s?${NUM}${SCALE}${R}`,
    // 100元, 100円, 10,000원 (CJK: no word boundary to check)
    `${NUM}\\s?(?:元|円|원|块|萬元|万元|億円)`,
  ].join('|'),
  'dgu',
);
const PERCENT = new RegExp(
  `${L}${NUM}\\s?(?:%|％|(?:percent|per cent|percentage points?|por ciento|pour cent|Prozent|per cento|por cento)${R})`,
  'dgiu',
);
/** Units of measure and of time, in the six European languages where they differ. */
const UNITS = [
  'kg|g|mg|lbs?|oz|km|m|cm|mm|mi|ft|yd|l|ml|cl|gal|GB|MB|KB|TB|kB|Gb|Mb|Mbps|Gbps|GHz|MHz|Hz|W|kW|kWh|V|mAh|Ah|°C|°F|°|px|dpi',
  'kilos?|kilograms?|grams?|pounds?|ounces?|tons?|tonnes?|kilometers?|kilometres?|meters?|metres?|centimeters?|miles?|feet|foot|inch(?:es)?|yards?|liters?|litres?|gallons?|bytes?|gigabytes?|megabytes?|terabytes?|watts?|volts?|degrees?|pixels?',
  'seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?|times|items?|units?|pieces?|pcs|packages?|boxes|orders?|tickets?|people|persons?|customers?|users?|stars?',
  'segundos?|minutos?|horas?|días|dias|semanas?|meses|mes|mês|años|anos|secondes?|heures?|jours?|semaines?|mois|ans|années|Sekunden|Minuten|Stunden|Tage[n]?|Wochen|Monate[n]?|Jahre[n]?|secondi|minuti|ore|giorni|settimane|mesi|anni',
].join('|');
const MEASURE = new RegExp(`${L}${NUM}\\s?(?:${UNITS})${R}`, 'dgu');

function* quantities(text: string): Generator<Candidate> {
  yield* spans(text, MONEY, 'QUANTITY', 0.95, PRIORITY.money);
  yield* spans(text, PERCENT, 'QUANTITY', 0.95, PRIORITY.money);
  yield* spans(text, MEASURE, 'QUANTITY', 0.9, PRIORITY.measure);
  // Any other number: Comprehend reports bare counts as QUANTITY; four-digit
  // numbers that read as years are dates.
  for (const candidate of spans(text, new RegExp(`${L}${NUM}(?:st|nd|rd|th)?${R}`, 'dgu'), 'QUANTITY', 0.7, PRIORITY.number)) {
    const value = text.slice(candidate.start, candidate.end);
    if (/^(?:19|20)\d{2}$/.test(value)) yield { ...candidate, type: 'DATE', score: 0.8, priority: PRIORITY.year };
    else yield candidate;
  }
}

interface DateWords {
  readonly months: string;
  readonly weekdays: string;
  /** today, yesterday, tomorrow and the like. */
  readonly deictic: string;
  /** Whether month and weekday names must be capitalised (English: "may", "march" are also verbs). */
  readonly capitalized: boolean;
}

const DATE_WORDS: Readonly<Record<string, DateWords>> = {
  en: {
    months:
      'January|February|March|April|May|June|July|August|September|October|November|December|Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?',
    weekdays: 'Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|weekend',
    deictic:
      "(?:today|tonight|tomorrow|yesterday)(?:\\s(?:morning|afternoon|evening|night))?|(?:last|next|this|coming|past|previous)\\s(?:week|month|year|weekend|night|morning|afternoon|evening|quarter|summer|winter|spring|fall|autumn|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|January|February|March|April|May|June|July|August|September|October|November|December)|(?:a|an|one|two|three|four|five|six|seven|eight|nine|ten|a few|several|\\d+)\\s(?:minutes?|hours?|days?|weeks?|months?|years?)\\sago|(?:Christmas(?: Eve| Day)?|New Year'?s(?: Eve| Day)?|Thanksgiving|Easter|Halloween|Valentine'?s Day|noon|midnight)",
    capitalized: true,
  },
  es: {
    months: 'enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|setiembre|octubre|noviembre|diciembre',
    weekdays: 'lunes|martes|miércoles|jueves|viernes|sábado|domingo',
    deictic: 'hoy|ayer|anteayer|mañana|pasado mañana|(?:la semana|el mes|el año) (?:pasad[oa]|que viene|próxim[oa])',
    capitalized: false,
  },
  fr: {
    months: 'janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre',
    weekdays: 'lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche',
    deictic:
      "aujourd['’]hui|hier|avant-hier|demain|après-demain|(?:la semaine|le mois|l['’]année) (?:dernière|dernier|prochaine|prochain)",
    capitalized: false,
  },
  de: {
    months: 'Januar|Februar|März|April|Mai|Juni|Juli|August|September|Oktober|November|Dezember',
    weekdays: 'Montag|Dienstag|Mittwoch|Donnerstag|Freitag|Samstag|Sonntag',
    deictic: 'heute|gestern|vorgestern|morgen|übermorgen|(?:letzte|nächste)n? (?:Woche|Monat|Jahr)',
    capitalized: false,
  },
  it: {
    months: 'gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|ottobre|novembre|dicembre',
    weekdays: 'lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica',
    deictic: "oggi|ieri|l['’]altro ieri|domani|dopodomani|(?:la settimana|il mese|l['’]anno) (?:scors[oa]|prossim[oa])",
    capitalized: false,
  },
  pt: {
    months: 'janeiro|fevereiro|março|abril|maio|junho|julho|agosto|setembro|outubro|novembro|dezembro',
    weekdays: 'segunda-feira|terça-feira|quarta-feira|quinta-feira|sexta-feira|sábado|domingo',
    deictic: 'hoje|ontem|anteontem|amanhã|(?:a semana|o mês|o ano) (?:passad[oa]|que vem)',
    capitalized: false,
  },
};

const TIME = String.raw`\d{1,2}(?::\d{2}){1,2}(?:\s?[AaPp]\.?[Mm]\.?)?|\d{1,2}\s?[AaPp]\.?[Mm]\.?|\d{1,2}h\d{0,2}`;
const NUMERIC_DATES = new RegExp(
  [
    `${L}\\d{4}-\\d{1,2}-\\d{1,2}(?:[T ]\\d{1,2}:\\d{2}(?::\\d{2})?(?:\\.\\d+)?Z?)?${R}`,
    `${L}\\d{1,2}[/.-]\\d{1,2}[/.-](?:\\d{4}|\\d{2})${R}`,
    `${L}\\d{4}/\\d{1,2}/\\d{1,2}${R}`,
    // CJK: 2024年5月1日, 5月1日, 2024년 5월 1일
    `(?:\\d{2,4}\\s?[年년]\\s?)?\\d{1,2}\\s?[月월](?:\\s?\\d{1,2}\\s?[日일号號])?`,
    `\\d{4}\\s?[年년]`,
    `${L}(?:${TIME})${R}`,
  ].join('|'),
  'dgu',
);
/** CJK words for today, yesterday, tomorrow, last/next week... */
const CJK_DEICTIC = /今日|昨日|明日|今天|昨天|明天|前天|后天|後天|上周|下周|上週|下週|先週|来週|오늘|어제|내일|지난주|다음 주/dgu;

function wordDates(text: string, languageCode: string): Generator<Candidate> {
  const words = DATE_WORDS[languageCode];
  if (words === undefined) return spans(text, CJK_DEICTIC, 'DATE', 0.85, PRIORITY.wordDate);
  const { months, weekdays, deictic } = words;
  const day = String.raw`\d{1,2}(?:st|nd|rd|th|er|º|°|\.)?`;
  const year = String.raw`\d{4}|'\d{2}`;
  const of = String.raw`(?:\s(?:of|de|del|di))?`;
  const pattern = [
    // Friday, July 5th, 1994 / July 1994 / July 5
    `(?:(?:${weekdays}),?\\s)?(?:${months})\\s(?:${day}(?:,?\\s(?:${year}))?|(?:${year}))`,
    // 5 July 1994 / 5. Mai 2024 / 5 de mayo de 2024 / le 1er mai / the 3rd of March
    `${day}${of}\\s(?:${months})(?:,?${of}\\s(?:${year}))?`,
    `(?:(?:early|late|mid|finales de|principios de|début|fin|Anfang|Ende|inizio|fine|início)[\\s-])?(?:${months})`,
    `(?:${weekdays})`,
  ].join('|');
  const flags = words.capitalized ? 'dgu' : 'dgiu';
  return concat(
    spans(text, new RegExp(`${L}(?:${pattern})${R}`, flags), 'DATE', 0.9, PRIORITY.wordDate),
    // "Yesterday" opens sentences: relative dates match in any case.
    spans(text, new RegExp(`${L}(?:${deictic})${R}`, 'dgiu'), 'DATE', 0.9, PRIORITY.wordDate),
  );
}

function* concat<T>(...parts: Iterable<T>[]): Generator<T> {
  for (const part of parts) yield* part;
}

function* dates(text: string, languageCode: string): Generator<Candidate> {
  yield* spans(text, NUMERIC_DATES, 'DATE', 0.95, PRIORITY.numericDate);
  for (const candidate of wordDates(text, languageCode)) {
    const value = text.slice(candidate.start, candidate.end);
    // "May" and "March" alone are verbs as often as months: only after a word
    // that introduces a date.
    if (languageCode === 'en' && /^(?:May|March)$/.test(value)) {
      const before = text.slice(Math.max(0, candidate.start - 12), candidate.start);
      if (!/(?:in|on|since|until|till|by|of|from|to|early|late|mid|last|next|this|before|after)\s$/i.test(before)) continue;
    }
    yield candidate;
  }
}

/** Every grammar-free candidate in the text, unresolved (overlaps included). */
export function patternCandidates(text: string, languageCode: string): Candidate[] {
  return [...contactAndIdentifiers(text), ...quantities(text), ...dates(text, languageCode)];
}
