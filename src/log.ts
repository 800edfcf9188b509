/** pino, readable in a terminal and JSON otherwise (or when LOG_FORMAT=json). */
import pino, { type Logger } from 'pino';

export function createLogger(level: string, pretty = process.stdout.isTTY && process.env.LOG_FORMAT !== 'json'): Logger {
  if (!pretty) return pino({ level, base: { service: 'aurora-ml-emulator' } });
  return pino({
    level,
    transport: { target: 'pino-pretty', options: { colorize: true, ignore: 'pid,hostname', translateTime: 'HH:MM:ss.l' } },
  });
}
