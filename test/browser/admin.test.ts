// The /admin page in real Chromium against a real fleetwire server: an admin adds an operator who
// can then log in, issues a device key (shown once) and revokes it, adds and edits a truck, previews
// and imports transfer files; a viewer is refused; the keyboard works; axe-core finds nothing serious.
import AxeBuilder from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FleetSnapshot } from '../../src/shared/fleet';
import { launchProfile, logIn, type Profile } from '../support/browser';
import { login, startServer, type RunningServer } from '../support/server';

/** No simulator: nothing changes on the page but what the test does. */
const ENV = { FLEETWIRE_SIM_RATE: '0', FLEETWIRE_SESSION_SECRET: 'admin-test-secret-0123456789abcdef-0123456789' };
/** Bound on every wait for the page. */
const WAIT_MS = 20_000;

let server: RunningServer;
/** ana's session (admin of acme), for checking through the API what the page did. */
let anaCookie: string;
/** ana's browser, shared by the tests (a Chromium launch costs seconds); each test opens its own page. */
let admin: Profile;
let pages: Page[] = [];
let profiles: Profile[] = [];

async function profile(username: string | null, password = 'fleetwire'): Promise<Profile> {
  const p = await launchProfile();
  profiles.push(p);
  if (username) await logIn(p.context, server.url, username, password);
  return p;
}

/** Opens /admin as ana and waits for its lists. */
async function openAdmin(): Promise<Page> {
  const page = await admin.context.newPage();
  pages.push(page);
  await page.goto(`${server.url}/admin`);
  await page.locator('admin-operators tbody tr').first().waitFor({ timeout: WAIT_MS });
  await page.locator('admin-trucks tbody tr').first().waitFor({ timeout: WAIT_MS });
  return page;
}

/** A JSON API call with ana's session; resolves with the status and the parsed body. */
async function api(method: string, path: string, body?: unknown, cookie = anaCookie): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: { cookie, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
}

