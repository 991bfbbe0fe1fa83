/** Alerts as the tenant's record: every start and clear, and who acknowledged each (for everyone). */
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Alert, AlertKind } from '../../src/shared/fleet';
import type { Actor } from './audit';
import { StoreError } from './errors';
import type { AlertsTable, Schema } from './schema';

/** Most alerts one list answers with. */
export const MAX_ALERTS_LISTED = 1_000;

function toAlert(r: Selectable<AlertsTable>): Alert {
  const alert: Alert = {
    id: r.id,
    truckId: r.truck_id,
    kind: r.kind as AlertKind,
    severity: r.severity as Alert['severity'],
    state: r.state,
    startedAt: r.started_at.getTime(),
    message: r.message,
  };
  if (r.cleared_at) alert.clearedAt = r.cleared_at.getTime();
  if (r.acked_by !== null) alert.ackedBy = r.acked_by;
  if (r.acked_at) alert.ackedAt = r.acked_at.getTime();
  return alert;
}

/**
 * Records alert events in order (in the caller's transaction, with the telemetry of the same batch):
 * the newest state of each alert wins, and an acknowledgement is never lost to a later event without one.
 */
export async function recordAlerts(db: Kysely<Schema>, rows: readonly { tenant: string; alert: Alert }[]): Promise<void> {
  if (rows.length === 0) return;
  const json = JSON.stringify(
    rows.map(({ tenant, alert }, seq) => ({
      seq,
      tenant,
      id: alert.id,
      truck_id: alert.truckId,
      kind: alert.kind,
      severity: alert.severity,
      state: alert.state,
      started_at: new Date(alert.startedAt).toISOString(),
      cleared_at: alert.clearedAt === undefined ? null : new Date(alert.clearedAt).toISOString(),
      message: alert.message,
      acked_by: alert.ackedBy ?? null,
      acked_at: alert.ackedAt === undefined ? null : new Date(alert.ackedAt).toISOString(),
    })),
  );
  await sql`
    insert into alerts (tenant, id, truck_id, kind, severity, state, started_at, cleared_at, message, acked_by, acked_at)
    select distinct on (tenant, id) tenant, id, truck_id, kind, severity, state, started_at, cleared_at, message, acked_by, acked_at
    from jsonb_to_recordset(${json}::jsonb) as r(seq int, tenant text, id text, truck_id text, kind text, severity text, state text,
      started_at timestamptz, cleared_at timestamptz, message text, acked_by text, acked_at timestamptz)
    where exists (select 1 from tenants t where t.id = r.tenant)
    order by tenant, id, seq desc
    on conflict (tenant, id) do update set
      state = excluded.state,
      severity = excluded.severity,
      message = excluded.message,
      cleared_at = coalesce(excluded.cleared_at, alerts.cleared_at),
      acked_by = coalesce(alerts.acked_by, excluded.acked_by),
      acked_at = coalesce(alerts.acked_at, excluded.acked_at)`.execute(db);
}

/** The tenant's alerts: `active` only, or `all` (active first, then the most recent); optionally of one truck. */
export async function listAlerts(
  db: Kysely<Schema>,
  tenant: string,
  options: { state: 'active' | 'all'; truckId?: string; limit?: number },
): Promise<Alert[]> {
  let query = db.selectFrom('alerts').selectAll().where('tenant', '=', tenant);
  if (options.state === 'active') query = query.where('state', '=', 'active');
  if (options.truckId !== undefined) query = query.where('truck_id', '=', options.truckId);
  const rows = await query
    .orderBy(sql`state = 'active'`, 'desc')
    .orderBy('started_at', 'desc')
    .orderBy('id')
    .limit(Math.min(options.limit ?? MAX_ALERTS_LISTED, MAX_ALERTS_LISTED))
    .execute();
  return rows.map(toAlert);
}

/**
 * Acknowledges an alert for the whole tenant; `changed` is false when someone had already
 * acknowledged it (then nothing is written). not_found for an alert the tenant does not have.
 */
export async function ackAlert(db: Kysely<Schema>, actor: Actor, tenant: string, id: string, username: string): Promise<{ alert: Alert; changed: boolean }> {
  return db.transaction().execute(async (tx) => {
    const updated = await tx
      .updateTable('alerts')
      .set({ acked_by: username, acked_at: new Date() })
      .where('tenant', '=', tenant)
      .where('id', '=', id)
      .where('acked_by', 'is', null)
      .returningAll()
      .executeTakeFirst();
    if (updated) {
      await tx
        .insertInto('audit_log')
        .values({ tenant, actor, action: 'alert.ack', target: id, details: JSON.stringify({ truckId: updated.truck_id }) })
        .execute();
      return { alert: toAlert(updated), changed: true };
    }
    const existing = await tx.selectFrom('alerts').selectAll().where('tenant', '=', tenant).where('id', '=', id).executeTakeFirst();
    if (!existing) throw new StoreError('not_found', `There is no alert "${id}" in your fleet.`, 'id');
    return { alert: toAlert(existing), changed: false };
  });
}
