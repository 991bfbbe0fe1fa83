/** Alerts with their acknowledgement, shared by every operator of a tenant. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    create table alerts (
      tenant text not null references tenants (id) on delete cascade,
      id text not null,
      truck_id text not null,
      kind text not null,
      severity text not null,
      state text not null check (state in ('active', 'cleared')),
      started_at timestamptz not null,
      cleared_at timestamptz,
      message text not null,
      acked_by text,
      acked_at timestamptz,
      primary key (tenant, id)
    )`.execute(db);
  await sql`create index alerts_recent on alerts (tenant, started_at desc)`.execute(db);
  await sql`create index alerts_truck on alerts (tenant, truck_id, started_at desc)`.execute(db);
}
