/** Authentication of deliveries, with each of the vendor's options (SPEC 1.2). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { addressSet, clientAddress } from '../../src/service/address.js';
import type { AuthOptions } from '../../src/service/auth.js';
import { createWebhookHandler, type RequestInfo } from '../../src/service/handler.js';
import { createSqliteStore } from '../../src/store/sqlite.js';

const dir = mkdtempSync(join(tmpdir(), 'auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const BODY = JSON.stringify({ interviewId: 'a1', onboardingStatus: 'ID_VALIDATION_FINISHED' });

function service(auth: AuthOptions) {
  let clock = Date.parse('2026-11-25T10:00:00.000Z');
  const handler = createWebhookHandler({ store: createSqliteStore(join(dir, `a${++n}.db`)), auth, now: () => clock++ });
  const deliver = (headers: Record<string, string> = {}, info: RequestInfo = { remoteAddress: '127.0.0.1' }) =>
    handler(new Request('http://svc/webhooks/onboarding-status', { method: 'POST', headers, body: BODY }), info);
  const token = (
    headers: Record<string, string>,
    form = 'grant_type=client_credentials',
    remoteAddress = '127.0.0.1',
  ) =>
    handler(
      new Request('http://svc/oauth/token', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
        body: form,
      }),
      { remoteAddress },
    );
  const stored = async () =>
    (await (await handler(new Request('http://svc/records'), { remoteAddress: '::1' })).text()).trim();
  return {
    deliver,
    token,
    stored,
    handler,
    advance: (seconds: number) => {
      clock += seconds * 1000;
    },
  };
}

const basic = (id: string, secret: string) => ({
  authorization: `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`,
});

describe('OAuth2 client credentials', () => {
  const auth: AuthOptions = { oauth: { clients: [{ id: 'incode', secret: 'c1ient-s3cret' }], tokenTtlSeconds: 60 } };

  it('issues a short-lived bearer token that admits deliveries until it expires', async () => {
    const svc = service(auth);
    const response = await svc.token(basic('incode', 'c1ient-s3cret'));
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    const grant = (await response.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(grant.token_type).toBe('Bearer');
    expect(grant.expires_in).toBe(60);
    expect((await svc.deliver({ authorization: `Bearer ${grant.access_token}` })).status).toBe(204);
    svc.advance(59);
    expect((await svc.deliver({ authorization: `Bearer ${grant.access_token}` })).status).toBe(204);
    svc.advance(1);
    expect((await svc.deliver({ authorization: `Bearer ${grant.access_token}` })).status).toBe(401);
    // Secrets are not stored: the record says a bearer token was checked, not which.
    expect(await svc.stored()).not.toContain(grant.access_token);
    expect(await svc.stored()).toContain('"authorization":"Bearer [redacted]"');
  });

  it('accepts client credentials in the form body too', async () => {
    const svc = service(auth);
    const response = await svc.token({}, 'grant_type=client_credentials&client_id=incode&client_secret=c1ient-s3cret');
    expect(response.status).toBe(200);
  });

  it('refuses a wrong secret, an unknown client and another grant type', async () => {
    const svc = service(auth);
    const wrong = await svc.token(basic('incode', 'guess'));
    expect(wrong.status).toBe(401);
    expect(((await wrong.json()) as { error: string }).error).toBe('invalid_client');
    expect((await svc.token(basic('someone', 'c1ient-s3cret'))).status).toBe(401);
    const grant = await svc.token(basic('incode', 'c1ient-s3cret'), 'grant_type=password&username=a&password=b');
    expect(grant.status).toBe(400);
    expect(((await grant.json()) as { error: string }).error).toBe('unsupported_grant_type');
  });

  it('refuses deliveries without a token, with a forged or tampered one, and stores none of them', async () => {
    const svc = service(auth);
    const grant = (await (await svc.token(basic('incode', 'c1ient-s3cret'))).json()) as { access_token: string };
    const [version, id, expires, signature] = grant.access_token.split('.') as [string, string, string, string];
    const later = `${version}.${id}.${Number(expires) + 3600}.${signature}`;
    expect((await svc.deliver()).status).toBe(401);
    expect((await svc.deliver({ authorization: 'Bearer nonsense' })).status).toBe(401);
    expect((await svc.deliver({ authorization: `Bearer ${later}` })).status).toBe(401);
    expect((await svc.deliver({ authorization: `Basic ${grant.access_token}` })).status).toBe(401);
    const other = service({ oauth: { clients: [{ id: 'incode', secret: 'another-secret' }] } });
    expect((await other.deliver({ authorization: `Bearer ${grant.access_token}` })).status).toBe(401);
    expect(await svc.stored()).toBe('');
  });

  it('accepts only tokens exactly as issued: nothing appended, no other encoding of the same parts', async () => {
    const svc = service(auth);
    const grant = (await (await svc.token(basic('incode', 'c1ient-s3cret'))).json()) as { access_token: string };
    const token = grant.access_token;
    expect((await svc.deliver({ authorization: `Bearer ${token}` })).status).toBe(204);
    const [, id, expires, signature] = token.split('.') as [string, string, string, string];
    const forms = [
      `${token}..junk`,
      `${token}.`,
      `${token}.x`,
      `${token}=`,
      `v1.${id}=.${expires}.${signature}`,
      `v1.${id}.+${expires}.${signature}`,
      `v1.${id}.${expires}.0`,
      `V1.${id}.${expires}.${signature}`,
    ];
    for (const form of forms) {
      expect((await svc.deliver({ authorization: `Bearer ${form}` })).status, form).toBe(401);
    }
    expect((await svc.deliver({ authorization: `Bearer  ${token}` })).status).toBe(401);
    expect((await svc.deliver({ authorization: `Bearer ${token}, Bearer ${token}` })).status).toBe(401);
    expect((await svc.stored()).split('\n')).toHaveLength(1);
  });

  it('reads Basic credentials only in the canonical base64 of their bytes', async () => {
    const svc = service(auth);
    const word = basic('incode', 'c1ient-s3cret').authorization.slice('Basic '.length);
    expect(word).toMatch(/[^=]=$/);
    // The same bytes, written without the padding, or with stray bits in the last character.
    const loose = [word.slice(0, -1), `${word.slice(0, -2)}R=`];
    for (const other of loose) {
      expect(Buffer.from(other, 'base64').equals(Buffer.from(word, 'base64')), other).toBe(true);
      expect((await svc.token({ authorization: `Basic ${other}` })).status, other).toBe(401);
    }
    expect((await svc.token({ authorization: `Basic ${word}` })).status).toBe(200);
  });

  it('makes an address that keeps guessing secrets wait, longer each time, and says so with 429', async () => {
    const svc = service(auth);
    const guess = (address = '198.51.100.7', secret = 'guess') =>
      svc.token(basic('incode', secret), 'grant_type=client_credentials', address);
    for (let i = 0; i < 6; i++) expect((await guess()).status).toBe(401);
    // Now even the right secret must wait: a guesser cannot keep trying at full speed.
    const slowed = await guess('198.51.100.7', 'c1ient-s3cret');
    expect(slowed.status).toBe(429);
    expect(slowed.headers.get('retry-after')).toBe('1');
    expect(((await slowed.json()) as { error_description: string }).error_description).toMatch(/retry in 1 s/);
    // Another address is not held up by it.
    expect((await guess('203.0.113.5', 'c1ient-s3cret')).status).toBe(200);
    svc.advance(1);
    expect((await guess()).status).toBe(401);
    expect((await guess()).headers.get('retry-after')).toBe('2');
    svc.advance(2);
    expect((await guess()).status).toBe(401);
    expect((await guess()).headers.get('retry-after')).toBe('4');
    // The same /64 is one client, whatever address of it asks.
    for (let i = 0; i < 6; i++) expect((await guess(`2001:db8:1:2::${i + 1}`)).status).toBe(401);
    expect((await guess('2001:db8:1:2:ffff::9')).status).toBe(429);
    expect((await guess('2001:db8:1:3::1', 'c1ient-s3cret')).status).toBe(200);
    // A success starts the address afresh.
    svc.advance(4);
    expect((await guess('198.51.100.7', 'c1ient-s3cret')).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await guess()).status).toBe(401);
  });

  it('has no token endpoint when OAuth2 is not configured', async () => {
    const svc = service({ headers: { 'X-Webhook-Secret': 's3cret' } });
    expect((await svc.token(basic('incode', 'x'))).status).toBe(404);
  });
});

describe('static custom headers', () => {
  it('admits a delivery only with every configured header and its exact value', async () => {
    const svc = service({ headers: { 'X-Webhook-Secret': 's3cret', 'X-Tenant': 'acme' } });
    expect((await svc.deliver({ 'x-webhook-secret': 's3cret', 'x-tenant': 'acme' })).status).toBe(204);
    expect((await svc.deliver({ 'x-webhook-secret': 's3cret' })).status).toBe(401);
    expect((await svc.deliver({ 'x-webhook-secret': 's3cre', 'x-tenant': 'acme' })).status).toBe(401);
    expect((await svc.deliver({ 'x-webhook-secret': 's3cret ', 'x-tenant': 'acme' })).status).toBe(204);
    expect((await svc.deliver({})).status).toBe(401);
    const stored = await svc.stored();
    expect(stored.split('\n')).toHaveLength(2);
    expect(stored).not.toContain('s3cret');
  });

  it('accepts either credential when headers and OAuth2 are both configured', async () => {
    const svc = service({
      headers: { 'X-Webhook-Secret': 's3cret' },
      oauth: { clients: [{ id: 'incode', secret: 'c' }] },
    });
    const grant = (await (await svc.token(basic('incode', 'c'))).json()) as { access_token: string };
    expect((await svc.deliver({ 'x-webhook-secret': 's3cret' })).status).toBe(204);
    expect((await svc.deliver({ authorization: `Bearer ${grant.access_token}` })).status).toBe(204);
    expect((await svc.deliver({ 'x-webhook-secret': 'no' })).status).toBe(401);
  });
});

describe('IP allowlist and trusted proxy', () => {
  it('admits clients in the allowed ranges, IPv4 and IPv6, and no one else', async () => {
    const svc = service({ allowIps: ['203.0.113.0/24', '2001:db8::/32'] });
    expect((await svc.deliver({}, { remoteAddress: '203.0.113.7' })).status).toBe(204);
    expect((await svc.deliver({}, { remoteAddress: '::ffff:203.0.113.8' })).status).toBe(204);
    expect((await svc.deliver({}, { remoteAddress: '2001:db8:1::5' })).status).toBe(204);
    expect((await svc.deliver({}, { remoteAddress: '198.51.100.1' })).status).toBe(401);
    expect((await svc.deliver({}, { remoteAddress: '2001:db9::5' })).status).toBe(401);
    expect((await svc.deliver({}, {})).status).toBe(401);
  });

  it('reads X-Forwarded-For only from a trusted proxy', async () => {
    const svc = service({ allowIps: ['203.0.113.0/24'], trustedProxies: ['10.0.0.0/8'] });
    // Through the proxy: the client it names is checked, not the proxy.
    expect((await svc.deliver({ 'x-forwarded-for': '203.0.113.7' }, { remoteAddress: '10.1.2.3' })).status).toBe(204);
    expect((await svc.deliver({ 'x-forwarded-for': '198.51.100.1' }, { remoteAddress: '10.1.2.3' })).status).toBe(401);
    // A client writing the header itself gains nothing.
    expect((await svc.deliver({ 'x-forwarded-for': '203.0.113.7' }, { remoteAddress: '198.51.100.1' })).status).toBe(
      401,
    );
    // A spoofed first hop is ignored: the nearest untrusted hop is the client.
    expect(
      (await svc.deliver({ 'x-forwarded-for': '203.0.113.7, 198.51.100.1' }, { remoteAddress: '10.1.2.3' })).status,
    ).toBe(401);
  });

  it('combines an allowlist with credentials: both must pass', async () => {
    const svc = service({ allowIps: ['203.0.113.0/24'], headers: { 'X-Webhook-Secret': 's3cret' } });
    expect((await svc.deliver({ 'x-webhook-secret': 's3cret' }, { remoteAddress: '203.0.113.1' })).status).toBe(204);
    expect((await svc.deliver({ 'x-webhook-secret': 's3cret' }, { remoteAddress: '198.51.100.1' })).status).toBe(401);
    expect((await svc.deliver({}, { remoteAddress: '203.0.113.1' })).status).toBe(401);
  });

  it('finds the client through chains of trusted proxies', () => {
    const trusted = addressSet(['10.0.0.0/8', 'fd00::/8']);
    expect(clientAddress('10.0.0.1', '198.51.100.4, 10.0.0.9', trusted)).toBe('198.51.100.4');
    expect(clientAddress('fd00::1', '2001:db8::1', trusted)).toBe('2001:db8::1');
    expect(clientAddress('10.0.0.1', null, trusted)).toBe('10.0.0.1');
    expect(clientAddress('10.0.0.1', 'garbage', trusted)).toBeUndefined();
    expect(clientAddress('198.51.100.4', '10.0.0.1', trusted)).toBe('198.51.100.4');
    expect(() => addressSet(['10.0.0.0/33'])).toThrow(/CIDR/);
    expect(() => addressSet(['example.com'])).toThrow(/CIDR/);
  });
});
