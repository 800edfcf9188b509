/**
 * The client's extended-protocol messages as the runner (./extended-runner.ts)
 * reads and remakes them: which statement a portal was bound to in the same
 * messages, the query that asks the server for a portal's text, and a Bind
 * sent again.
 */
import { FrontendCode } from '../../wire/pg/codes.ts';
import { type BindMessage, BodyReader, parseBindNames, parseTarget } from '../../wire/pg/messages.ts';
import { serialize } from '../../wire/pg/serializer.ts';

/**
 * Whether the last Bind of `portal` among the client's messages names a
 * statement a Parse among them made (and no Close removed since): then, those
 * messages having succeeded, the portal runs that Parse's text. The messages
 * are whole and were read once already (extended-batch.ts), so they parse.
 */
export function boundToParseIn(client: readonly Buffer[][], portal: string, decode: (bytes: Buffer) => string): boolean {
  const parsed = new Set<string>();
  let bound = false;
  for (const message of client.flat()) {
    const payload = message.subarray(5);
    const code = message[0];
    // A Parse's statement name only: its text is not needed here.
    if (code === FrontendCode.Parse) parsed.add(new BodyReader(payload, decode).cstring());
    else if (code === FrontendCode.Close) {
      const close = parseTarget(payload, decode);
      if (close.target === 'S') parsed.delete(close.name);
    } else if (code === FrontendCode.Bind) {
      const names = parseBindNames(payload, decode);
      if (names.portal === portal) bound = parsed.has(names.statement);
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
