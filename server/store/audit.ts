/** The audit log, and the one way admin changes are written: in a transaction with their audit row and change notice. */
import { sql, type Kysely, type Transaction } from 'kysely';
import { CHANGES_CHANNEL } from './database';
import type { Schema } from './schema';

/** What changed, as announced to every server instance so their caches reload it. */
export interface ChangeNotice {
  kind: 'tenants' | 'operators' | 'keys' | 'trucks';
  tenant: string;
}

/** Who did it: `cli` for the admin command, `operator:<username>` for the API. */
export type Actor = string;

/** One audit entry as listed. */
export interface AuditEntry {
  id: number;
  tenant: string | null;
  actor: string;
  action: string;
  target: string;
  details: Record<string, unknown>;
  at: number;
}

/** One admin action: what it was, and what changed. */
export interface AdminAction {
  tenant: string;
  actor: Actor;
  action: string;
  target: string;
  details?: Record<string, unknown>;
  notice: ChangeNotice['kind'];
}

/**
 * Runs `work` and, in the same transaction, records the action in the audit log and announces the
 * change (NOTIFY is delivered on commit): either all of it happens or none of it.
 */
export async function adminChange<T>(db: Kysely<Schema>, action: AdminAction, work: (tx: Transaction<Schema>) => Promise<T>): Promise<T> {
  return db.transaction().execute(async (tx) => {
    const result = await work(tx);
    await tx
      .insertInto('audit_log')
      .values({
        tenant: action.tenant,
        actor: action.actor,
        action: action.action,
        target: action.target,
        details: JSON.stringify(action.details ?? {}),
      })
      .execute();
    const notice: ChangeNotice = { kind: action.notice, tenant: action.tenant };
    await sql`select pg_notify(${CHANGES_CHANNEL}, ${JSON.stringify(notice)})`.execute(tx);
    return result;
  });
}

/** The tenant's audit log, newest first. */
export async function listAudit(db: Kysely<Schema>, tenant: string, limit = 200): Promise<AuditEntry[]> {
  const rows = await db
    .selectFrom('audit_log')
    .select(['id', 'tenant', 'actor', 'action', 'target', 'details', 'at'])
    .where('tenant', '=', tenant)
    .orderBy('id', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, id: Number(r.id), at: r.at.getTime() }));
}
