import { createServer, type AddressInfo } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { createApplication } from '../src/app.ts';
import { loadConfig } from '../src/config/index.ts';
import type { BenchData } from './setup.ts';

/**
 * The broker with its local STS on a thread of its own (so it gets a core while autocannon
 * drives it from the main thread). It registers its own issuer as the STS's provider and one
 * role, mints one token, and hands both URLs and the token to the main thread.
 */
export interface StsWorkerData {
  data: BenchData;
  roleArn: string;
  /** false: the reference without durable audit (see audit-durability.ts). */
  durableAudit?: boolean;
}

const input = workerData as StsWorkerData;
const port = parentPort!;
const listen = `127.0.0.1:${await freePort()}`;
const config = loadConfig({
  env: {},
  overrides: {
    dataDir: input.data.dataDir,
    masterKey: input.data.masterKey,
    ...(input.data.databaseUrl === undefined ? {} : { databaseUrl: input.data.databaseUrl }),
    listen,
    issuer: `http://${listen}`,
    keys: { rotationIntervalSeconds: 0 },
    log: { level: 'warn' },
    sts: { enabled: true, listen: `127.0.0.1:${await freePort()}` },
  },
});
const app = await createApplication(config, input.durableAudit === false ? { durableAudit: false } : {});
await app.listen();
const sts = app.services.sts;
const prefix = listen;
await sts.registry.addProvider({ url: config.issuer, clientIds: ['sts.amazonaws.com'] });
await sts.registry.addRole({
  arn: input.roleArn,
  maxSessionDurationSeconds: 43200,
  trustPolicy: {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: sts.providerArn(config.issuer, input.roleArn.split(':')[4]) },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: { StringEquals: { [`${prefix}:aud`]: 'sts.amazonaws.com' }, StringLike: { [`${prefix}:sub`]: 'user:*' } },
      },
    ],
  },
});
const { token } = await app.services.mintToken({ subject: 'user:bench', audience: 'sts.amazonaws.com', ttlSeconds: 3600, actor: 'bench' });
port.postMessage({ type: 'listening', issuer: config.issuer, stsUrl: app.stsUrl(), token });
port.once('message', () => void app.close().then(() => port.postMessage({ type: 'closed' })));

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port: free } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return free;
}
