import { createApplication } from '../src/app.ts';
import { benchConfig, type BenchData } from './setup.ts';
import { answerCpuQueries, benchInput, freePort } from './processes.ts';

/**
 * Roleport's broker in a process of its own (so `taskset` can pin it): the real application
 * on the bench data, logging warnings only. Says `{ type: 'listening', url }` over IPC,
 * answers `'cpu'` with its CPU time, and closes on `'close'`.
 */
const data = benchInput<BenchData>();
const listen = `127.0.0.1:${await freePort()}`;
const config = benchConfig(data, listen);
const app = await createApplication({ ...config, log: { ...config.log, level: 'warn' } });
const url = await app.listen();
process.send!({ type: 'listening', url });
answerCpuQueries(() => void app.close().then(() => process.exit(0)));
