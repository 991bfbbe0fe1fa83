/** The events of `/api/stream` and the ordering of their ids. */
import type { Alert, FleetSnapshot, Telemetry, TruckInfo } from './fleet';

/** Maps each SSE `event:` name to the JSON of its `data:`. */
export interface StreamEventMap {
  telemetry: Telemetry;
  alert: Alert;
  truck: TruckInfo;
  reset: FleetSnapshot;
}

/** The SSE event names. */
export type StreamEventType = keyof StreamEventMap;

/** Every stream event type, in a fixed order (for listeners). */
export const STREAM_EVENT_TYPES: readonly StreamEventType[] = ['telemetry', 'alert', 'truck', 'reset'];

/** One event as it travels through bus, stream and hub. */
export type StreamEvent = {
  [K in StreamEventType]: { id: string; type: K; data: StreamEventMap[K] };
}[StreamEventType];

/** A stream event of one type. */
export type StreamEventOf<K extends StreamEventType> = Extract<StreamEvent, { type: K }>;

const EVENT_ID = /^(\d{1,16})-(\d{1,16})$/;

/**
 * Parses an event id `<ms>-<seq>`. Memory-bus ids use the process's epoch (start ms) as `<ms>`;
 * Redis-bus ids are Redis Stream entry ids, which have the same shape. Null when malformed.
 */
export function parseEventId(id: string): [number, number] | null {
  const m = EVENT_ID.exec(id);
  if (!m) return null;
  return [Number(m[1]), Number(m[2])];
}

/** Orders two well-formed event ids: negative when `a` came first. Malformed ids sort first. */
export function compareEventIds(a: string, b: string): number {
  const pa = parseEventId(a);
  const pb = parseEventId(b);
  if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0);
  return pa[0] - pb[0] || pa[1] - pb[1];
}
