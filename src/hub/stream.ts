/** The one server stream: an EventSource behind a small interface, so the hub core runs anywhere. */
import { STREAM_EVENT_TYPES, type StreamEventType } from '../shared/events';

/** Callbacks of one stream connection. */
export interface StreamHandlers {
  onOpen(): void;
  onEvent(type: StreamEventType, id: string, data: string): void;
  /** The connection failed or dropped; the hub decides when to try again. */
  onError(): void;
}

/** Opens a stream connection and returns a function that closes it. */
export interface StreamTransport {
  open(url: string, handlers: StreamHandlers): () => void;
}

/** The browser's EventSource; its own reconnects are turned off so the hub can back off with jitter. */
export const eventSourceTransport: StreamTransport = {
  open(url, handlers) {
    const source = new EventSource(url, { withCredentials: true });
    source.onopen = () => handlers.onOpen();
    for (const type of STREAM_EVENT_TYPES) {
      source.addEventListener(type, (e: MessageEvent<string>) => handlers.onEvent(type, e.lastEventId, e.data));
    }
    source.onerror = () => {
      // EventSource would retry on its own at the server's `retry:` pace, without backoff and
      // without our stored id after a hub restart: close it and let the hub reconnect.
      source.close();
      handlers.onError();
    };
    return () => source.close();
  },
};

/** First reconnect delay; doubled per failed attempt. */
export const RECONNECT_BASE_MS = 500;
/** Longest wait between two attempts: an operator should not wait more than half a minute. */
export const RECONNECT_MAX_MS = 30_000;

/** Full-jitter exponential backoff: spreads reconnects of many browsers after a server restart. */
export function backoffDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(RECONNECT_MAX_MS, RECONNECT_BASE_MS * 2 ** Math.max(0, attempt));
  return Math.round(RECONNECT_BASE_MS / 2 + random() * (ceiling - RECONNECT_BASE_MS / 2));
}
