// Sessions and access in real Chromium against a real fleetwire process: cookie flags and CSP as the
// browser sees them, a cross-site request, login brute force, logout and expiry across tabs, and
// tenant isolation across REST, the stream and IndexedDB while another tenant is busy.
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Telemetry } from '../../src/shared/fleet';
import { DEFAULT_LOGIN_ATTEMPTS_PER_USER } from '../../server/config';
import { SseReader } from '../server/helpers';
import { client, eventually, launchProfile, logIn, openApp, panel, waitForPainted, type Profile } from '../support/browser';
import { startServer, type RunningServer } from '../support/server';
import { startCountingProxy, type CountingProxy } from '../support/tcp-proxy';

const ENV = { FLEETWIRE_SESSION_SECRET: 'session-test-secret-0123456789abcdef' };
/** Bound on every wait for something the browser does on its own. */
const WAIT_MS = 30_000;

let server: RunningServer;
/** A second origin in front of the same server: the "other site" of the cross-site request. */
let elsewhere: CountingProxy;
let profiles: Profile[] = [];
const readers: SseReader[] = [];

async function profile(username: string | null = 'ana'): Promise<Profile> {
  const p = await launchProfile();
  profiles.push(p);
  if (username) await logIn(p.context, server.url, username);
  return p;
}

function open(context: BrowserContext, path: string): Promise<Page> {
  return openApp(context, server.url + path, WAIT_MS);
}

async function loginThroughForm(page: Page, username: string, password = 'fleetwire'): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

