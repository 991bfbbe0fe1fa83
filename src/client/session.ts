/**
 * Who is logged in: the few plain `fetch` calls the login screen needs before a hub exists.
 * Everything after login goes through the hub client (`connectFleet`), logout included.
 */
import { sameOperator, type Me } from '../shared/fleet';
// Not idb or the store's schema: the login page loads this module, and needs only the name.
import { databaseName } from '../store/name';
import { alertNotifications } from './notifications';
import { forgetSavedViews } from './saved-view';

/** localStorage key of alert ids notified, written by builds before the hub chose the tab. */
const LEGACY_NOTIFIED_KEY = 'fleetwire:notified-alerts';
/** localStorage key of the last user who logged in on this browser, so the app opens offline. */
export const LAST_USER_KEY = 'fleetwire:last-user';

/** A demo account the server advertises when demo mode is on. */
export interface DemoAccount {
  username: string;
  password: string;
  tenant: string;
}

/** The server could not be reached at all (no network, server down); distinct from a refusal. */
export class OfflineError extends Error {
  constructor(message = 'You are offline: fleetwire cannot reach its server. Check the network connection and try again.') {
    super(message);
    this.name = 'OfflineError';
  }
}

const SERVER_DOWN_MESSAGE =
  'fleetwire\'s server is not answering right now. Try again in a minute; if it persists, tell your administrator.';

/** A gateway answering for a server that is down or restarting: as good as offline. */
function serverDown(status: number): boolean {
  return status === 502 || status === 503 || status === 504;
}

/** Logs in; resolves with who is now logged in. Rejects with the server's message on refusal. */
export async function login(username: string, password: string): Promise<Me> {
  const res = await request('/api/session', {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (serverDown(res.status)) throw new OfflineError(SERVER_DOWN_MESSAGE);
  if (!res.ok) throw new Error(await errorMessage(res, 'Login failed'));
  // The session reply may carry the user; /api/me always does.
  const body: unknown = await res.json().catch(() => null);
  const me = isMe(body) ? body : await fetchMe();
  const previous = rememberedUser();
  remember(me);
  // An expired session leaves its stored view for its operator's return; another operator on this
  // browser must not find it there, nor the alert notifications left on screen (a session that
  // expired with no window open had nobody to close them).
  if (previous && !sameOperator(previous, me)) {
    deleteStoredView(previous);
    void alertNotifications.closeAll();
  }
  return me;
}

/** Deletes an operator's IndexedDB database and the copy of their last view. */
function deleteStoredView(operator: Me): void {
  forgetSavedViews(operator);
  try {
    const request = indexedDB.deleteDatabase(databaseName(operator.tenant, operator.username));
    request.onerror = () => console.error('fleetwire: could not delete the previous operator’s stored view', request.error);
  } catch (error) {
    // IndexedDB disabled: then nothing was stored either.
    console.error('fleetwire: could not delete the previous operator’s stored view', error);
  }
}

/**
 * Who is logged in: null when nobody is (401). When the server cannot be reached, the last user
 * who logged in on this browser with `offline: true`, so the last known state can be shown.
 */
export async function currentUser(): Promise<{ me: Me; offline: boolean } | null> {
  let res: Response;
  try {
    res = await request('/api/me', { headers: { accept: 'application/json' } });
  } catch (err) {
    if (!(err instanceof OfflineError)) throw err;
    return offlineUser();
  }
  if (res.status === 401 || res.status === 403) return null;
  if (serverDown(res.status)) return offlineUser();
  if (!res.ok) throw new Error(await errorMessage(res, 'Could not check who is logged in'));
  const body: unknown = await res.json();
  if (!isMe(body)) throw new Error('The server answered /api/me without a username and tenant.');
  remember(body);
  return { me: body, offline: false };
}

/**
 * The demo accounts to list on the login screen, or null when the server has none (404: demo
 * mode off). Rejects with OfflineError when the server cannot be reached.
 */
export async function demoAccounts(): Promise<DemoAccount[] | null> {
  const res = await request('/api/demo', { headers: { accept: 'application/json' } });
  if (serverDown(res.status)) throw new OfflineError(SERVER_DOWN_MESSAGE);
  // 404: demo mode is off (or the server predates the route); any other refusal: no list either.
  if (!res.ok) return null;
  const body: unknown = await res.json().catch(() => null);
  const list = Array.isArray(body) ? body : (body as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(list)) return null;
  return list.filter(isDemoAccount);
}

/** Forgets the remembered user: after an explicit logout the app must not open offline for them. */
export function forgetUser(): void {
  forgetSavedViews();
  try {
    localStorage.removeItem(LAST_USER_KEY);
    // Alert ids an earlier build kept to deduplicate notifications across tabs (the hub does now).
    localStorage.removeItem(LEGACY_NOTIFIED_KEY);
  } catch {
    // Storage can be disabled by policy; then there is nothing remembered to forget.
  }
}

/** The last user remembered on this browser, if any. */
export function rememberedUser(): Me | null {
  try {
    const raw = localStorage.getItem(LAST_USER_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (!isMe(parsed)) return null;
    // The role too, so that offline a viewer is not offered what only operators may do.
    const role = parsed.role === 'admin' || parsed.role === 'operator' || parsed.role === 'viewer' ? parsed.role : undefined;
    return role ? { username: parsed.username, tenant: parsed.tenant, role } : { username: parsed.username, tenant: parsed.tenant };
  } catch {
    // A corrupt or inaccessible entry means nobody is remembered.
    return null;
  }
}

function offlineUser(): { me: Me; offline: boolean } | null {
  const me = rememberedUser();
  return me ? { me, offline: true } : null;
}

function remember(me: Me): void {
  try {
    localStorage.setItem(LAST_USER_KEY, JSON.stringify({ username: me.username, tenant: me.tenant, role: me.role }));
  } catch {
    // Storage can be full or disabled; the app then simply cannot open offline.
  }
}

async function fetchMe(): Promise<Me> {
  const res = await request('/api/me', { headers: { accept: 'application/json' } });
  if (!res.ok) throw new Error(await errorMessage(res, 'Logged in, but could not read who you are'));
  const body: unknown = await res.json();
  if (!isMe(body)) throw new Error('The server answered /api/me without a username and tenant.');
  return body;
}

/** `fetch` with the session cookie, turning a network failure into an OfflineError. */
async function request(url: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, credentials: 'same-origin', cache: 'no-store' });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new OfflineError();
  }
}

async function errorMessage(res: Response, fallback: string): Promise<string> {
  const body: unknown = await res.json().catch(() => null);
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message) return message;
  if (res.status === 429) return 'Too many attempts. Wait a minute, then try again.';
  return `${fallback} (HTTP ${res.status}).`;
}

function isMe(v: unknown): v is Me {
  const o = v as Partial<Me> | null;
  return !!o && typeof o.username === 'string' && typeof o.tenant === 'string';
}

function isDemoAccount(v: unknown): v is DemoAccount {
  const o = v as Partial<DemoAccount> | null;
  return !!o && typeof o.username === 'string' && typeof o.password === 'string' && typeof o.tenant === 'string';
}
