/**
 * Server-Sent Events framing: each event becomes one `Buffer`, encoded once; each fan-out batch
 * becomes one wire frame, framed once and written as-is to every client of the tenant.
 */
import type { FleetSnapshot } from '../../src/shared/fleet';
import type { BusEvent } from '../bus';

/** The heartbeat: an SSE comment, ignored by EventSource but keeping proxies and the hub's liveness check awake. */
export const HEARTBEAT_FRAME = Buffer.from(': heartbeat\n\n');

// Frames by event object: the memory bus hands out the same objects to live fan-out and to
// replays, so an event is stringified once however many clients and resumes it serves.
const frames = new WeakMap<BusEvent, Buffer>();

/** One event as SSE bytes: `id:`, `event:`, one `data:` line (JSON never contains a raw newline). */
export function eventFrame(event: BusEvent): Buffer {
  let frame = frames.get(event);
  if (!frame) {
    frame = Buffer.from(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    frames.set(event, frame);
  }
  return frame;
}

/** The `reset` event: the snapshot, with the id to resume after. */
export function resetFrame(snapshot: FleetSnapshot, id: string): Buffer {
  return Buffer.from(`id: ${id}\nevent: reset\ndata: ${JSON.stringify(snapshot)}\n\n`);
}

/** The reconnect delay, sent once at the start of a stream. */
export function retryFrame(retryMs: number): Buffer {
  return Buffer.from(`retry: ${retryMs}\n: fleetwire stream\n\n`);
}

/**
 * SSE bytes ready for the socket, in the two shapes an HTTP/1.x stream response can have: an
 * HTTP/1.1 chunk (`<hex length>\r\n<bytes>\r\n`) and the bare bytes of a close-delimited response
 * (HTTP/1.0 clients, e.g. nginx with its default `proxy_http_version`). Both share one allocation.
 */
export interface WireFrame {
  /** The frame as one HTTP/1.1 chunk. */
  readonly chunk: Buffer;
  /** The SSE bytes alone (a view into `chunk`). */
  readonly bare: Buffer;
  /** Events in the frame, for the delivery counter. */
  readonly events: number;
}

const CRLF_BYTES = 2;

/** Frames SSE parts once for the wire: one allocation, each part copied once. */
function frameParts(parts: readonly Buffer[], events: number): WireFrame {
  let length = 0;
  for (const p of parts) length += p.length;
  const head = `${length.toString(16)}\r\n`;
  const chunk = Buffer.allocUnsafe(head.length + length + CRLF_BYTES);
  let at = chunk.write(head, 0, 'latin1');
  const start = at;
  for (const p of parts) at += p.copy(chunk, at);
  chunk.write('\r\n', at, 'latin1');
  return { chunk, bare: chunk.subarray(start, start + length), events };
}

/** A fan-out batch framed for the wire: serialized once per tenant, whatever the number of clients. */
export function wireBatch(events: readonly BusEvent[]): WireFrame {
  return frameParts(events.map(eventFrame), events.length);
}

/** Any SSE bytes (reset, heartbeat) framed for the wire; `events` counts the events in them. */
export function wireFrame(frame: Buffer, events = 0): WireFrame {
  return frameParts([frame], events);
}

/** The heartbeat, framed once for the process. */
export const HEARTBEAT_WIRE = wireFrame(HEARTBEAT_FRAME);