// Thousands of samples are sent here, 100 ms apart: starting in the past keeps them all behind the
// server's clock (a sample more than 5 minutes ahead is refused).
let tsCounter = Date.now() - 10 * 60_000;
async function ingest(key: 'demo-acme' | 'demo-globex', items: Partial<Telemetry>[]): Promise<string[]> {
  const body = items.map((item) => ({ ts: (tsCounter += 100), lat: 51.9, lon: 4.5, speedKph: 60, headingDeg: 90, ...item }));
  const response = await fetch(`${server.url}/api/ingest`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`ingest failed: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { ids: string[] }).ids;
}

/** Polls until `check` holds, for at most WAIT_MS unless told otherwise. */
const waitFor = (check: () => Promise<boolean>, what: string, timeoutMs = WAIT_MS) => eventually(check, what, timeoutMs);

async function databases(page: Page): Promise<string[]> {
  return page.evaluate(async () => (await indexedDB.databases()).map((d) => d.name ?? ''));
}

/** Everything in one IndexedDB database, as JSON text: what would leak if anything did. */
async function dumpDatabase(page: Page, name: string): Promise<string> {
  return page.evaluate(async (dbName) => {
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const req = indexedDB.open(dbName);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    const out: Record<string, unknown[]> = {};
    for (const store of Array.from(db.objectStoreNames)) {
      out[store] = await new Promise<unknown[]>((resolve, reject) => {
        const tx = db.transaction(store);
        const keys = tx.objectStore(store).getAllKeys();
        const values = tx.objectStore(store).getAll();
        tx.oncomplete = () => resolve([keys.result, values.result]);
        tx.onerror = () => reject(tx.error);
      });
    }
    db.close();
    return JSON.stringify(out);
  }, name);
}

/** All text on the page, shadow roots included (the app is Lit components). */
async function allText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [];
    const walk = (root: Document | ShadowRoot | Element) => {
      for (const node of Array.from(root.childNodes)) {
        if (node.nodeType === Node.TEXT_NODE) parts.push(node.textContent ?? '');
        if (node instanceof Element) {
          if (node.shadowRoot) walk(node.shadowRoot);
          walk(node);
        }
      }
    };
    walk(document);
    return parts.join(' ');
  });
}

async function cookieHeader(context: BrowserContext): Promise<string> {
  return (await context.cookies(server.url)).map((c) => `${c.name}=${c.value}`).join('; ');
}

beforeAll(async () => {
  server = await startServer(ENV);
  elsewhere = await startCountingProxy(server.port);
});

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await elsewhere?.close();
  await server?.stop();
});

describe('what the browser is given', () => {
  it('keeps the session in an HttpOnly, SameSite=Strict cookie, and runs no inline script under the CSP', async () => {
    const p = await profile(null);
    const page = await p.context.newPage();
    const response = await page.goto(server.url + '/login');
    await loginThroughForm(page, 'ana');
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });

    const session = (await p.context.cookies(server.url)).find((c) => c.name === 'fleetwire_session');
    expect(session).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(await page.evaluate(() => document.cookie)).not.toContain('fleetwire_session');

    const csp = response?.headers()['content-security-policy'] ?? '';
    const directives = new Map(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values] as const));
    const scriptSrc = directives.get('script-src') ?? directives.get('default-src') ?? [];
    expect(scriptSrc).toContain("'self'");
    for (const unsafe of ["'unsafe-inline'", "'unsafe-eval'", 'data:', '*']) expect(scriptSrc).not.toContain(unsafe);
    expect(directives.get('object-src')).toEqual(["'none'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);

    // An injected inline script is refused by the browser, and says so.
    const refused = await page.evaluate(
      () =>
        new Promise<{ ran: boolean; violated: string | null }>((resolve) => {
          let violated: string | null = null;
          document.addEventListener('securitypolicyviolation', (e) => (violated = e.effectiveDirective), { once: true });
          const script = document.createElement('script');
          script.textContent = 'window.__inlineRan = true;';
          document.body.append(script);
          setTimeout(() => resolve({ ran: (window as { __inlineRan?: boolean }).__inlineRan === true, violated }), 500);
        }),
    );
    expect(refused).toEqual({ ran: false, violated: 'script-src-elem' });
    // The app itself runs fine under that policy.
    await panel(page, 'acme-01').waitFor({ timeout: WAIT_MS });
  });

  it('a page of another site cannot log the operator out or in as someone else', async () => {
    const p = await profile('ana');
    const app = await open(p.context, '/');
    // Same host, another port: another origin, and the browser still sends the cookie along.
    const evil = await p.context.newPage();
    await evil.goto(`${elsewhere.url}/healthz`);
    await evil.evaluate(async (target) => {
      const attempts = [
        fetch(`${target}/api/session`, { method: 'POST', mode: 'no-cors', credentials: 'include', headers: { 'content-type': 'text/plain' }, body: '{"username":"bo","password":"fleetwire"}' }),
        fetch(`${target}/api/session`, { method: 'POST', mode: 'no-cors', credentials: 'include' }),
      ];
      await Promise.allSettled(attempts);
      // A form posts cross-site too, with the Origin of the page that sent it.
      const form = document.createElement('form');
      form.method = 'POST';
      form.action = `${target}/api/session`;
      form.target = 'sink';
      const frame = document.createElement('iframe');
      frame.name = 'sink';
      document.body.append(frame, form);
      form.submit();
      await new Promise((r) => frame.addEventListener('load', r, { once: true }));
    }, server.url);
    // Still ana, still live.
    expect(await app.evaluate(async () => (await fetch('/api/me')).json())).toEqual({ username: 'ana', tenant: 'acme', role: 'admin' });
    const id = (await ingest('demo-acme', [{ truckId: 'acme-04' }]))[0]!;
    await waitForPainted(app, 'acme-04', id);
    // The same request from fleetwire's own page would have gone through: the Origin made the difference.
    const res = await fetch(`${server.url}/api/session`, {
      method: 'DELETE',
      headers: { cookie: await cookieHeader(p.context), origin: elsewhere.url },
    });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ error: 'bad_origin' });
  });

  it('answers a login brute force with 429 on the login page, even for the right password', async () => {
    const p = await profile(null);
    const page = await p.context.newPage();
    await page.goto(server.url + '/login');
    // A username of its own: the limit is per username (and address), and other tests log in as ana.
    for (let i = 0; i < DEFAULT_LOGIN_ATTEMPTS_PER_USER; i++) {
      await loginThroughForm(page, 'mallory', `guess-${i}`);
      await page.getByRole('alert').filter({ hasText: /wrong username or password/i }).waitFor({ timeout: WAIT_MS });
      await page.getByRole('button', { name: 'Log in' }).waitFor({ timeout: WAIT_MS });
    }
    await loginThroughForm(page, 'mallory', 'one-more');
    await page.getByRole('alert').filter({ hasText: /too many login attempts.*wait \d+ s/i }).waitFor({ timeout: WAIT_MS });
    expect(new URL(page.url()).pathname).toBe('/login');
    const direct = await fetch(`${server.url}/api/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'mallory', password: 'fleetwire' }),
    });
    expect(direct.status).toBe(429);
    expect(Number(direct.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await direct.json()).toMatchObject({ error: 'rate_limited', message: expect.any(String) });
  });
});

