/**
 * One connect/disconnect cycle on the MySQL front, ended one of four ways:
 * COM_QUIT, an abrupt close after login, an abrupt close in the middle of an
 * ML statement, or an abrupt close in the middle of the handshake.
 */
import { FuzzMySqlSocket, framePacket } from '../test/helpers/fuzz/mysql-socket.ts';

export const MYSQL_ENDINGS = ['quit', 'destroy', 'mid-statement', 'mid-handshake'] as const;
export type MySqlEnding = (typeof MYSQL_ENDINGS)[number];

export async function mysqlCycle(port: number, database: string, ending: MySqlEnding, i: number): Promise<void> {
  const s = await FuzzMySqlSocket.open(port);
  try {
    if (ending === 'mid-handshake') {
      await s.greeting(15_000);
      return;
    }
    await s.login(database);
    if (ending === 'quit') {
      s.send(framePacket(Buffer.from([0x01]), 0));
      if (!(await s.until(() => s.closed, 10_000))) throw new Error('COM_QUIT did not close the connection');
    } else if (ending === 'mid-statement') {
      const sql = `SELECT aws_comprehend_detect_sentiment('cycle ${i} was great', 'en')`;
      s.send(framePacket(Buffer.concat([Buffer.from([0x03]), Buffer.from(sql)]), 0));
      await new Promise((r) => setImmediate(r));
    }
  } finally {
    s.destroy();
  }
}
