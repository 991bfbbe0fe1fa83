/**
 * The tab's own calls to the server besides the stream (which the hub holds): a truck's history,
 * the tenant's alerts, and acknowledging one. Plain `fetch` with the session cookie; each failure is
 * an Error whose message an operator can act on.
 */
import type { Alert } from '../shared/fleet';
import type { HistoryPage } from '../shared/samples';

/** A call the server refused or could not answer; `status` is 0 when it could not be reached. */
export class ServerError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ServerError';
    this.status = status;
  }
}

const UNREACHABLE = 'fleetwire’s server cannot be reached (offline?).';

async function call(url: string, init: RequestInit = {}): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, { ...init, credentials: 'same-origin', cache: 'no-store', headers: { accept: 'application/json', ...init.headers } });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ServerError(0, UNREACHABLE);
  }
  if (response.ok) return response;
  const body: unknown = await response.json().catch(() => null);
  const message = (body as { message?: unknown } | null)?.message;
  if (typeof message === 'string' && message) throw new ServerError(response.status, message);
  if (response.status === 502 || response.status === 503 || response.status === 504) {
    throw new ServerError(response.status, 'fleetwire’s server is not answering right now.');
  }
  throw new ServerError(response.status, `The server answered HTTP ${response.status}.`);
}

/**
 * At most `limit` samples of a truck with `since <= ts < until`, oldest first, from the server's
 * database; `body` is the answer's text, for the hub to store (see `store-history`).
 */
export async function fetchHistoryPage(
  truckId: string,
  range: { since: number; until: number; limit: number },
  signal?: AbortSignal,
): Promise<{ page: HistoryPage; body: string }> {
  const query = new URLSearchParams({ since: String(range.since), until: String(range.until), limit: String(range.limit) });
  const response = await call(`/api/trucks/${encodeURIComponent(truckId)}/history?${query}`, { signal });
  const body = await response.text();
  return { page: JSON.parse(body) as HistoryPage, body };
}

/** The tenant's alerts (active first, then newest), optionally of one truck. */
export async function fetchAlerts(
  query: { state?: 'active' | 'all'; truckId?: string; limit?: number },
  signal?: AbortSignal,
): Promise<Alert[]> {
  const params = new URLSearchParams({ state: query.state ?? 'all' });
  if (query.truckId) params.set('truckId', query.truckId);
  if (query.limit) params.set('limit', String(query.limit));
  const response = await call(`/api/alerts?${params}`, { signal });
  return ((await response.json()) as { alerts: Alert[] }).alerts;
}

/** Acknowledges an alert for the whole tenant; resolves with the alert as the server now has it. */
export async function postAck(alertId: string): Promise<Alert> {
  try {
    const response = await call(`/api/alerts/${encodeURIComponent(alertId)}/ack`, { method: 'POST' });
    return ((await response.json()) as { alert: Alert }).alert;
  } catch (error) {
    if (error instanceof ServerError && error.status === 403) {
      throw new ServerError(403, 'Only operators and admins can acknowledge alerts.');
    }
    throw error;
  }
}
