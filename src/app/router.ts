/** fleetwire's routes, read from location.pathname, and in-app navigation with history.pushState. */

/** A screen of the app. */
export type Route =
  | { name: 'login' }
  | { name: 'dashboard' }
  | { name: 'truck'; truckId: string }
  | { name: 'admin' }
  | { name: 'not-found'; path: string };

/** Window event fired after navigate() changed the URL (pushState fires no popstate). */
export const NAVIGATE_EVENT = 'fleetwire-navigate';

const TRUCK_PATH = /^\/trucks\/([^/]+)\/?$/;

/** The route of a path. */
export function parseRoute(pathname: string): Route {
  if (pathname === '/' || pathname === '/index.html') return { name: 'dashboard' };
  if (pathname === '/login' || pathname === '/login/') return { name: 'login' };
  if (pathname === '/admin' || pathname === '/admin/') return { name: 'admin' };
  const m = TRUCK_PATH.exec(pathname);
  if (m?.[1]) {
    try {
      return { name: 'truck', truckId: decodeURIComponent(m[1]) };
    } catch {
      // A malformed escape is no truck id.
      return { name: 'not-found', path: pathname };
    }
  }
  return { name: 'not-found', path: pathname };
}

/** True when a path is one of the app's own routes, so a link to it can stay in the page. */
export function isAppPath(pathname: string): boolean {
  return parseRoute(pathname).name !== 'not-found';
}

/** Goes to a path of the app without reloading. */
export function navigate(path: string, options: { replace?: boolean } = {}): void {
  if (options.replace) history.replaceState(null, '', path);
  else history.pushState(null, '', path);
  dispatchEvent(new Event(NAVIGATE_EVENT));
}

/** A same-origin path safe to go back to after login ("/trucks/acme-03"), or "/". */
export function safeNext(next: string | null): string {
  if (!next || !next.startsWith('/') || next.startsWith('//')) return '/';
  const url = new URL(next, location.origin);
  return url.origin === location.origin && isAppPath(url.pathname) && url.pathname !== '/login'
    ? url.pathname + url.search
    : '/';
}
