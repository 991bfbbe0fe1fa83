/** The in-memory bus: one process, a ring buffer of recent events per tenant. */
import { parseEventId } from '../../src/shared/events';
import type { Bus, BusEvent, BusListener, BusTapListener, UnpublishedEvent } from './bus';

/** A fixed-capacity ring of one tenant's events; `seq` of the oldest kept is `next - size`. */
class TenantRing {
  private readonly slots: (BusEvent | undefined)[];
  private start = 0;
  size = 0;
  /** Sequence number the next event gets; sequences start at 1, so `<epoch>-0` means "from the start". */
  nextSeq = 1;
  readonly listeners = new Set<BusListener>();

  constructor(readonly capacity: number) {
    this.slots = new Array<BusEvent | undefined>(capacity);
  }

  push(event: BusEvent): void {
    if (this.size < this.capacity) {
      this.slots[(this.start + this.size) % this.capacity] = event;
      this.size++;
    } else {
      this.slots[this.start] = event;
      this.start = (this.start + 1) % this.capacity;
    }
  }

  /** Sequence of the oldest retained event (equals nextSeq when empty). */
  get oldestSeq(): number {
    return this.nextSeq - this.size;
  }

  /** Events with seq > afterSeq, oldest first; caller checks afterSeq is within the retained range. */
  after(afterSeq: number): BusEvent[] {
    const skip = Math.max(0, afterSeq - this.oldestSeq + 1);
    const out: BusEvent[] = [];
    for (let i = skip; i < this.size; i++) {
      const e = this.slots[(this.start + i) % this.capacity];
      if (e) out.push(e);
    }
    return out;
  }
}

/** Options of the memory bus. */
export interface MemoryBusOptions {
  /** Events retained per tenant (ring size). */
  retention: number;
  /** Epoch ms; defaults to now. Tests pass one to simulate a restart. */
  epochMs?: number;
}

/** The memory bus: ids `<epoch ms>-<seq>` with a per-tenant seq, history in a ring per tenant. */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly epoch: string;
  private readonly rings = new Map<string, TenantRing>();
  private readonly taps = new Set<BusTapListener>();
  private closed = false;

  constructor(private readonly options: MemoryBusOptions) {
    if (!Number.isInteger(options.retention) || options.retention < 1) {
      throw new Error(`MemoryBus: retention must be a positive whole number, got ${options.retention}`);
    }
    this.epoch = String(options.epochMs ?? Date.now());
  }

  private ring(tenant: string): TenantRing {
    let ring = this.rings.get(tenant);
    if (!ring) {
      ring = new TenantRing(this.options.retention);
      this.rings.set(tenant, ring);
    }
    return ring;
  }

  async publish(tenant: string, events: readonly UnpublishedEvent[]): Promise<BusEvent[]> {
    if (this.closed) throw new Error('The bus is closed: the server is shutting down');
    return this.publishNow(tenant, events);
  }

  /** Synchronous publish: ids, ring, taps and listeners all happen before it returns. */
  publishNow(tenant: string, events: readonly UnpublishedEvent[]): BusEvent[] {
    if (events.length === 0) return [];
    const ring = this.ring(tenant);
    const out: BusEvent[] = [];
    for (const e of events) {
      // The spread keeps the discriminated union: `type` and `data` stay paired.
      const event = { ...e, id: `${this.epoch}-${ring.nextSeq++}` } as BusEvent;
      ring.push(event);
      out.push(event);
    }
    for (const tap of this.taps) tap(tenant, out);
    for (const listener of ring.listeners) listener(out);
    return out;
  }

  subscribe(tenant: string, listener: BusListener): () => void {
    const ring = this.ring(tenant);
    ring.listeners.add(listener);
    return () => ring.listeners.delete(listener);
  }

  tap(listener: BusTapListener): () => void {
    this.taps.add(listener);
    return () => this.taps.delete(listener);
  }

  async replay(tenant: string, afterId: string): Promise<BusEvent[] | 'reset'> {
    return this.replayNow(tenant, afterId);
  }

  /** Synchronous replay (see `replay`). */
  replayNow(tenant: string, afterId: string): BusEvent[] | 'reset' {
    const parsed = parseEventId(afterId);
    if (!parsed || String(parsed[0]) !== this.epoch) return 'reset';
    const afterSeq = parsed[1];
    const ring = this.ring(tenant);
    // An id we never assigned (from the future) cannot be trusted to mean anything.
    if (afterSeq > ring.nextSeq - 1) return 'reset';
    // Events oldestSeq..afterSeq+1 must all still be here; the one at afterSeq itself may be gone.
    if (afterSeq + 1 < ring.oldestSeq) return 'reset';
    return ring.after(afterSeq);
  }

  async lastId(tenant: string): Promise<string | null> {
    const ring = this.rings.get(tenant);
    return ring && ring.nextSeq > 1 ? `${this.epoch}-${ring.nextSeq - 1}` : null;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const ring of this.rings.values()) ring.listeners.clear();
    this.taps.clear();
  }
}
