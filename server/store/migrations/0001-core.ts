/** Tenants, operators, device keys, trucks, transfers, the audit log and telemetry history. */
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  // One statement at a time: PGlite's extended-protocol queries take a single statement.
  const statements = [
    sql`
      create table tenants (
      id text primary key check (id ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      name text not null check (length(name) between 1 and 200),
      created_at timestamptz not null default now()
    )
    `,
    sql`
      create table operators (
      tenant text not null references tenants (id) on delete cascade,
      username text not null check (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$'),
      role text not null check (role in ('admin', 'operator', 'viewer')),
      password_hash text not null,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant, username)
    )
    `,
    sql`
      -- Login names the username alone: it is unique across the deployment, whatever its case.
    create unique index operators_login on operators (lower(username))
    `,
    sql`
      create table trucks (
      tenant text not null references tenants (id) on delete cascade,
      id text not null check (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
      name text not null check (length(name) between 1 and 200),
      plate text not null default '',
      reefer_setpoint_c real check (reefer_setpoint_c between -60 and 60),
      driver jsonb,
      created_at timestamptz not null default now(),
      updated_at timestamptz not null default now(),
      primary key (tenant, id)
    )
    `,
    sql`
      create table device_keys (
      prefix text primary key,
      tenant text not null references tenants (id) on delete cascade,
      key_hash text not null unique,
      label text not null default '',
      truck_id text,
      created_at timestamptz not null default now(),
      created_by text not null,
      last_used_at timestamptz,
      revoked_at timestamptz,
      foreign key (tenant, truck_id) references trucks (tenant, id) on delete cascade
    )
    `,
    sql`
      create index device_keys_tenant on device_keys (tenant)
    `,
    sql`
      create table transfers (
      tenant text not null,
      id text not null check (id ~ '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$'),
      truck_id text not null,
      origin jsonb not null,
      destination jsonb not null,
      waypoints jsonb not null,
      planned_departure timestamptz not null,
      planned_arrival timestamptz not null,
      cargo_description text not null default '',
      reefer_setpoint_c real check (reefer_setpoint_c between -60 and 60),
      created_at timestamptz not null default now(),
      primary key (tenant, id),
      foreign key (tenant, truck_id) references trucks (tenant, id) on delete cascade,
      check (planned_arrival > planned_departure)
    )
    `,
    sql`
      create index transfers_truck on transfers (tenant, truck_id, planned_departure)
    `,
    sql`
      create table audit_log (
      id integer generated always as identity primary key,
      tenant text,
      actor text not null,
      action text not null,
      target text not null default '',
      details jsonb not null default '{}',
      at timestamptz not null default now()
    )
    `,
    sql`
      create index audit_log_tenant on audit_log (tenant, at)
    `,
    sql`
      -- Telemetry history, one partition per UTC day (server/store/history.ts creates and drops them):
    -- retention drops whole days instead of deleting rows.
    create table telemetry (
      tenant text not null,
      truck_id text not null,
      ts timestamptz not null,
      event_id text not null,
      data jsonb not null
    ) partition by range (ts)
    `,
    sql`
      create index telemetry_truck_ts on telemetry (tenant, truck_id, ts)
    `,
    sql`
      -- The newest sample of each truck: a restarted server shows every truck where it was last seen.
    create table truck_last (
      tenant text not null,
      truck_id text not null,
      ts timestamptz not null,
      event_id text not null,
      data jsonb not null,
      primary key (tenant, truck_id)
    )
    `,
  ];
  for (const statement of statements) await statement.execute(db);
}
