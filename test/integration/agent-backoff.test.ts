import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAgent, ManualTimers, type AgentEvent, type Agent } from '../../src/agent/index.ts';
import { createBrokerClient } from '../../src/client/index.ts';
import { ManualClock } from '../../src/core/index.ts';

/**
 * The agent's retry behaviour with time under control: a real HTTP server speaking the
 * session protocol (docs/session-protocol.md) hands out 60-second tokens stamped with the
 * test's ManualClock, and can be switched to `temporarily_unavailable`, to dropping
 * connections, or to `invalid_grant`. The agent runs on ManualTimers with a fixed jitter
 * draw, so every retry instant is known.
 */
type Mode = 'ok' | 'unavailable' | 'drop' | 'revoked';

const SESSION_ID = 'ses_0123456789abcdef0123';
const CREDENTIAL = `rps_${SESSION_ID}.${'a'.repeat(43)}`;

const clock = new ManualClock(Date.parse('2026-03-01T12:00:00Z'));
const timers = new ManualTimers(clock);
let mode: Mode = 'ok';
let issued = 0;
let server: Server;
let url: string;
let dir: string;
let agent: Agent;
const events: AgentEvent[] = [];

function token(n: number): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  const iat = Math.floor(clock.now() / 1000);
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ n, iat, exp: iat + 60, sub: 'user:alice', aud: 'sts.amazonaws.com' })}.c2ln`;
}

const session = {
  id: SESSION_ID,
  user: 'alice',
  state: 'active',
  token_source: 'broker',
  audience: 'sts.amazonaws.com',
  token_ttl_seconds: 60,
  region: 'us-east-1',
  roles: [{ arn: 'arn:aws:iam::111111111111:role/DataScientist', profile: 'DataScientist', session_name: 'alice.ses-0123' }],
  created_at: '2026-03-01T12:00:00Z',
  ended_at: null,
  last_token_at: null,
  token_expires_at: null,
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleport-agent-backoff-'));
  server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString()));
    request.on('end', () => {
      const json = (status: number, value: unknown): void => {
        response.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        response.end(JSON.stringify(value));
      };
      const bearer = request.headers.authorization;
      if (request.url === '/api/v1/sessions/current') {
        if (bearer !== `Bearer ${CREDENTIAL}`) return json(401, { code: 'ERR_UNAUTHENTICATED', message: 'bad credential' });
        return json(200, session);
      }
      if (request.url === '/oauth/token' && request.method === 'POST') {
        const form = new URLSearchParams(body);
        if (form.get('subject_token') !== CREDENTIAL) return json(400, { error: 'invalid_grant', error_description: 'unknown session credential' });
        if (mode === 'drop') return response.socket?.destroy();
        if (mode === 'unavailable') return json(503, { error: 'temporarily_unavailable', error_description: 'the IdP did not answer' });
        if (mode === 'revoked') return json(400, { error: 'invalid_grant', error_description: 'the session was revoked' });
        issued += 1;
        return json(200, { access_token: token(issued), issued_token_type: 'urn:ietf:params:oauth:token-type:id_token', token_type: 'N_A', expires_in: 60 });
      }
      json(404, { code: 'ERR_NOT_FOUND', message: 'no route' });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  agent = createAgent({
    client: createBrokerClient({ baseUrl: url, timeoutMs: 2000 }),
    clock,
    timers,
    random: () => 0.5,
    // Exactly 80 %, so that every instant below is known.
    refreshJitter: 0,
    backoff: { initialMs: 1000, maxMs: 8000 },
    pollIntervalMs: 0,
    listen: {},
    onEvent: (event) => events.push(event),
  });
});

after(async () => {
  await agent?.close();
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** Waits (in real time) until `count` token events of `type` have happened. */
async function tokenEvents(type: string, count: number): Promise<Array<Extract<AgentEvent, { type: 'token' }>>> {
  for (let i = 0; i < 500; i++) {
    const matching = events.filter((e): e is Extract<AgentEvent, { type: 'token' }> => e.type === 'token' && e.event.type === type);
    if (matching.length >= count) return matching;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`no ${count}× ${type} event; saw ${events.map((e) => (e.type === 'token' ? e.event.type : e.type)).join(', ')}`);
}

const tokenNumber = (file: string): number => JSON.parse(Buffer.from(readFileSync(file, 'utf8').split('.')[1]!, 'base64url').toString()).n as number;

async function status(): Promise<{ sessions: Array<{ token: Record<string, unknown>; state: string }> }> {
  return (await (await fetch(`${agent.url}/status`)).json()) as { sessions: Array<{ token: Record<string, unknown>; state: string }> };
}

test('retries back off with full jitter, the old token stays through expiry, recovery resumes; invalid_grant stops and removes the file at expiry', async () => {
  const added = await agent.addSession({ credential: CREDENTIAL, dir });
  const file = added.layout.tokenFile;
  assert.equal(tokenNumber(file), 1);
  const t0 = clock.now();

  // Outage: the broker answers temporarily_unavailable, then drops connections.
  mode = 'unavailable';
  await timers.advance(48_000);
  let failed = await tokenEvents('failed', 1);
  const retryAts: number[] = [];
  const expected = [500, 1000, 2000, 4000, 4000, 4000, 4000];
  for (let i = 0; i < expected.length; i++) {
    failed = await tokenEvents('failed', i + 1);
    const last = failed[i]!.event;
    assert.equal(last.type, 'failed');
    if (last.type !== 'failed') return;
    retryAts.push(last.retryAt);
    if (i === 2) mode = 'drop';
    if (i === 3) {
      // Mid-outage the old token is still on disk, and /status says so.
      assert.equal(tokenNumber(file), 1);
      const live = await status();
      assert.equal(live.sessions[0]!.token['state'], 'retrying');
      assert.equal(live.sessions[0]!.token['consecutive_failures'], 4);
      assert.equal(live.sessions[0]!.token['next_refresh_at'], new Date(last.retryAt).toISOString());
    }
    if (i < expected.length - 1) await timers.advance(last.retryAt - clock.now());
  }
  // random() = 0.5 of min(8000, 1000·2^(n−1)).
  assert.deepEqual(retryAts.map((at, i) => at - (i === 0 ? t0 + 48_000 : retryAts[i - 1]!)), expected);
  // 48 + 0.5 + 1 + 2 + 4 + 4 + 4 = 63.5 s: the token (60 s) expired during the outage, yet stayed in place.
  await tokenEvents('expired', 1);
  assert.equal(tokenNumber(file), 1);
  assert.equal((await status()).sessions[0]!.token['state'], 'expired');

  // The broker is back: the next retry writes a new token and the loop returns to 80 %.
  mode = 'ok';
  await timers.advance(retryAts.at(-1)! - clock.now());
  const refreshed = await tokenEvents('refreshed', 2);
  assert.equal(tokenNumber(file), 2);
  const back = refreshed[1]!.status;
  assert.equal(back.state, 'fresh');
  assert.equal(back.consecutiveFailures, 0);
  // 80 % of what is left of the token (its exp is whole seconds).
  assert.equal(back.nextRefreshAt, clock.now() + Math.floor((back.tokenExpiresAt! - clock.now()) * 0.8));

  // Revocation: invalid_grant stops refresh at once; the file stays until the token's exp.
  mode = 'revoked';
  await timers.advance(48_000);
  const stopped = await tokenEvents('stopped', 1);
  assert.match(stopped[0]!.status.stoppedReason!, /invalid_grant: the session was revoked/);
  assert.ok(existsSync(file));
  assert.equal((await status()).sessions[0]!.state, 'stopped');
  const expiresAt = back.tokenExpiresAt!;
  const requestsBefore = issued;
  await timers.advance(expiresAt - clock.now() - 1);
  assert.ok(existsSync(file));
  await timers.advance(1);
  await tokenEvents('removed', 1);
  assert.ok(!existsSync(file));
  assert.deepEqual(await added.finished, { reason: 'invalid_grant: the session was revoked' });
  // Nothing more was asked of the broker after the refusal.
  await timers.advance(600_000);
  assert.equal(issued, requestsBefore);
  assert.equal(timers.pending, 0);
});
