import { createApplication } from '../src/app.ts';
import { benchConfig, type BenchData } from './setup.ts';
import { answerCpuQueries, benchInput, freePort } from './processes.ts';

/**
 * Roleport's broker in a process of its own (so `taskset` can pin it): the real application
 * on the bench data, logging warnings only. Says `{ type: 'listening', url }` over IPC,
 * answers `'cpu'` with its CPU time, `{ type: 'sign-in', person, roleArn }` with
 * `{ type: 'signed-in', error? }` after doing what the SSO callback does for a person (the
 * user's row and role claims, then a session, in this process as the callback would), and
 * closes on `'close'`.
 */
const data = benchInput<BenchData>();
const listen = `127.0.0.1:${await freePort()}`;
const config = benchConfig(data, listen);
const app = await createApplication({ ...config, log: { ...config.log, level: 'warn' } });
const url = await app.listen();
process.send!({ type: 'listening', url });
answerCpuQueries(() => void app.close().then(() => process.exit(0)));
process.on('message', (message: { type?: string; person?: string; roleArn?: string }) => {
  if (message.type !== 'sign-in' || message.person === undefined || message.roleArn === undefined) return;
  const person = message.person;
  const roles = [message.roleArn];
  void (async () => {
    try {
      await app.services.users.recordSignIn({ issuer: 'https://idp.bench.example', claims: { sub: `sub-${person}`, preferred_username: person, email: `${person}@example.com`, groups: ['bench'], aws_role_arn: roles }, kind: 'sign-in' });
      await app.services.sessions.start({ userName: person, roles, tokenTtlSeconds: 3600, by: { name: person, admin: false, userName: person } });
      process.send!({ type: 'signed-in' });
    } catch (error) {
      process.send!({ type: 'signed-in', error: error instanceof Error ? error.message : String(error) });
    }
  })();
});
