import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTokenFile } from '@aws-sdk/credential-providers';
import { createAgent, type AgentEvent } from '../../src/agent/index.ts';
import { createBrokerClient } from '../../src/client/index.ts';
import { DS, eventually, startAgentEnv, type AgentEnv } from './sessions-agent-fixtures.ts';

/**
 * A long session compressed: 30-second tokens, refreshed at 80 % by the agent over several
 * cycles against the real broker, while (1) a separate process reads the token file in a
 * tight loop and checks every read is a whole JWT, and (2) the real AWS SDK builds a fresh
 * fromTokenFile provider every second and calls GetCallerIdentity at the local STS, which
 * checks each token's signature and expiry. Every read and every call must succeed across
 * every rotation.
 */
const READER = `
const { readFileSync } = require('node:fs');
const file = process.argv[1];
let reads = 0, bad = 0, firstBad = null, stop = false;
const seen = new Set();
process.stdin.on('end', () => { stop = true; }).resume();
function loop() {
  for (let i = 0; i < 50; i++) {
    const text = readFileSync(file, 'utf8');
    reads++;
    try {
      const parts = text.split('.');
      if (parts.length !== 3 || text.trim() !== text) throw new Error('shape');
      JSON.parse(Buffer.from(parts[0], 'base64url').toString());
      const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
      if (typeof claims.exp !== 'number' || typeof claims.jti !== 'string') throw new Error('claims');
      seen.add(claims.jti);
    } catch { bad++; if (firstBad === null) firstBad = JSON.stringify(text.slice(0, 60)); }
  }
  if (stop) process.stdout.write(JSON.stringify({ reads, bad, firstBad, distinct: seen.size }));
  else setTimeout(loop, 1);
}
loop();
`;

let env: AgentEnv;
let dir: string;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-agent-long-'));
  env = await startAgentEnv();
  await env.signIn('alice');
});
after(async () => {
  await env?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('30-second tokens over several refresh cycles: the file is always whole and the SDK always gets credentials', async () => {
  const client = createBrokerClient({ baseUrl: env.url });
  const started = await client.startSession(await env.userToken('alice'), { roles: [DS], tokenTtlSeconds: 30 });
  const events: AgentEvent[] = [];
  const agent = createAgent({ client, stsEndpoint: env.stsUrl, pollIntervalMs: 5000, onEvent: (event) => events.push(event) });
  try {
    const session = await agent.addSession({ credential: started.credential, dir: join(dir, 'session') });
    const tokenFile = session.layout.tokenFile;
    const sessionName = started.session.roles[0]!.sessionName;

    const reader = spawn(process.execPath, ['-e', READER, tokenFile], { stdio: ['pipe', 'pipe', 'inherit'] });
    let readerOutput = '';
    reader.stdout.setEncoding('utf8').on('data', (chunk: string) => (readerOutput += chunk));
    const readerExit = new Promise<number | null>((resolve) => reader.once('exit', resolve));

    const failures: string[] = [];
    let calls = 0;
    let stop = false;
    const sdkLoop = (async () => {
      while (!stop) {
        // A fresh provider each time, so each call reads the file as it is now.
        const provider = fromTokenFile({ webIdentityTokenFile: tokenFile, roleArn: DS, roleSessionName: sessionName, clientConfig: { region: 'us-east-1', endpoint: env.stsUrl } });
        const sts = new STSClient({ region: 'us-east-1', endpoint: env.stsUrl, credentials: provider });
        try {
          const arn = (await sts.send(new GetCallerIdentityCommand({}))).Arn;
          if (arn !== `arn:aws:sts::111111111111:assumed-role/DataScientist/${sessionName}`) failures.push(`unexpected ${arn}`);
          calls += 1;
        } catch (error) {
          failures.push(error instanceof Error ? error.message : String(error));
        } finally {
          sts.destroy();
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    })();

    // Four refreshes after the first token: three full rotations plus one, ~100 s.
    const refreshed = (): number => events.filter((e) => e.type === 'token' && e.event.type === 'refreshed').length;
    await eventually('four refreshes', () => (refreshed() >= 5 ? true : undefined), 180_000);
    stop = true;
    await sdkLoop;
    reader.stdin.end();
    assert.equal(await readerExit, 0);

    const report = JSON.parse(readerOutput) as { reads: number; bad: number; firstBad: string | null; distinct: number };
    assert.equal(report.bad, 0, `a read was not a whole JWT: ${report.firstBad}`);
    assert.ok(report.distinct >= 5, `the reader saw ${report.distinct} tokens`);
    assert.deepEqual(failures, []);
    assert.ok(calls >= 10, `only ${calls} SDK calls`);
    // Refresh never failed, and each happened before the previous token expired.
    assert.equal(session.status().token.failures, 0);
    const refreshes = events.flatMap((e) => (e.type === 'token' && e.event.type === 'refreshed' ? [e.event] : []));
    for (let i = 1; i < refreshes.length; i++) assert.ok(refreshes[i]!.completedAt < refreshes[i - 1]!.expiresAt);
  } finally {
    await agent.close();
  }
});
