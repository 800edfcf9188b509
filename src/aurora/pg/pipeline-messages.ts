/**
 * The client's extended-protocol messages as the runner (./extended-runner.ts)
 * reads and remakes them: which statement a portal was bound to in the same
 * messages, the query that asks the server for a portal's text, and a Bind
 * sent again.
 */
import { FrontendCode } from '../../wire/pg/codes.ts';
import type { BindMessage } from '../../wire/pg/messages.ts';
import { serialize } from '../../wire/pg/serializer.ts';

const CLOSE_STATEMENT = 0x53; // 'S'

/** The NUL-terminated string at `at` (the whole rest when unterminated). */
function cstringAt(message: Buffer, at: number): Buffer {
  const end = message.indexOf(0, at);
  return message.subarray(at, end < 0 ? message.length : end);
}

/**
 * Whether the last Bind of `portal` among the client's messages names a
 * statement a Parse among them made (and no Close removed since): then, those
 * messages having succeeded, the portal runs that Parse's text.
 */
export function boundToParseIn(client: readonly Buffer[][], portal: string, decode: (bytes: Buffer) => string): boolean {
  const parsed = new Set<string>();
  let bound = false;
  for (const message of client.flat()) {
    const code = message[0];
    if (code === FrontendCode.Parse) parsed.add(decode(cstringAt(message, 5)));
    else if (code === FrontendCode.Close && message[5] === CLOSE_STATEMENT) parsed.delete(decode(cstringAt(message, 6)));
    else if (code === FrontendCode.Bind) {
      const name = cstringAt(message, 5);
      if (decode(name) === portal) bound = parsed.has(decode(cstringAt(message, 5 + name.length + 1)));
    }
  }
  return bound;
}

/** The client's Bind as it came: its portal made again, with the same parameters and formats. */
export function rebind(bind: BindMessage): Buffer {
  return serialize.bind(bind.portal, bind.statement, bind.paramFormats, bind.params, bind.resultFormats);
}

/**
 * The source text of a portal, protocol-level ones included (pg_cursors lists
 * them, the unnamed one as ''). The name goes in as hex: it may hold anything.
 */
export function portalTextQuery(portal: string): string {
  const hex = Buffer.from(portal, 'utf8').toString('hex');
  return `SELECT statement FROM pg_catalog.pg_cursors WHERE name OPERATOR(pg_catalog.=) pg_catalog.convert_from(pg_catalog.decode('${hex}', 'hex'), 'UTF8')`;
}
