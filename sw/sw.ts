/**
 * fleetwire's service worker: the app shell offline, and the update flow. Built by
 * scripts/build-sw.mjs (esbuild, then workbox-build injectManifest fills `self.__WB_MANIFEST`).
 *
 * It never answers `/api/stream` (a service worker holding an event stream stays busy and breaks
 * it; design.md) and has no default handler, so anything without a route goes to the network
 * as if there were no service worker at all.
 */
import { cleanupOutdatedCaches, createHandlerBoundToURL, precacheAndRoute, type PrecacheEntry } from 'workbox-precaching';
import { NavigationRoute, registerRoute } from 'workbox-routing';
import { NetworkOnly } from 'workbox-strategies';

declare const self: ServiceWorkerGlobalScope & { __WB_MANIFEST: (PrecacheEntry | string)[] };

/** Chromium's static routing API (Chromium 123+); not in the WebWorker typings yet. */
interface RouterInstallEvent extends ExtendableEvent {
  addRoutes?(rules: { condition: { urlPattern: { pathname: string } }; source: 'network' }[]): Promise<void>;
}

/** The stream the hub holds; never routed here. */
const STREAM_PATH = '/api/stream';
/**
 * API calls other than the stream give up after this long: offline, the app then falls back to
 * what the hub stored in IndexedDB instead of hanging on a dead network. 4 s is well above a
 * healthy server's answer time (/api/fleet of a large tenant included) and short enough that a
 * reload offline still paints within a blink of the stored state.
 */
const API_TIMEOUT_S = 4;
/** The app's routes (src/app/router.ts), answered with the precached shell. */
const APP_ROUTES = [/^\/$/, /^\/login\/?$/, /^\/admin\/?$/, /^\/trucks\/[^/]+\/?$/];

/** Stream requests that reached this worker, and those it answered (GET_STATS): the latter stays 0. */
const stats = { streamFetchEvents: 0, streamResponses: 0 };

self.addEventListener('install', (event: RouterInstallEvent) => {
  // Where the browser can, it does not even dispatch a fetch event for the stream: it goes
  // straight to the network. Elsewhere no route below matches it, which has the same effect.
  // (Chromium 156 applies the rule to pages, not to the hub's SharedWorker: its requests still
  // come through as fetch events, unanswered.)
  if (event.addRoutes) event.waitUntil(event.addRoutes([{ condition: { urlPattern: { pathname: STREAM_PATH } }, source: 'network' }]));
});

// Registered before Workbox's own listener, only to count; it never answers. A fetch event has no
// "was it answered" property, so the count of answers wraps respondWith on stream requests alone.
self.addEventListener('fetch', (event: FetchEvent) => {
  if (new URL(event.request.url).pathname !== STREAM_PATH) return;
  stats.streamFetchEvents += 1;
  const respondWith = event.respondWith.bind(event);
  event.respondWith = (response) => {
    stats.streamResponses += 1;
    respondWith(response);
  };
});

precacheAndRoute(self.__WB_MANIFEST);
cleanupOutdatedCaches();

registerRoute(new NavigationRoute(createHandlerBoundToURL('/index.html'), { allowlist: APP_ROUTES }));

registerRoute(({ url, request, sameOrigin }) => {
  if (!sameOrigin || !url.pathname.startsWith('/api/')) return false;
  // By path and by type: an event stream under any name stays between the page and the network.
  return url.pathname !== STREAM_PATH && !request.headers.get('accept')?.includes('text/event-stream');
}, new NetworkOnly({ networkTimeoutSeconds: API_TIMEOUT_S }));

/** Messages the pages send (workbox-window's `messageSkipWaiting`; GET_STATS for support and tests). */
type PageMessage = { type: 'SKIP_WAITING' } | { type: 'GET_STATS' };

/** The answer to GET_STATS. */
export type ServiceWorkerStats = typeof stats;

self.addEventListener('message', (event: ExtendableMessageEvent) => {
  const message = event.data as PageMessage | null;
  if (message?.type === 'SKIP_WAITING') {
    // The operator accepted the update in one window; every window reloads on `controllerchange`.
    void self.skipWaiting();
  } else if (message?.type === 'GET_STATS') {
    event.ports[0]?.postMessage(stats satisfies ServiceWorkerStats);
  }
});

self.addEventListener('activate', (event: ExtendableEvent) => {
  // On the very first install, take the pages opened before it (their next reload then works
  // offline). On an update the pages already switch, since the new worker skipped waiting.
  event.waitUntil(self.clients.claim());
});

/** What an alert notification carries (src/client/notifications.ts). */
interface AlertNotificationData {
  url: string;
}

self.addEventListener('notificationclick', (event: NotificationEvent) => {
  event.notification.close();
  const data = event.notification.data as Partial<AlertNotificationData> | null;
  const url = new URL(data?.url ?? '/', self.location.origin);
  event.waitUntil(focusOrOpen(url));
});

/** Focuses a window already showing the URL, else opens one. */
async function focusOrOpen(url: URL): Promise<void> {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const open = windows.find((w) => new URL(w.url).pathname === url.pathname);
  if (open) await open.focus();
  else await self.clients.openWindow(url.href);
}
