/**
 * `--help` and the README's options table, both written from the option
 * table (./table.ts), so neither can name a flag, variable, key or default
 * the emulator does not have.
 */
import { CONFIG_FILE, HELP, OPTION_LIST, type OptionDocs } from './table.ts';

type Documented = OptionDocs & { readonly default?: unknown };

/** Every documented setting in table order, --config first. */
const documented: readonly Documented[] = [CONFIG_FILE, ...OPTION_LIST];

function defaultOf(o: Documented): { text: string; isValue: boolean } {
  if (o.defaultText !== undefined) return { text: o.defaultText, isValue: false };
  // A switch is on or off; a config-only boolean is shown as the YAML value.
  if (typeof o.default === 'boolean' && o.flag !== undefined) return { text: o.default ? 'on' : 'off', isValue: false };
  return { text: String(o.default), isValue: true };
}

const flagOf = (o: OptionDocs) => (o.flag === undefined ? '' : `--${o.flag}${o.arg === undefined ? '' : ` ${o.arg}`}`);
/** A switch's variable is shown with the value that turns it on. */
const envOf = (o: OptionDocs) =>
  o.env === undefined ? '' : `${o.env}${o.arg === undefined && o.flag !== undefined ? '=1' : ''}`;

const HELP_WIDTH = 116;

/** `parts` joined by `separator` into lines of at most `width`, breaking only between parts. */
function wrap(parts: readonly string[], separator: string, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const part of parts) {
    if (line !== '' && line.length + separator.length + part.length > width) {
      lines.push(line + separator.trimEnd());
      line = part;
    } else line = line === '' ? part : line + separator + part;
  }
  return [...lines, line];
}

/** One entry of --help: the flag (or YAML key) and what it sets, then its default and where else it can be set. */
function helpEntry(o: Documented, column: number): string[] {
  const sources = [
    `default ${defaultOf(o).text}`,
    ...(o.env === undefined ? [] : [`env ${envOf(o)}`]),
    ...(o.configKey === undefined || o.flag === undefined ? [] : [`config ${o.configKey}`]),
  ];
  const label = `  ${o.flag === undefined ? (o.configKey ?? '') : flagOf(o)}`;
  const width = HELP_WIDTH - column;
  const lines = [...wrap(o.help.split(' '), ' ', width), ...wrap(sources, '; ', width).map((l, i) => (i === 0 ? `[${l}` : l))];
  lines[lines.length - 1] += ']';
  return lines.map((line, i) => (i === 0 ? label : '').padEnd(column) + line);
}

export function helpText(): string {
  const withFlag = documented.filter((o) => o.flag !== undefined);
  const fileOnly = documented.filter((o) => o.flag === undefined);
  const column = Math.max(...documented.map((o) => flagOf(o).length || (o.configKey ?? '').length)) + 2 + 3;
  return [
    'Usage: aurora-ml-emulator [options]',
    '       aurora-ml-emulator demo <name>   (the demo scenarios; demo --help lists them)',
    '',
    'Flags override environment variables, which override the YAML config file.',
    '',
    ...withFlag.flatMap((o) => helpEntry(o, column)),
    `  -${HELP.short}, --${HELP.flag}`.padEnd(column) + HELP.help,
    '',
    'Config file only (YAML keys):',
    ...fileOnly.flatMap((o) => helpEntry(o, column)),
    '',
  ].join('\n');
}

const cell = (text: string) => text.replaceAll('|', '\\|');
const code = (text: string) => (text === '' ? '' : `\`${cell(text)}\``);

/** The README's options table, as markdown lines. */
export function readmeTable(): string {
  const rows = documented.map((o) => {
    const d = defaultOf(o);
    return [code(flagOf(o)), code(envOf(o)), code(o.configKey ?? ''), d.isValue ? code(d.text) : cell(d.text), cell(o.help)];
  });
  return [['flag', 'env', 'config key', 'default', 'what it sets'], ['---', '---', '---', '---', '---'], ...rows]
    .map((cells) => `|${cells.map((c) => (c === '' ? ' ' : ` ${c} `)).join('|')}|`)
    .join('\n');
}
