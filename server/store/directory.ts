/**
 * The server's in-memory copy of who and what exists: operators (with roles), active device keys and
 * trucks. Every request looks things up here, never in SQL; a committed admin change is announced
 * with NOTIFY and each instance reloads that tenant's part, so a revoked key is refused everywhere
 * within a round trip.
 */
import type { TruckInfo } from '../../src/shared/fleet';
import { allOperators } from './accounts';
import type { ChangeNotice } from './audit';
import { CHANGES_CHANNEL, type Database } from './database';
import { activeDeviceKeys, hashDeviceKey, touchDeviceKeys, type ActiveDeviceKey } from './device-keys';
import { loadTruckInfos } from './fleet';
import type { Role } from './schema';

/** How often key last-used times are written, ms: one statement per key per interval, not per request. */
const KEY_USE_FLUSH_MS = 10_000;

/** An operator as sessions see it. */
export interface DirectoryOperator {
  tenant: string;
  username: string;
  role: Role;
  /** When the account was made: a session names it, so a removed and re-added username is another account. */
  createdAt: number;
}

/** Trucks of a tenant that are new or changed after a reload. */
export type TrucksChanged = (tenant: string, changed: TruckInfo[]) => void | Promise<void>;

/** What the directory reports. */
export interface DirectoryEvents {
  /** Trucks of a tenant were added or changed (by this instance or another). */
  onTrucksChanged?: TrucksChanged;
  /** Operators of a tenant that no longer exist: their sessions must end. */
  onOperatorsRemoved?(tenant: string, usernames: string[]): void;
  onError?(err: unknown, what: string): void;
}

function operatorKey(tenant: string, username: string): string {
  return `${tenant}\u0000${username}`;
}

/** The cache; `open` loads it and subscribes to changes. */
export class Directory {
  private operators = new Map<string, DirectoryOperator>();
  private keys = new Map<string, ActiveDeviceKey>();
  private trucks = new Map<string, Map<string, TruckInfo>>();
  private readonly keyUse = new Map<string, number>();
  private flushTimer: NodeJS.Timeout | null = null;
  private unlisten: (() => Promise<void>) | null = null;
  private readonly now: () => number;

