import { parentPort, workerData } from 'node:worker_threads';
import { createApplication } from '../src/app.ts';
import { benchConfig, type BenchData } from './setup.ts';

/**
 * The broker for the agent benchmark, on a worker thread of its own: the real application on
 * the bench data, logging only warnings (a log line per request would be the benchmark).
 */
const data = workerData as BenchData;
const port = parentPort!;
const config = benchConfig(data, '127.0.0.1:0');
const app = await createApplication({ ...config, log: { ...config.log, level: 'warn' } });
const url = await app.listen();
port.postMessage({ type: 'listening', url });
port.once('message', () => void app.close().then(() => port.postMessage({ type: 'closed' })));