describe('the end of a session', () => {
  it('logout in one tab sends every tab to /login, ends the stream and deletes the database', async () => {
    const p = await profile('ana');
    const pages = [await open(p.context, '/'), await open(p.context, '/trucks/acme-02'), await open(p.context, '/')];
    const id = (await ingest('demo-acme', [{ truckId: 'acme-02' }]))[0]!;
    for (const page of pages) await waitForPainted(page, 'acme-02', id);
    await waitFor(async () => (await databases(pages[0]!)).includes('fleetwire:acme:ana'), 'the database to exist');
    const cookie = await cookieHeader(p.context);

    await pages[2]!.getByRole('button', { name: 'Log out' }).click();
    for (const page of pages) await page.waitForURL(/\/login/, { timeout: WAIT_MS });
    for (const page of pages) await page.getByText('You have logged out.').waitFor({ timeout: WAIT_MS });
    await waitFor(async () => !(await databases(pages[0]!)).includes('fleetwire:acme:ana'), 'the database to be deleted');
    for (const page of pages) expect(await databases(page)).not.toContain('fleetwire:acme:ana');
    // The server forgot the session too: a kept copy of the cookie opens nothing.
    expect((await fetch(`${server.url}/api/me`, { headers: { cookie } })).status).toBe(401);
    const stream = await fetch(`${server.url}/api/stream`, { headers: { cookie } });
    expect(stream.status).toBe(401);
    // Nothing of ana's fleet stays on screen.
    for (const page of pages) expect(await page.locator('truck-panel').count()).toBe(0);
  });

  it('an expired session ends the stream and returns every tab to login, keeping the stored view until someone else logs in', async () => {
    const p = await profile('ana');
    const pages = [await open(p.context, '/'), await open(p.context, '/trucks/acme-03')];
    const ids = await ingest('demo-acme', [{ truckId: 'acme-03', speedKph: 42 }, { truckId: 'acme-03', speedKph: 43 }]);
    for (const page of pages) await waitForPainted(page, 'acme-03', ids[1]!);
    await waitFor(async () => (await dumpDatabase(pages[0]!, 'fleetwire:acme:ana')).includes(ids[1]!), 'the events to be stored');

    // The session ends on the server (revoked from elsewhere with the same cookie): its stream is closed.
    const res = await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { cookie: await cookieHeader(p.context) } });
    expect(res.status).toBe(204);
    for (const page of pages) await page.waitForURL(/\/login/, { timeout: WAIT_MS });
    for (const page of pages) await page.getByText('Your session has expired').waitFor({ timeout: WAIT_MS });

    // The stored view is still there, events included.
    expect(await databases(pages[0]!)).toContain('fleetwire:acme:ana');
    const kept = await dumpDatabase(pages[0]!, 'fleetwire:acme:ana');
    for (const id of ids) expect(kept).toContain(id);

    // The same operator logs in again: the stored view comes back, nothing lost.
    await loginThroughForm(pages[0]!, 'ana');
    await pages[0]!.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await waitForPainted(pages[0]!, 'acme-03', ids[1]!);
    expect((await client(pages[0]!, (f) => f.history('acme-03'))).map((t) => t.speedKph).slice(-2)).toEqual([42, 43]);

    // Expired again, and now someone else logs in on this browser: ana's stored view must go.
    await fetch(`${server.url}/api/session`, { method: 'DELETE', headers: { cookie: await cookieHeader(p.context) } });
    await pages[0]!.getByText('Your session has expired').waitFor({ timeout: WAIT_MS });
    await loginThroughForm(pages[0]!, 'bo');
    await pages[0]!.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await panel(pages[0]!, 'globex-01').waitFor({ timeout: WAIT_MS });
    await waitFor(async () => !(await databases(pages[0]!)).includes('fleetwire:acme:ana'), 'ana’s database to be deleted');
    expect(await databases(pages[0]!)).toContain('fleetwire:globex:bo');
    expect(await dumpDatabase(pages[0]!, 'fleetwire:globex:bo')).not.toContain('acme');
  });
});

