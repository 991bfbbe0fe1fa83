/** The in-memory bus: one process, a ring buffer of recent events per tenant. */
import { parseEventId } from '../../src/shared/events';
import { REPLAY_PAGE, type Bus, type BusEvent, type BusListener, type BusTapListener, type ReplayPage, type UnpublishedEvent } from './bus';

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
    return this.between(afterSeq, this.nextSeq - 1);
  }

  /** Events with afterSeq < seq <= throughSeq, oldest first; caller checks afterSeq + 1 is still retained. */
  between(afterSeq: number, throughSeq: number): BusEvent[] {
    const skip = Math.max(0, afterSeq - this.oldestSeq + 1);
    const end = Math.min(this.size, throughSeq - this.oldestSeq + 1);
    const out: BusEvent[] = [];
    for (let i = skip; i < end; i++) {
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
  /** Events per page of `replayPages` (default REPLAY_PAGE; tests make it small). */
  replayPage?: number;
}

/** The memory bus: ids `<epoch ms>-<seq>` with a per-tenant seq, history in a ring per tenant. */
export class MemoryBus implements Bus {
  readonly kind = 'memory';
  readonly epoch: string;
  private readonly rings = new Map<string, TenantRing>();
  private readonly taps = new Set<BusTapListener>();
  private closed = false;
  private readonly replayPage: number;

  constructor(private readonly options: MemoryBusOptions) {
    if (!Number.isInteger(options.retention) || options.retention < 1) {
      throw new Error(`MemoryBus: retention must be a positive whole number, got ${options.retention}`);
    }
    this.epoch = String(options.epochMs ?? Date.now());
    this.replayPage = options.replayPage ?? REPLAY_PAGE;
    if (!Number.isInteger(this.replayPage) || this.replayPage < 1) {
      throw new Error(`MemoryBus: replayPage must be a positive whole number, got ${options.replayPage}`);
    }
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

  /**
   * Pages of the ring after `afterId`, up to the newest event when the first page is asked for (later
   * ones reach the stream live). Each page is sliced when asked for; if the ring wrapped past the
   * cursor meanwhile (a slow reader of a busy tenant), the replay ends with `'reset'`.
   */
  async *replayPages(tenant: string, afterId: string): AsyncGenerator<ReplayPage, void, undefined> {
    const from = this.resumableSeq(tenant, afterId);
    if (from === 'reset') {
      yield 'reset';
      return;
    }
    const ring = this.ring(tenant);
    const through = ring.nextSeq - 1;
    for (let after = from; after < through; ) {
      // Events after the cursor must all still be here before the next page goes out: no hole.
      if (after + 1 < ring.oldestSeq) {
        yield 'reset';
        return;
      }
      const next = Math.min(through, after + this.replayPage);
      const page = ring.between(after, next);
      after = next;
      yield page;
    }
  }

  /** Every event after `afterId` at once, or `'reset'` (synchronous; tests of the ring use it, streams page). */
  replayNow(tenant: string, afterId: string): BusEvent[] | 'reset' {
    const from = this.resumableSeq(tenant, afterId);
    return from === 'reset' ? 'reset' : this.ring(tenant).after(from);
  }

  /** The seq after which a replay of `afterId` starts, or `'reset'` when its successors cannot all be given. */
  private resumableSeq(tenant: string, afterId: string): number | 'reset' {
    const parsed = parseEventId(afterId);
    if (!parsed || String(parsed[0]) !== this.epoch) return 'reset';
    const afterSeq = parsed[1];
    const ring = this.ring(tenant);
    // An id we never assigned (from the future) cannot be trusted to mean anything.
    if (afterSeq > ring.nextSeq - 1) return 'reset';
    // Events oldestSeq..afterSeq+1 must all still be here; the one at afterSeq itself may be gone.
    if (afterSeq + 1 < ring.oldestSeq) return 'reset';
    return afterSeq;
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
