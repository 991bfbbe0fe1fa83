/** Server-Sent Events framing: each event becomes one `Buffer`, encoded once and shared by every client. */
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

/** Several events as one buffer, for one write per client. */
export function batchFrame(events: readonly BusEvent[]): Buffer {
  return events.length === 1 ? eventFrame(events[0] as BusEvent) : Buffer.concat(events.map(eventFrame));
}

/** The `reset` event: the snapshot, with the id to resume after. */
export function resetFrame(snapshot: FleetSnapshot, id: string): Buffer {
  return Buffer.from(`id: ${id}\nevent: reset\ndata: ${JSON.stringify(snapshot)}\n\n`);
}

/** The reconnect delay, sent once at the start of a stream. */
export function retryFrame(retryMs: number): Buffer {
  return Buffer.from(`retry: ${retryMs}\n: fleetwire stream\n\n`);
}
