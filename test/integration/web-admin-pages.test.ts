import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CookieJar, DS, RO, csrfOf, postForm, startSessionsEnv, type SessionsEnv } from './sessions-fixtures.ts';

/**
 * The console's lists and admin pages over HTTP (the browser walk-through is in
 * test/e2e/web-console-browser.test.ts): the audit log and the session lists paged by cursor
 * with their filters kept, the streamed export, the users page (roles set by the rule of
 * `users set-aws-role-arns`, unbind, delete), the signing keys page (rotate, immediate), and
 * every destructive action asking first. bob is the admin.
 */
describe('the console\'s lists and admin pages (headless)', () => {
  let env: SessionsEnv;
  let alice: CookieJar;
  let bob: CookieJar;

  before(async () => {
    env = await startSessionsEnv({ admins: ['bob'] });
    alice = await env.signIn('alice');
    bob = await env.signIn('bob');
  });
  after(() => env?.close());

  const page = async (jar: CookieJar, path: string): Promise<{ status: number; text: string }> => {
    const response = await jar.fetch(`${env.url}${path}`);
    return { status: response.status, text: await response.text() };
  };
  const links = (text: string, id: string): string | undefined => new RegExp(`href="([^"]+)" id="${id}"`).exec(text)?.[1]?.replaceAll('&amp;', '&');
  const auditTypes = (text: string): string[] => [...text.matchAll(/<tr class="audit-event" data-type="([^"]+)">/g)].map((m) => m[1]!);

  test('the audit log pages newest first by cursor, every link keeping the filter; the export streams every match, oldest first', async () => {
    const { audit, clock } = env.broker.app.services;
    const start = clock.now() - 3_600_000;
    for (let i = 0; i < 120; i++) audit.record({ type: i % 2 === 0 ? 'probe.even' : 'probe.odd', actor: 'test', occurredAt: start + i * 1000, userName: 'zed', details: { n: i } });
    await audit.flush();

    const first = await page(bob, '/admin/audit?user=zed&event=probe.*');
    assert.equal(first.status, 200);
    assert.equal(auditTypes(first.text).length, 50);
    assert.match(first.text, /<span class="muted">50 events on this page, newest first<\/span>/);
    const next = links(first.text, 'page-next');
    assert.ok(next !== undefined && next.includes('user=zed') && next.includes('event=probe.*') && /after=\d+/.test(next), next);
    assert.equal(links(first.text, 'page-first'), undefined, 'the first page offers no "Newest"');
    const second = await page(bob, next);
    const third = await page(bob, links(second.text, 'page-next')!);
    assert.equal(auditTypes(second.text).length, 50);
    assert.equal(auditTypes(third.text).length, 20);
    assert.equal(links(third.text, 'page-next'), undefined, 'the last page offers no "Older"');
    assert.equal(links(third.text, 'page-first'), '/admin/audit?user=zed&event=probe.*');
    const numbers = [first, second, third].flatMap((p) => [...p.text.matchAll(/<dt>n<\/dt><dd><code>(\d+)<\/code>/g)].map((m) => Number(m[1])));
    assert.deepEqual(numbers, Array.from({ length: 120 }, (_, i) => 119 - i), 'every event once, newest first, across the pages');
    // The filter is in the form, as typed.
    assert.match(first.text, /<input id="audit-event" name="event" value="probe\.\*"/);

    // An exact type, and a time range (UTC, "until" takes its whole minute).
    const even = await page(bob, '/admin/audit?user=zed&event=probe.even');
    assert.ok(auditTypes(even.text).every((type) => type === 'probe.even'));
    const minute = new Date(start + 60_000).toISOString().slice(0, 16);
    const ranged = await page(bob, `/admin/audit?user=zed&from=${minute}&to=${minute}`);
    const rangedNext = await page(bob, links(ranged.text, 'page-next')!);
    assert.equal(auditTypes(ranged.text).length + auditTypes(rangedNext.text).length, 60, 'one minute: 60 events, on two pages');
    const refused = await page(bob, '/admin/audit?user=zed&from=yesterday');
    assert.match(refused.text, /<span class="field-error" id="audit-from-error">From \(UTC\): &quot;yesterday&quot; is not a date and time/);

    const exported = await bob.fetch(`${env.url}/admin/audit/export?user=zed&event=probe.*`);
    assert.match(exported.headers.get('content-type') ?? '', /^application\/x-ndjson/);
    assert.equal(exported.headers.get('content-length'), null, 'streamed, not buffered');
    const lines = (await exported.text()).trimEnd().split('\n').map((line) => JSON.parse(line) as { details: { n: number } });
    assert.deepEqual(lines.map((line) => line.details.n), Array.from({ length: 120 }, (_, i) => i), 'oldest first, all of them');
  });

  test('the session lists page by cursor with their state filter kept, and say "expires" only of active sessions', async () => {
    const { sessions } = env.broker.app.services;
    const by = { name: 'alice', admin: false, userName: 'alice' };
    for (let i = 0; i < 28; i++) await sessions.start({ userName: 'alice', roles: [DS], by });
    const ended = await sessions.start({ userName: 'alice', roles: [RO], by });
    await sessions.end(ended.session.id, by);

    const first = await page(alice, '/sessions?state=active');
    const rows = [...first.text.matchAll(/<tr class="session" id="session-(ses_[a-z0-9]+)" data-state="(\w+)">/g)];
    assert.equal(rows.length, 25);
    assert.ok(rows.every((row) => row[2] === 'active'));
    const next = links(first.text, 'page-next')!;
    assert.match(next, /^\/sessions\?state=active&after=\d+\.ses_[a-z0-9]+$/);
    const second = await page(alice, next);
    const more = [...second.text.matchAll(/<tr class="session" id="session-(ses_[a-z0-9]+)"/g)].map((m) => m[1]);
    assert.ok(more.length >= 3 && more.every((id) => !rows.some((row) => row[1] === id)), 'the next page has the older ones, none twice');

    const endedPage = await page(alice, '/sessions?state=ended');
    const row = new RegExp(`<tr class="session" id="session-${ended.session.id}" data-state="ended">[\\s\\S]*?</tr>`).exec(endedPage.text)![0];
    assert.doesNotMatch(row.replace(/<[^>]+>/g, ''), /expires/);
    assert.match(row, /<td class="session-token-expires nowrap"><span class="muted">ended <time datetime="[^"]+" title="\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC">/);

    // An admin's list keeps its user filter too.
    const all = await page(bob, '/admin/sessions?user=alice&state=active');
    assert.match(links(all.text, 'page-next')!, /^\/admin\/sessions\?user=alice&state=active&after=/);
  });

  test('the users page sets roles by the rule of users set-aws-role-arns: a bad ARN is named by its label and the text kept', async () => {
    const list = await page(bob, '/admin/users');
    assert.match(list.text, /<tr class="user" data-username="alice">/);
    const csrf = csrfOf(list.text);
    const typed = `${DS}\narn:aws:iam::12:role/Short`;
    const refused = await postForm(bob, `${env.url}/admin/users`, { csrf, username: 'dora', role_arns: typed });
    assert.equal(refused.status, 400);
    const body = await refused.text();
    assert.match(body, /<span class="field-error" id="role-arns-error">Role ARNs: &quot;arn:aws:iam::12:role\/Short&quot;: account &quot;12&quot; is not 12 digits</);
    assert.match(body, /<textarea id="role-arns" name="role_arns"[^>]*>arn:aws:iam::111111111111:role\/DataScientist\narn:aws:iam::12:role\/Short<\/textarea>/);
    assert.match(body, /<input id="username" name="username"[^>]* value="dora">/);
    assert.equal(await env.broker.app.services.users.findByUsername('dora'), undefined, 'nothing saved');

    const saved = await postForm(bob, `${env.url}/admin/users`, { csrf, username: 'dora', role_arns: `${DS}, ${RO}` });
    assert.equal(saved.status, 303);
    assert.equal(saved.headers.get('location'), '/admin/users/dora?notice=roles-saved');
    assert.deepEqual(await env.broker.app.services.users.getRoles('dora'), [
      { arn: DS, source: 'cli' },
      { arn: RO, source: 'cli' },
    ]);
    const dora = await page(bob, saved.headers.get('location')!);
    assert.match(dora.text, /<p class="notice success" role="status" id="notice">Roles saved\.<\/p>/);
    await env.broker.app.services.audit.flush();
    const [event] = await env.broker.app.services.repositories.auditEvents.query({ userName: 'dora', type: 'user.roles_set' });
    assert.equal(event?.actor, 'bob');
    assert.equal((await page(alice, '/admin/users')).status, 403);
  });

  test('unbind and delete ask first, then act and say so', async () => {
    await env.signIn('carol');
    const csrf = csrfOf((await page(bob, '/admin/users/carol')).text);

    const asked = await postForm(bob, `${env.url}/admin/users/carol/unbind`, { csrf, return_to: '/admin/users/carol' });
    assert.equal(asked.status, 200);
    assert.match(await asked.text(), /id="confirm-question"><p><strong>Unbind carol from the identity /);
    assert.notEqual((await env.broker.app.services.users.findByUsername('carol'))?.subject, null, 'not unbound before the answer');
    const unbound = await postForm(bob, `${env.url}/admin/users/carol/unbind`, { csrf, return_to: '/admin/users/carol', confirmed: 'yes' });
    assert.equal(unbound.headers.get('location'), '/admin/users/carol?notice=user-unbound');
    assert.equal((await env.broker.app.services.users.findByUsername('carol'))?.subject, null);

    const deleted = await postForm(bob, `${env.url}/admin/users/carol/delete`, { csrf, return_to: '/admin/users', confirmed: 'yes' });
    assert.equal(deleted.headers.get('location'), '/admin/users?notice=user-deleted');
    assert.equal(await env.broker.app.services.users.findByUsername('carol'), undefined);
    assert.equal((await page(bob, '/admin/users/carol')).status, 404);
  });

  test('the keys page rotates after asking, and immediately only when asked to', async () => {
    const before = await env.broker.app.services.keys.list();
    const keysPage = await page(bob, '/admin/keys');
    assert.match(keysPage.text, new RegExp(`<tr class="key" data-kid="${before[0]!.kid}" data-state="active">`));
    const csrf = csrfOf(keysPage.text);
    const asked = await postForm(bob, `${env.url}/admin/keys/rotate`, { csrf, immediate: 'true', return_to: '/admin/keys' });
    assert.match(await asked.text(), /<title>Rotate the signing key immediately\? · Roleport<\/title>/);
    assert.equal((await env.broker.app.services.keys.list()).length, before.length, 'nothing before the answer');

    const rotated = await postForm(bob, `${env.url}/admin/keys/rotate`, { csrf, confirmed: 'yes', return_to: '/admin/keys' });
    assert.equal(rotated.headers.get('location'), '/admin/keys?notice=key-rotated');
    const afterRotate = await env.broker.app.services.keys.list();
    assert.deepEqual(afterRotate.map((key) => key.state).sort(), ['active', 'next'], 'a routine rotation publishes a next key first');

    const immediate = await postForm(bob, `${env.url}/admin/keys/rotate`, { csrf, confirmed: 'yes', immediate: 'true', return_to: '/admin/keys' });
    assert.equal(immediate.headers.get('location'), '/admin/keys?notice=key-rotated-immediately');
    const active = (await env.broker.app.services.keys.list()).filter((key) => key.state === 'active');
    assert.equal(active.length, 1);
    assert.equal(active[0]!.kid, afterRotate.find((key) => key.state === 'next')!.kid, 'the new key signs at once');
    assert.notEqual(active[0]!.kid, before[0]!.kid);
    assert.equal((await postForm(alice, `${env.url}/admin/keys/rotate`, { csrf: csrfOf((await page(alice, '/')).text), confirmed: 'yes' })).status, 403);
  });

  test('an integration\'s access list on its page: granted and withdrawn by the domain\'s rule (withdrawal asks first); "used by" marks an association without access', async () => {
    const { integrations, audit, repositories } = env.broker.app.services;
    const admin = { name: 'setup' };
    const integration = await integrations.integrations.create({ template: 'aws', name: 'reports-reader', config: { auth_type: 'Service Account', role_arn: DS } }, admin);
    const granted = await integrations.content.create({ name: 'sales-dashboard', actor: admin });
    const stale = await integrations.content.create({ name: 'old-report', actor: admin });
    const other = await integrations.content.create({ name: 'new-notebook', actor: admin });
    // old-report was granted and associated, then its grant withdrawn: an inert association.
    await integrations.access.set(integration.guid, [granted.guid, stale.guid], admin);
    await integrations.content.setAssociations(granted.guid, [integration.guid], admin);
    await integrations.content.setAssociations(stale.guid, [integration.guid], admin);
    await integrations.access.set(integration.guid, [granted.guid], admin);

    const list = await page(bob, '/admin/integrations');
    const row = new RegExp(`<tr data-guid="${integration.guid}">[\\s\\S]*?</tr>`).exec(list.text)?.[0] ?? '';
    assert.match(row, /<td class="access-list"><code class="nowrap" title="[^"]+">sales-dashboard<\/code><\/td>/);
    assert.match(row, new RegExp(`<span class="not-granted" data-guid="${stale.guid}"><code class="nowrap" title="${stale.guid}">old-report</code> <span class="muted">\\(not granted: no access\\)</span></span>`));
    assert.doesNotMatch(row, /<td class="access-list">[^<]*(<code[^>]*>[^<]*<\/code>[^<]*)*old-report/, 'old-report is not on the access list');

    const detail = await page(bob, `/admin/integrations/${integration.guid}`);
    assert.match(detail.text, new RegExp(`<tr class="access-entry" data-guid="${granted.guid}">`));
    assert.doesNotMatch(detail.text, new RegExp(`<tr class="access-entry" data-guid="${stale.guid}">`));
    const grantSelect = /<select id="grant-content" name="content">([\s\S]*?)<\/select>/.exec(detail.text)?.[1] ?? '';
    const options = [...grantSelect.matchAll(/<option value="([^"]+)">([^ <]+) \(/g)].map((m) => m[2]);
    assert.deepEqual(options.sort(), ['new-notebook', 'old-report'], 'only content not on the list is offered');
    const csrf = csrfOf(detail.text);

    const grantedNow = await postForm(bob, `${env.url}/admin/integrations/${integration.guid}/access/grant`, { csrf, content: other.guid });
    assert.equal(grantedNow.status, 303);
    assert.equal(grantedNow.headers.get('location'), `/admin/integrations/${integration.guid}?notice=access-granted`);
    assert.deepEqual((await integrations.access.list(integration.guid)).map((entry) => [entry.contentGuid, entry.grantedBy]).sort(), [[granted.guid, 'setup'], [other.guid, 'bob']].sort());
    assert.match((await page(bob, `/admin/integrations/${integration.guid}?notice=access-granted`)).text, /id="notice">Access granted: the content may use this integration\./);

    const asked = await postForm(bob, `${env.url}/admin/integrations/${integration.guid}/access/withdraw`, { csrf, content: granted.guid, return_to: `/admin/integrations/${integration.guid}` });
    assert.equal(asked.status, 200);
    const question = await asked.text();
    assert.match(question, /<strong>Withdraw sales-dashboard&#39;s access to the integration reports-reader\?<\/strong>/);
    assert.match(question, new RegExp(`<input type="hidden" name="content" value="${granted.guid}">`), 'the answer posts the same content again');
    assert.equal((await integrations.access.list(integration.guid)).length, 2, 'nothing withdrawn before the answer');
    const withdrawn = await postForm(bob, `${env.url}/admin/integrations/${integration.guid}/access/withdraw`, { csrf, content: granted.guid, confirmed: 'yes', return_to: `/admin/integrations/${integration.guid}` });
    assert.equal(withdrawn.headers.get('location'), `/admin/integrations/${integration.guid}?notice=access-withdrawn`);
    assert.deepEqual((await integrations.access.list(integration.guid)).map((entry) => entry.contentGuid), [other.guid]);
    await audit.flush();
    const events = await repositories.auditEvents.query({ type: 'integration.access_set' });
    assert.ok(events.some((event) => event.actor === 'bob' && JSON.stringify(event.details).includes(`"withdrawn":["${granted.guid}"]`)), 'the withdrawal is audited as bob');

    // Content that is not on the list cannot be withdrawn; unknown content cannot be granted; a non-admin changes nothing.
    assert.equal((await postForm(bob, `${env.url}/admin/integrations/${integration.guid}/access/withdraw`, { csrf, content: stale.guid, confirmed: 'yes' })).status, 404);
    assert.equal((await postForm(bob, `${env.url}/admin/integrations/${integration.guid}/access/grant`, { csrf, content: '00000000-0000-4000-8000-000000000000' })).status, 404);
    const aliceCsrf = csrfOf((await page(alice, '/')).text);
    assert.equal((await postForm(alice, `${env.url}/admin/integrations/${integration.guid}/access/grant`, { csrf: aliceCsrf, content: stale.guid })).status, 403);
    assert.deepEqual((await integrations.access.list(integration.guid)).map((entry) => entry.contentGuid), [other.guid]);
  });

  test('error pages keep the navigation and who is signed in; a notice outside the catalogue says nothing', async () => {
    const missing = await page(alice, '/sessions/ses_doesnotexist0');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /Signed in as <strong id="current-user">alice<\/strong>/);
    assert.match(missing.text, /<nav aria-label="Main" class="bar">/);
    const forbidden = await page(alice, '/admin/keys');
    assert.equal(forbidden.status, 403);
    assert.match(forbidden.text, /Signed in as <strong id="current-user">alice<\/strong>/);
    const unknown = await page(alice, '/sessions?notice=you-won');
    assert.equal(unknown.status, 200);
    assert.doesNotMatch(unknown.text, /id="notice"/);
    assert.equal((await page(alice, '/sessions?notice=%3Cb%3E')).status, 400);
    // A path with no page: a page for a browser, the API's JSON for anything else.
    const lost = await alice.fetch(`${env.url}/no/such/page`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    assert.equal(lost.status, 404);
    const lostPage = await lost.text();
    assert.match(lostPage, /<h1 id="error-title">Page not found<\/h1>/);
    assert.match(lostPage, /Signed in as <strong id="current-user">alice<\/strong>/);
    const api = await fetch(`${env.url}/no/such/page`);
    assert.equal(api.status, 404);
    assert.deepEqual(await api.json(), { code: 'ERR_NOT_FOUND', message: 'no route for GET /no/such/page' });
  });

  test('a refused session start keeps the form as sent and names the field by its label', async () => {
    const csrf = csrfOf((await page(alice, '/sessions/new')).text);
    const refused = await postForm(alice, `${env.url}/sessions`, { csrf, roles: [DS, RO], region: 'mars-1', token_ttl_seconds: '900' });
    assert.equal(refused.status, 400);
    const body = await refused.text();
    assert.match(body, /<span class="field-error" id="region-error">AWS region: &quot;mars-1&quot; is not an AWS region such as us-east-1<\/span>/);
    assert.match(body, /<input id="region" name="region" value="mars-1"/);
    assert.match(body, /name="roles" value="arn:aws:iam::222222222222:role\/ReadOnly" checked/, 'both roles still picked');
    assert.match(body, /<option value="900" selected>/);
  });
});