describe('tenant isolation', () => {
  it('a globex operator receives not a byte of acme’s over REST, the stream or IndexedDB while acme is busy', async () => {
    const acmeBrowser = await profile('ana');
    const globexBrowser = await profile('bo');
    const acmeTab = await open(acmeBrowser.context, '/');
    const globexTabs = [await open(globexBrowser.context, '/'), await open(globexBrowser.context, '/trucks/globex-02')];
    const boCookie = await cookieHeader(globexBrowser.context);
    const raw = await SseReader.open(server.url, boCookie);
    readers.push(raw);

    // acme is busy: 2,000 events, a handful for globex in between.
    const globexIds: string[] = [];
    let lastAcme = '';
    for (let round = 0; round < 10; round++) {
      const batch = Array.from({ length: 200 }, (_, i) => ({
        truckId: `acme-${String((i % 20) + 1).padStart(2, '0')}`,
        speedKph: 70 + (i % 10),
        driverId: `acme-driver-${round}-${i}`,
      }));
      lastAcme = (await ingest('demo-acme', batch)).at(-1)!;
      globexIds.push(...(await ingest('demo-globex', [{ truckId: `globex-0${(round % 8) + 1}`, speedKph: 50 + round }])));
    }
    await waitForPainted(acmeTab, 'acme-20', lastAcme, WAIT_MS);
    // globex-02 had the rounds 1 and 9, the last of them.
    for (const page of globexTabs) await waitForPainted(page, 'globex-02', globexIds[9]!);
    await raw.until(() => raw.events.some((e) => e.id === globexIds.at(-1)), 'globex’s last event on the raw stream', WAIT_MS);

    // The stream: exactly globex's telemetry, and whatever else it carries (alerts the sweep raised
    // for globex's trucks) is globex's too.
    expect(raw.events.filter((e) => e.event === 'telemetry').map((e) => e.id)).toEqual(globexIds);
    for (const e of raw.events.filter((e) => e.event === 'alert')) expect(JSON.parse(e.data)).toMatchObject({ truckId: expect.stringMatching(/^globex-/) });
    expect(JSON.stringify(raw.events)).not.toContain('acme');
    // REST, from globex's own page.
    const rest = await globexTabs[0]!.evaluate(async () => {
      const get = async (path: string) => `${path} ${(await fetch(path)).status} ${await (await fetch(path)).text()}`;
      const out = [await get('/api/me'), await get('/api/fleet')];
      for (let i = 1; i <= 8; i++) out.push(await get(`/api/trucks/globex-0${i}/history?since=0`));
      return out.join('\n');
    });
    expect(rest).not.toContain('acme');
    expect(rest).toContain('globex-08');
    // IndexedDB and what the tabs hold.
    await waitFor(async () => (await dumpDatabase(globexTabs[0]!, 'fleetwire:globex:bo')).includes(globexIds.at(-1)!), 'globex’s events stored');
    expect(await databases(globexTabs[0]!)).toEqual(['fleetwire:globex:bo']);
    expect(await dumpDatabase(globexTabs[0]!, 'fleetwire:globex:bo')).not.toContain('acme');
    for (const page of globexTabs) {
      const held = await client(page, (f) => JSON.stringify({ trucks: [...f.trucks.values()], alerts: [...f.activeAlerts.values()], me: f.me }));
      expect(held).not.toContain('acme');
      expect(await allText(page)).not.toMatch(/acme/i);
    }
  });

  it('two tenants with the same truck id: each browser paints and stores its own truck-01', async () => {
    const acmeBrowser = await profile('ana');
    const globexBrowser = await profile('bo');
    // The admins add a truck with the same id, each to their own tenant.
    for (const [context, name] of [[acmeBrowser.context, 'Acme yard tractor'], [globexBrowser.context, 'Globex yard tractor']] as const) {
      const res = await fetch(`${server.url}/api/admin/trucks`, {
        method: 'POST',
        headers: { cookie: await cookieHeader(context), 'content-type': 'application/json' },
        body: JSON.stringify({ id: 'yard-01', name }),
      });
      expect(res.status, await res.text()).toBe(201);
    }
    const acmeTab = await open(acmeBrowser.context, '/trucks/yard-01');
    const globexTab = await open(globexBrowser.context, '/trucks/yard-01');
    const [acmeId] = await ingest('demo-acme', [{ truckId: 'yard-01', speedKph: 11, driverId: 'acme-yard-driver' }]);
    const [globexId] = await ingest('demo-globex', [{ truckId: 'yard-01', speedKph: 22, driverId: 'globex-yard-driver' }]);
    await waitForPainted(acmeTab, 'yard-01', acmeId!);
    await waitForPainted(globexTab, 'yard-01', globexId!);
    expect(await allText(acmeTab)).toContain('Acme yard tractor');
    expect(await allText(globexTab)).toContain('Globex yard tractor');
    await waitFor(async () => (await dumpDatabase(acmeTab, 'fleetwire:acme:ana')).includes('acme-yard-driver'), 'acme’s yard-01 stored');
    await waitFor(async () => (await dumpDatabase(globexTab, 'fleetwire:globex:bo')).includes('globex-yard-driver'), 'globex’s yard-01 stored');
    expect(await dumpDatabase(acmeTab, 'fleetwire:acme:ana')).not.toMatch(/globex-yard-driver|Globex yard tractor/);
    expect(await dumpDatabase(globexTab, 'fleetwire:globex:bo')).not.toMatch(/acme-yard-driver|Acme yard tractor/);
    // Each truck window loads its own tenant's history from the server.
    for (const [page, speed] of [[acmeTab, 11], [globexTab, 22]] as const) {
      const speeds = await page.evaluate(async () => ((await (await fetch('/api/trucks/yard-01/history?since=0')).json()) as { telemetry: { speedKph: number }[] }).telemetry.map((t) => t.speedKph));
      expect(speeds).toEqual([speed]);
    }
  });

  it('one browser: acme logs out, globex logs in — no acme database, state or text remains', async () => {
    const p = await profile('ana');
    const page = await open(p.context, '/');
    const ids = await ingest('demo-acme', [{ truckId: 'acme-09', driverId: 'acme-secret-driver' }]);
    await waitForPainted(page, 'acme-09', ids[0]!);
    // What an earlier build left: the ids of the alerts it notified.
    await page.evaluate(() => localStorage.setItem('fleetwire:notified-alerts', JSON.stringify(['acme-09:speeding:1'])));
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.waitForURL(/\/login/, { timeout: WAIT_MS });
    await loginThroughForm(page, 'bo');
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await panel(page, 'globex-01').waitFor({ timeout: WAIT_MS });
    const g = await ingest('demo-globex', [{ truckId: 'globex-01' }]);
    await waitForPainted(page, 'globex-01', g[0]!);
    await waitFor(async () => (await dumpDatabase(page, 'fleetwire:globex:bo')).includes(g[0]!), 'globex’s event stored');
    expect(await databases(page)).toEqual(['fleetwire:globex:bo']);
    expect(await dumpDatabase(page, 'fleetwire:globex:bo')).not.toContain('acme');
    expect(await client(page, (f) => JSON.stringify([...f.trucks.values()]))).not.toContain('acme');
    expect(await allText(page)).not.toMatch(/acme/i);
    expect(await page.evaluate(() => JSON.stringify({ ...localStorage }))).not.toMatch(/acme/i);
  });
});
