/** The fleet map's style setting (`GET /api/config`, from the server's `FLEETWIRE_MAP_STYLE`). */

/**
 * How long the map waits for the setting before it draws the shipped outlines: the answer is tiny,
 * and a map that waits on a dead network shows nothing. (Offline the service worker gives up on API
 * calls after 4 s; the map need not wait that long.)
 */
const CONFIG_TIMEOUT_MS = 2_500;

/**
 * The MapLibre style URL the deployment set, absolute; null when none is set, or when the server
 * cannot be asked (offline): then the map draws the outlines shipped with the app, which is what an
 * offline map can draw anyway.
 */
export async function mapStyleSetting(): Promise<string | null> {
  try {
    const res = await fetch('/api/config', {
      credentials: 'same-origin',
      cache: 'no-store',
      headers: { accept: 'application/json' },
      signal: AbortSignal.timeout(CONFIG_TIMEOUT_MS),
    });
    if (!res.ok) return null;
    const body = (await res.json()) as { mapStyle?: unknown } | null;
    const style = body?.mapStyle;
    return typeof style === 'string' && style ? new URL(style, location.origin).href : null;
  } catch {
    // Offline, timed out or an older server: the shipped outlines need no setting.
    return null;
  }
}