/** POST /api/session's status for these credentials. */
async function loginStatus(username: string, password: string): Promise<number> {
  const res = await fetch(`${server.url}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  return res.status;
}

/** The status of one OsmAnd report (as the Traccar Client app sends it: a GET with the key as `id`). */
async function osmandStatus(key: string): Promise<number> {
  const query = new URLSearchParams({ id: key, lat: '51.91', lon: '4.47', timestamp: String(Math.floor(Date.now() / 1000)), speed: '27', bearing: '90', batt: '64' });
  const res = await fetch(`${server.url}/api/osmand?${query}`);
  return res.status;
}

async function seriousViolations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).analyze();
  return results.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/** Answers the open confirmation dialog with its confirming button. */
async function confirm(page: Page, name: string | RegExp): Promise<void> {
  const dialog = page.locator('confirm-dialog dialog[open]');
  await dialog.waitFor({ timeout: WAIT_MS });
  await dialog.getByRole('button', { name }).click();
}

const CSV_HEADER =
  'id,truckId,originName,originLat,originLon,destinationName,destinationLat,destinationLon,plannedDeparture,plannedArrival,cargo,reeferSetpointC';

beforeAll(async () => {
  server = await startServer(ENV);
  anaCookie = await login(server.url, 'ana', 'fleetwire');
  admin = await launchProfile();
  await logIn(admin.context, server.url, 'ana');
});

afterEach(async () => {
  for (const page of pages) await page.close();
  pages = [];
  for (const p of profiles) await p.close();
  profiles = [];
});

afterAll(async () => {
  await admin?.close();
  await server?.stop();
});

describe('/admin', () => {
  it('is linked from the dashboard for an admin, and sends a logged-out visitor to /login and back', async () => {
    const anonymous = await profile(null);
    const page = await anonymous.context.newPage();
    await page.goto(`${server.url}/admin`);
    await page.waitForURL((url) => url.pathname === '/login' && url.searchParams.get('next') === '/admin', { timeout: WAIT_MS });
    await page.getByLabel('Username').fill('ana');
    await page.getByLabel('Password').fill('fleetwire');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.waitForURL((url) => url.pathname === '/admin', { timeout: WAIT_MS });
    await page.getByRole('heading', { name: /^Admin/, level: 1 }).waitFor({ timeout: WAIT_MS });

    await page.getByRole('link', { name: '← Fleet' }).click();
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await page.getByRole('link', { name: 'Admin', exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/admin', { timeout: WAIT_MS });
    await page.locator('admin-operators tbody tr').first().waitFor({ timeout: WAIT_MS });
  });

  it('adds an operator with the keyboard alone, who can then log in; names the field of a refusal; changes a role, resets a password, removes', async () => {
    const page = await openAdmin();

    // A refusal shows beside the form, names the field, and marks the input.
    await page.getByLabel('Username', { exact: true }).fill('carla');
    await page.getByLabel('Password', { exact: true }).fill('short');
    await page.getByRole('button', { name: 'Add operator' }).click();
    const error = page.locator('admin-operators #op-add-error');
    await expect.poll(() => error.innerText(), { timeout: WAIT_MS }).toMatch(/^Password:.*8 to 1000 characters/);
    expect(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await loginStatus('carla', 'short')).toBe(401);

    // The keyboard alone: Tab from the username through the password and role to the button.
    await page.getByLabel('Username', { exact: true }).fill('');
    await page.getByLabel('Username', { exact: true }).focus();
    await page.keyboard.type('carla');
    await page.keyboard.press('Tab');
    await page.keyboard.type('carla-password');
    await page.keyboard.press('Tab');
    expect(await page.locator('admin-operators #op-role').evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await page.locator('admin-operators tr[data-username="carla"]').waitFor({ timeout: WAIT_MS });
    await page.getByText('Added carla as operator').waitFor({ timeout: WAIT_MS });
    expect(await error.innerText()).toBe('');
    expect(await loginStatus('carla', 'carla-password')).toBe(200);

    // The same username again: a conflict, on the username.
    await page.getByLabel('Username', { exact: true }).fill('carla');
    await page.getByLabel('Password', { exact: true }).fill('another-password');
    await page.getByRole('button', { name: 'Add operator' }).click();
    await expect.poll(() => error.innerText(), { timeout: WAIT_MS }).toMatch(/^Username:.*taken/);
    expect(await page.getByLabel('Username', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    // Change the role.
    await page.getByLabel('Role of carla').selectOption('viewer');
    await page.getByRole('button', { name: 'Save role of carla' }).click();
    await page.getByText('carla is now viewer.').waitFor({ timeout: WAIT_MS });
    const operators = (await api('GET', '/api/admin/operators')).body as { operators: { username: string; role: string }[] };
    expect(operators.operators.find((o) => o.username === 'carla')?.role).toBe('viewer');

    // Reset the password.
    await page.getByRole('button', { name: 'Reset password of carla' }).click();
    await page.getByLabel('New password').fill('carla-new-password');
    await page.getByRole('button', { name: 'Set password', exact: true }).click();
    await page.getByText('The password of carla is reset.').waitFor({ timeout: WAIT_MS });
    expect(await loginStatus('carla', 'carla-password')).toBe(401);
    expect(await loginStatus('carla', 'carla-new-password')).toBe(200);

    // Remove, after a confirmation; Cancel first changes nothing.
    await page.getByRole('button', { name: 'Remove carla' }).click();
    await confirm(page, 'Cancel');
    expect(await page.locator('admin-operators tr[data-username="carla"]').count()).toBe(1);
    await page.getByRole('button', { name: 'Remove carla' }).click();
    await confirm(page, 'Remove carla');
    await page.locator('admin-operators tr[data-username="carla"]').waitFor({ state: 'detached', timeout: WAIT_MS });
    expect(await loginStatus('carla', 'carla-new-password')).toBe(401);
    // ana cannot remove herself: the button is disabled.
    expect(await page.getByRole('button', { name: 'Remove ana' }).isDisabled()).toBe(true);

    // The audit log shows what was done.
    await page.locator('admin-audit tr[data-action="operator.remove"]').waitFor({ timeout: WAIT_MS });
  });

  it('issues a device key shown once, which an OsmAnd device reports with until it is revoked in the page', async () => {
    const page = await openAdmin();
    await page.getByLabel('Label (optional)').fill('cab tracker');
    await page.getByLabel('Truck (optional)').selectOption('acme-01');
    await page.getByRole('button', { name: 'Issue key' }).click();

    const keyInput = page.getByRole('textbox', { name: 'Device key', exact: true });
    await keyInput.waitFor({ timeout: WAIT_MS });
    const key = await keyInput.inputValue();
    expect(key.length).toBeGreaterThanOrEqual(16);
    await page.getByText('You will not see it again').waitFor({ timeout: WAIT_MS });
    await page.getByRole('button', { name: 'Copy key' }).waitFor({ timeout: WAIT_MS });
    expect(await osmandStatus(key)).toBe(200);
    // The report is acme-01's newest sample: 27 knots in km/h, the phone's battery kept.
    const newest = await page.evaluate(async () => {
      const res = await fetch(`/api/trucks/acme-01/history?since=${Date.now() - 600_000}`);
      return ((await res.json()) as { telemetry: { speedKph: number; batteryPct?: number }[] }).telemetry.at(-1);
    });
    // Knots to km/h, kept to the hundredth: 27 kn = 50.004 km/h.
    expect(newest?.speedKph).toBe(50);
    expect(newest?.batteryPct).toBe(64);

    // Hidden: the key is in the page no more, only its prefix in the list.
    await page.getByRole('button', { name: /hide the key/ }).click();
    await keyInput.waitFor({ state: 'detached', timeout: WAIT_MS });
    const prefix = key.slice(0, 8);
    const row = page.locator(`admin-device-keys tr[data-prefix="${prefix}"]`);
    await row.waitFor({ timeout: WAIT_MS });
    expect(await row.innerText()).toMatch(/cab tracker[\s\S]*acme-01[\s\S]*Active/);
    expect(await page.locator('admin-device-keys').evaluate((el, k) => el.shadowRoot?.innerHTML.includes(k), key)).toBe(false);

    await row.getByRole('button', { name: `Revoke key ${prefix}` }).click();
    await confirm(page, 'Revoke key');
    await expect.poll(() => row.innerText(), { timeout: WAIT_MS }).toMatch(/Revoked/);
    expect(await osmandStatus(key)).toBe(401);
  });

  it('adds a truck that appears in the fleet, refuses a taken id on its field, and edits one', async () => {
    const page = await openAdmin();
    await page.getByLabel('Truck id').fill('acme-90');
    await page.getByLabel('Name', { exact: true }).fill('Acme 90 · Volvo FH');
    await page.getByLabel('Plate (optional)').fill('90-XYZ-1');
    await page.getByLabel('Reefer setpoint (°C) (optional)').fill('-18');
    await page.getByRole('button', { name: 'Add truck' }).click();
    await page.locator('admin-trucks tr[data-truck-id="acme-90"]').waitFor({ timeout: WAIT_MS });
    const fleet = (await api('GET', '/api/fleet')).body as FleetSnapshot;
    const added = fleet.trucks.find((t) => t.id === 'acme-90');
    expect(added).toMatchObject({ name: 'Acme 90 · Volvo FH', plate: '90-XYZ-1', reeferSetpointC: -18 });

    await page.getByLabel('Truck id').fill('acme-90');
    await page.getByLabel('Name', { exact: true }).fill('Again');
    await page.getByRole('button', { name: 'Add truck' }).click();
    const error = page.locator('admin-trucks #truck-add-error');
    await expect.poll(() => error.innerText(), { timeout: WAIT_MS }).toMatch(/^Truck id:.*already/);
    expect(await page.getByLabel('Truck id').getAttribute('aria-invalid')).toBe('true');

    await page.getByRole('button', { name: 'Edit acme-90' }).click();
    const dialog = page.locator('admin-trucks dialog[open]');
    await dialog.waitFor({ timeout: WAIT_MS });
    expect(await dialog.getByLabel('Reefer setpoint (°C) (optional)').inputValue()).toBe('-18');
    await dialog.getByLabel('Name', { exact: true }).fill('Acme 90 · Scania R 450');
    await dialog.getByLabel('Reefer setpoint (°C) (optional)').fill('');
    await dialog.getByRole('button', { name: 'Save', exact: true }).click();
    await dialog.waitFor({ state: 'hidden', timeout: WAIT_MS });
    await expect.poll(() => page.locator('admin-trucks tr[data-truck-id="acme-90"]').innerText(), { timeout: WAIT_MS }).toMatch(/Scania R 450[\s\S]*dry/);
    const after = ((await api('GET', '/api/fleet')).body as FleetSnapshot).trucks.find((t) => t.id === 'acme-90');
    expect(after?.name).toBe('Acme 90 · Scania R 450');
    expect(after?.reeferSetpointC ?? null).toBe(null);
  });

  it('previews a transfer file with a bad row without importing it, then imports a good one', async () => {
    const page = await openAdmin();
    const good = `${CSV_HEADER}\nADM-T1,acme-02,Rotterdam,51.92,4.47,Munich,48.13,11.58,2030-03-01T08:00:00Z,2030-03-01T20:00:00Z,Steel,\n`;
    const bad = `${good}ADM-T2,acme-03,Hamburg,95,9.99,Warsaw,52.23,21.01,2030-03-02T08:00:00Z,2030-03-02T20:00:00Z,Frozen fish,-18\n`;
    const input = page.getByLabel('Transfer file (CSV or JSON)');
    await input.setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(bad) });
    const preview = page.locator('admin-transfers .preview');
    await preview.waitFor({ timeout: WAIT_MS });
    const problem = preview.locator('tr[data-row="2"]');
    await problem.waitFor({ timeout: WAIT_MS });
    expect(await problem.innerText()).toMatch(/originLat[\s\S]*latitude from -90 to 90, got 95/);
    expect(await preview.locator('tbody tr').count()).toBe(1);
    const importButton = page.locator('admin-transfers #import');
    expect(await importButton.isDisabled()).toBe(true);
    const before = (await api('GET', '/api/admin/transfers')).body as { transfers: { id: string }[] };
    expect(before.transfers.map((t) => t.id)).not.toContain('ADM-T1');

    await input.setInputFiles({ name: 'good.csv', mimeType: 'text/csv', buffer: Buffer.from(good) });
    await expect.poll(() => preview.innerText(), { timeout: WAIT_MS }).toMatch(/1 transfer ready to import/);
    expect(await importButton.isDisabled()).toBe(false);
    await importButton.click();
    await page.getByText('Imported 1 transfer from good.csv.').waitFor({ timeout: WAIT_MS });
    await page.locator('admin-transfers tr[data-transfer-id="ADM-T1"]').waitFor({ timeout: WAIT_MS });
    const after = (await api('GET', '/api/admin/transfers')).body as { transfers: { id: string; truckId: string }[] };
    expect(after.transfers.find((t) => t.id === 'ADM-T1')?.truckId).toBe('acme-02');
    expect(after.transfers.map((t) => t.id)).not.toContain('ADM-T2');

    // A file that is not JSON at all: the server's message, beside the file input.
    await input.setInputFiles({ name: 'broken.json', mimeType: 'application/json', buffer: Buffer.from('[{"truckId": ') });
    await expect.poll(() => page.locator('admin-transfers #transfer-error').innerText(), { timeout: WAIT_MS }).toMatch(/^Transfer file:.*JSON/);
  });

  it('tells a viewer they are not allowed, with no admin forms', async () => {
    expect((await api('POST', '/api/admin/operators', { username: 'vera', password: 'vera-password', role: 'viewer' })).status).toBe(201);
    const p = await profile('vera', 'vera-password');
    const page = await p.context.newPage();
    await page.goto(`${server.url}/admin`);
    const notice = page.locator('admin-page [data-not-allowed]');
    await notice.waitFor({ timeout: WAIT_MS });
    expect(await notice.innerText()).toMatch(/not allowed[\s\S]*vera \(viewer\)/);
    expect(await page.locator('admin-page form').count()).toBe(0);
    expect(await page.locator('admin-operators, admin-device-keys, admin-trucks, admin-transfers').count()).toBe(0);
    expect(await seriousViolations(page)).toEqual([]);

    // And no Admin link on a viewer's dashboard.
    await page.getByRole('link', { name: 'Back to the fleet' }).click();
    await page.waitForURL((url) => url.pathname === '/', { timeout: WAIT_MS });
    await page.locator('truck-panel').first().waitFor({ timeout: WAIT_MS });
    expect(await page.getByRole('link', { name: 'Admin', exact: true }).count()).toBe(0);
  });

  it('axe-core finds no serious or critical violation on /admin, with a new key, a file’s problems, a refusal and a dialog on show', async () => {
    const page = await openAdmin();
    await page.getByRole('button', { name: 'Issue key' }).click();
    await page.getByRole('textbox', { name: 'Device key', exact: true }).waitFor({ timeout: WAIT_MS });
    await page
      .getByLabel('Transfer file (CSV or JSON)')
      .setInputFiles({ name: 'bad.csv', mimeType: 'text/csv', buffer: Buffer.from(`${CSV_HEADER}\nX,nosuch,A,1,1,B,2,2,2030-01-01T00:00:00Z,2029-01-01T00:00:00Z,,\n`) });
    await page.locator('admin-transfers .preview tbody tr').first().waitFor({ timeout: WAIT_MS });
    await page.getByRole('button', { name: 'Add truck' }).click();
    await expect.poll(() => page.locator('admin-trucks #truck-add-error').innerText(), { timeout: WAIT_MS }).not.toBe('');
    // One run over every state at once (axe over the whole page takes seconds): a dialog open too.
    await page.getByRole('button', { name: 'Reset password of ana' }).click();
    await page.locator('admin-operators dialog[open]').waitFor({ timeout: WAIT_MS });
    expect(await seriousViolations(page)).toEqual([]);
  });
});
