import pino from 'pino';
import { startEmulator } from '/work/main/src/index.ts';
const emu = await startEmulator({ pgListen: '127.0.0.1:0', pgUpstream: 'postgres://postgres@127.0.0.1:5432/test', mysqlListen: '127.0.0.1:3399', mysqlUpstream: 'mysql://root@127.0.0.1:3306/aurora_ml_bench', logger: pino({ level: 'warn' }) });
console.log('ready');
setTimeout(async () => { await emu.close(); process.exit(0); }, Number(process.env.LIFE ?? 30000));
