/** `aurora-ml-emulator` / `npm start`: parse options, start, print where to connect. */
import { loadConfig, usage } from './config.ts';
import { createLogger } from './log.ts';
import { startEmulator } from './main.ts';
import { redactUrl } from './upstream-url.ts';

const config = (() => {
  try {
    return loadConfig(process.argv.slice(2), process.env);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${usage}`);
    process.exit(2);
  }
})();
if (config.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const log = createLogger(config.logLevel);
const emulator = await startEmulator({ ...config, logger: log });
const pg = emulator.postgres;
process.stdout.write(
  [
    '',
    'aurora-ml-emulator is running',
    `  PostgreSQL front  ${pg.host}:${pg.port}  (Aurora PostgreSQL ${config.pgEngineVersion}${config.strict ? ', strict' : ''})`,
    `  upstream          ${pg.embedded ? `embedded PostgreSQL 16, data in ${config.dataDir}/postgres` : redactUrl(pg.upstreamUrl)}`,
    `  connect           psql ${pg.url}`,
    emulator.mysql === null
      ? '  MySQL front       off (add --mysql-upstream mysql://root@127.0.0.1:3306/test to put it in front of a MySQL/MariaDB)'
      : `  MySQL front       ${emulator.mysql.host}:${emulator.mysql.port} -> ${redactUrl(emulator.mysql.upstreamUrl)} (Aurora MySQL ${config.mysqlEngineVersion})`,
    `  AWS APIs          ${emulator.api.url}  (RDS, IAM, Comprehend, SageMaker Runtime, Bedrock Runtime; control preset ${config.controlPreset})`,
    `  then              CREATE EXTENSION aws_ml CASCADE; SELECT * FROM aws_comprehend.detect_sentiment('I love this product!', 'en');`,
    '',
  ].join('\n'),
);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  log.info('stopping');
  await emulator.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
