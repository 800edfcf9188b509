/**
 * The values a client bound to a statement's parameters, read as an ML
 * function's parameter receives them, for the keys of literal-keys.ts.
 *
 * As narrow as the literals there, for the same reason: a value is read only
 * where the server cannot read it otherwise. A parameter the client left
 * untyped (0) takes the type of the function parameter it is passed to; one
 * it typed must be that very type. Text arrives in the client's encoding in
 * both formats (the binary form of text is its characters); an int4 in
 * binary is four bytes, big-endian. Anything else is undefined, and the
 * statement takes the evaluation loop.
 */
import type { JsonValue } from '../../ml/calls.ts';
import type { BindMessage } from '../../wire/pg/messages.ts';
import type { ParamReader, Slot } from './literal-keys.ts';

/** Type oids a client may give a parameter of each slot: unspecified, or the slot's own types. */
const TYPES: Readonly<Record<Slot, ReadonlySet<number>>> = {
  // text, varchar
  text: new Set([0, 25, 1043]),
  // int4
  int: new Set([0, 23]),
};

const INT4_MIN = -2_147_483_648;
const INT4_MAX = 2_147_483_647;

/** The Bind's format code for parameter i: one code for all, or one each (none: text). */
function formatOf(bind: BindMessage, i: number): number {
  if (bind.paramFormats.length === 1) return bind.paramFormats[0] ?? 0;
  return bind.paramFormats[i] ?? 0;
}

function intValue(bytes: Buffer, format: number): JsonValue | undefined {
  if (format === 1) return bytes.length === 4 ? bytes.readInt32BE(0) : undefined;
  const text = bytes.toString('latin1');
  if (!/^[+-]?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return n >= INT4_MIN && n <= INT4_MAX ? n : undefined;
}

/**
 * @param paramTypes the type oids of the client's Parse (missing ones are unspecified)
 * @param decode text as the client's encoding writes it
 */
export function boundParams(bind: BindMessage, paramTypes: readonly number[], decode: (bytes: Buffer) => string): ParamReader {
  return (index, slot) => {
    const i = index - 1;
    if (i < 0 || i >= bind.params.length) return undefined;
    if (!TYPES[slot].has(paramTypes[i] ?? 0)) return undefined;
    const bytes = bind.params[i];
    if (bytes === null) return null;
    if (bytes === undefined) return undefined;
    const format = formatOf(bind, i);
    if (format !== 0 && format !== 1) return undefined;
    return slot === 'text' ? decode(bytes) : intValue(bytes, format);
  };
}