  private constructor(
    private readonly database: Database,
    private readonly events: DirectoryEvents,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  /** Loads everything and starts following changes. */
  static async open(database: Database, events: DirectoryEvents = {}, now?: () => number): Promise<Directory> {
    const directory = new Directory(database, events, now);
    await directory.reloadAll(false);
    directory.unlisten = await database.listen(
      CHANGES_CHANNEL,
      (payload) => directory.onNotice(payload),
      () => void directory.reloadAll(true).catch((err: unknown) => events.onError?.(err, 'reloading after a lost database connection')),
    );
    directory.flushTimer = setInterval(() => void directory.flushKeyUse(), KEY_USE_FLUSH_MS);
    directory.flushTimer.unref();
    return directory;
  }

  /** The operator, or undefined when removed (or never there). */
  operator(tenant: string, username: string): DirectoryOperator | undefined {
    return this.operators.get(operatorKey(tenant, username));
  }

  /** The active key this secret is, or undefined; notes its use. */
  deviceKey(secret: string): ActiveDeviceKey | undefined {
    const key = this.keys.get(hashDeviceKey(secret));
    if (key) this.keyUse.set(key.prefix, this.now());
    return key;
  }

  /** A truck of the tenant. */
  truck(tenant: string, id: string): TruckInfo | undefined {
    return this.trucks.get(tenant)?.get(id);
  }

  /** Every truck of the tenant. */
  trucksOf(tenant: string): TruckInfo[] {
    return [...(this.trucks.get(tenant)?.values() ?? [])];
  }

  /** Every tenant with at least one truck. */
  tenantsWithTrucks(): string[] {
    return [...this.trucks.keys()];
  }

  /** Reloads one kind of record of one tenant (after a change notice, or after this instance changed it). */
  async reload(notice: ChangeNotice): Promise<void> {
    const { tenant } = notice;
    switch (notice.kind) {
      case 'operators':
      case 'tenants': {
        const fresh = await allOperators(this.database.db, tenant);
        const removed: string[] = [];
        for (const [k, op] of this.operators) {
          if (op.tenant === tenant && !fresh.some((f) => f.username === op.username && f.createdAt === op.createdAt)) {
            this.operators.delete(k);
            removed.push(op.username);
          }
        }
        for (const op of fresh) this.operators.set(operatorKey(op.tenant, op.username), { tenant: op.tenant, username: op.username, role: op.role, createdAt: op.createdAt });
        if (removed.length > 0) this.events.onOperatorsRemoved?.(tenant, removed);
        break;
      }
      case 'keys': {
        const fresh = await activeDeviceKeys(this.database.db, tenant);
        for (const [hash, key] of this.keys) if (key.tenant === tenant) this.keys.delete(hash);
        for (const key of fresh) this.keys.set(key.keyHash, key);
        break;
      }
      case 'trucks': {
        const fresh = await loadTruckInfos(this.database.db, this.now(), tenant);
        // Awaited: a truck an admin just added is announced before the admin's answer.
        await this.applyTrucks(tenant, fresh);
        break;
      }
    }
  }

  /** Writes pending key last-used times, then stops following changes. */
  async close(): Promise<void> {
    if (this.flushTimer) clearInterval(this.flushTimer);
    await this.unlisten?.();
    await this.flushKeyUse();
  }

  /** Writes key last-used times now. */
  async flushKeyUse(): Promise<void> {
    if (this.keyUse.size === 0) return;
    const batch = new Map(this.keyUse);
    this.keyUse.clear();
    try {
      await touchDeviceKeys(this.database.db, batch);
    } catch (err) {
      // Kept for the next flush: a last-used time is worth a retry, not an error to a device.
      for (const [prefix, at] of batch) if (!this.keyUse.has(prefix)) this.keyUse.set(prefix, at);
      this.events.onError?.(err, 'recording when device keys were last used');
    }
  }

  private onNotice(payload: string): void {
    let notice: ChangeNotice;
    try {
      notice = JSON.parse(payload) as ChangeNotice;
    } catch {
      // Only fleetwire notifies on this channel; an unreadable notice is ignored.
      return;
    }
    this.reload(notice).catch((err: unknown) => this.events.onError?.(err, `reloading ${notice.kind} of ${notice.tenant}`));
  }

  /** Loads everything; `announce`: report trucks that differ from what was loaded before. */
  private async reloadAll(announce: boolean): Promise<void> {
    const db = this.database.db;
    const [operators, keys, trucks] = await Promise.all([allOperators(db), activeDeviceKeys(db), loadTruckInfos(db, this.now())]);
    this.operators = new Map(
      operators.map((op) => [operatorKey(op.tenant, op.username), { tenant: op.tenant, username: op.username, role: op.role, createdAt: op.createdAt }]),
    );
    this.keys = new Map(keys.map((k) => [k.keyHash, k]));
    const byTenant = new Map<string, TruckInfo[]>();
    for (const t of trucks) byTenant.set(t.tenant, [...(byTenant.get(t.tenant) ?? []), t]);
    for (const [tenant, list] of byTenant) await this.applyTrucks(tenant, list, announce);
  }

  private async applyTrucks(tenant: string, fresh: readonly TruckInfo[], announce = true): Promise<void> {
    const previous = this.trucks.get(tenant) ?? new Map<string, TruckInfo>();
    const next = new Map(fresh.map((t) => [t.id, t]));
    const changed = fresh.filter((t) => JSON.stringify(previous.get(t.id)) !== JSON.stringify(t));
    this.trucks.set(tenant, next);
    if (announce && changed.length > 0) await this.events.onTrucksChanged?.(tenant, changed);
  }
}
