/**
 * Small hand-written sentiment lexicons for the other Latin-script languages
 * Comprehend's DetectSentiment accepts (es, fr, de, it, pt).
 *
 * An honest fallback, not a model: AFINN is English-only and no npm package
 * ships a usable lexicon or trained model for these languages (see
 * shared/ml-packages-notes.md), so each list holds a few dozen of the commonest
 * opinion words of reviews and support tickets, plus negators and contrast
 * words. Expect clear-cut texts ("muy bueno", "ne fonctionne pas") right and
 * subtler ones NEUTRAL. Accent-less spellings are added automatically.
 */
import type { ClauseMarkers } from './sentiment-clauses.ts';

export interface ForeignLexicon {
  readonly labels: Readonly<Record<string, number>>;
  readonly negators: readonly string[];
  /** True where negation usually follows the word: "funktioniert nicht", "n'aime pas". */
  readonly negationFollows: boolean;
  /** Verbs that are a complaint only when negated ("no funciona"). */
  readonly failureVerbs: readonly string[];
  readonly intensifiers: readonly string[];
  readonly markers: ClauseMarkers;
}

export const FOREIGN_LEXICONS: Readonly<Record<string, ForeignLexicon>> = {
  es: {
    labels: {
      bueno: 3, buena: 3, buenos: 3, buenas: 3, excelente: 4, genial: 3, perfecto: 3, perfecta: 3,
      encanta: 3, encantó: 3, encantado: 3, feliz: 3, contento: 2, contenta: 2, satisfecho: 2,
      satisfecha: 2, rápido: 1, rápida: 1, fácil: 1, recomiendo: 2, maravilloso: 4, increíble: 3,
      gracias: 1.5, mejor: 2, bien: 2, útil: 2, amable: 2,
      malo: -3, mala: -3, terrible: -3, horrible: -3, pésimo: -4, pésima: -4, peor: -3, lento: -2,
      lenta: -2, roto: -3, rota: -3, problema: -2, problemas: -2, error: -2, fallo: -2, falla: -2,
      decepcionado: -2, decepcionada: -2, decepcionante: -2, odio: -3, inútil: -3, caro: -1,
      sucio: -2, sucia: -2, defectuoso: -3, estafa: -3, queja: -2, mal: -2,
    },
    negators: ['no', 'nunca', 'jamás', 'ni', 'sin', 'nada', 'nadie', 'tampoco'],
    negationFollows: false,
    failureVerbs: ['funciona', 'funcionó', 'carga', 'abre', 'llegó', 'sirve'],
    intensifiers: ['muy', 'super', 'realmente', 'totalmente', 'bastante'],
    markers: {
      contrast: ['pero', 'sin embargo', 'aunque', 'no obstante'],
      concessionOpeners: ['aunque', 'a pesar de'],
      conditionals: ['si'],
    },
  },
  fr: {
    labels: {
      bon: 3, bonne: 3, excellent: 4, excellente: 4, génial: 3, parfait: 3, parfaite: 3, super: 3,
      adore: 3, aime: 2, heureux: 3, heureuse: 3, content: 2, contente: 2, satisfait: 2, satisfaite: 2,
      rapide: 1, facile: 1, recommande: 2, merci: 1.5, merveilleux: 4, magnifique: 4, mieux: 2,
      bien: 2, utile: 2, agréable: 2, gentil: 2,
      mauvais: -3, mauvaise: -3, terrible: -3, horrible: -3, nul: -3, nulle: -3, pire: -3, lent: -2,
      lente: -2, cassé: -3, cassée: -3, problème: -2, problèmes: -2, erreur: -2, panne: -2, déçu: -2,
      déçue: -2, décevant: -2, déteste: -3, inutile: -3, cher: -1, sale: -2, défectueux: -3,
      arnaque: -3, plainte: -2,
    },
    negators: ['ne', 'n', 'pas', 'jamais', 'rien', 'personne', 'aucun', 'aucune', 'sans'],
    negationFollows: true,
    failureVerbs: ['fonctionne', 'marche', 'charge', 'arrivé', 'démarre'],
    intensifiers: ['très', 'vraiment', 'trop', 'super', 'tellement', 'totalement'],
    markers: {
      contrast: ['mais', 'cependant', 'pourtant', 'toutefois', 'bien que'],
      concessionOpeners: ['bien que', 'malgré', 'même si'],
      conditionals: ['si'],
    },
  },
  de: {
    labels: {
      gut: 3, gute: 3, guter: 3, super: 3, toll: 3, ausgezeichnet: 4, hervorragend: 4, perfekt: 3,
      prima: 3, liebe: 3, zufrieden: 2, glücklich: 3, schnell: 1, einfach: 1, empfehlen: 2,
      empfehle: 2, danke: 1.5, besser: 2, hilfreich: 2, freundlich: 2, schön: 2, großartig: 4,
      schlecht: -3, schlechte: -3, schlechter: -3, schrecklich: -3, furchtbar: -3, mies: -3,
      schlimm: -3, langsam: -2, kaputt: -3, defekt: -3, problem: -2, probleme: -2, fehler: -2,
      enttäuscht: -2, enttäuschend: -2, hasse: -3, nutzlos: -3, teuer: -1, schmutzig: -2,
      verspätet: -1, betrug: -3, beschwerde: -2, ärgerlich: -2, leider: -1,
    },
    negators: ['nicht', 'kein', 'keine', 'keinen', 'keinem', 'keiner', 'nie', 'niemals', 'ohne', 'nichts'],
    negationFollows: true,
    failureVerbs: ['funktioniert', 'lädt', 'geht', 'startet', 'kam', 'angekommen'],
    intensifiers: ['sehr', 'wirklich', 'total', 'extrem', 'echt', 'super'],
    markers: {
      contrast: ['aber', 'jedoch', 'allerdings', 'trotzdem', 'obwohl', 'sondern'],
      concessionOpeners: ['obwohl', 'trotz'],
      conditionals: ['wenn', 'falls', 'ob'],
    },
  },
  it: {
    labels: {
      buono: 3, buona: 3, ottimo: 4, ottima: 4, eccellente: 4, perfetto: 3, perfetta: 3,
      fantastico: 4, bello: 2, bella: 2, adoro: 3, felice: 3, contento: 2, contenta: 2,
      soddisfatto: 2, soddisfatta: 2, veloce: 1, facile: 1, consiglio: 2, grazie: 1.5, meglio: 2,
      utile: 2, gentile: 2,
      cattivo: -3, cattiva: -3, terribile: -3, orribile: -3, pessimo: -4, pessima: -4, peggio: -3,
      peggiore: -3, lento: -2, lenta: -2, rotto: -3, rotta: -3, problema: -2, problemi: -2,
      errore: -2, deluso: -2, delusa: -2, deludente: -2, odio: -3, inutile: -3, caro: -1,
      sporco: -2, sporca: -2, ritardo: -1, difettoso: -3, truffa: -3,
    },
    negators: ['non', 'mai', 'senza', 'niente', 'nessuno', 'nessuna', 'né'],
    negationFollows: false,
    failureVerbs: ['funziona', 'carica', 'arrivato', 'arrivata', 'parte'],
    intensifiers: ['molto', 'davvero', 'veramente', 'troppo', 'super', 'proprio'],
    markers: {
      contrast: ['ma', 'però', 'tuttavia', 'anche se', 'sebbene'],
      concessionOpeners: ['anche se', 'sebbene', 'nonostante'],
      conditionals: ['se'],
    },
  },
  pt: {
    labels: {
      bom: 3, boa: 3, ótimo: 4, ótima: 4, excelente: 4, perfeito: 3, perfeita: 3, maravilhoso: 4,
      adoro: 3, amei: 3, feliz: 3, satisfeito: 2, satisfeita: 2, rápido: 1, rápida: 1, fácil: 1,
      recomendo: 2, obrigado: 1.5, obrigada: 1.5, melhor: 2, útil: 2, gentil: 2, lindo: 2,
      ruim: -3, péssimo: -4, péssima: -4, terrível: -3, horrível: -3, pior: -3, lento: -2,
      lenta: -2, quebrado: -3, quebrada: -3, problema: -2, problemas: -2, erro: -2,
      decepcionado: -2, decepcionada: -2, odeio: -3, inútil: -3, caro: -1, sujo: -2, suja: -2,
      atraso: -1, defeituoso: -3, golpe: -2,
    },
    negators: ['não', 'nunca', 'jamais', 'sem', 'nem', 'nada', 'ninguém'],
    negationFollows: false,
    failureVerbs: ['funciona', 'carrega', 'abre', 'chegou', 'liga'],
    intensifiers: ['muito', 'super', 'realmente', 'totalmente', 'bem'],
    markers: {
      contrast: ['mas', 'porém', 'contudo', 'entretanto', 'no entanto', 'embora'],
      concessionOpeners: ['embora', 'apesar de'],
      conditionals: ['se'],
    },
  },
};
