/**
 * `/api/admin/…`: an admin manages the tenant's operators, device keys, trucks and transfers, and reads
 * its audit log. Every change is written with its audit entry, and this instance's directory is
 * reloaded before the answer, so the change is in force here when the admin sees 201.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import Type, { type Static } from 'typebox';
import { HttpError } from '../errors';
import { strictSchema } from '../strict-schema';
import { parseTransferFile, type TransferFileProblem } from '../transfer-file';
import {
  addOperator,
  addTruck,
  importTransfers,
  issueDeviceKey,
  listAudit,
  listDeviceKeys,
  listOperators,
  listTransfers,
  removeOperator,
  revokeDeviceKey,
  updateOperator,
  updateTruck,
  ROLES,
  type ChangeNotice,
  type Database,
  type Directory,
} from '../store';
import type { Operator } from './auth';

/** Options of the admin plugin. */
export interface AdminPluginOptions {
  database: Database;
  directory: Directory;
}

const Role = Type.Union(ROLES.map((r) => Type.Literal(r)));
const Username = Type.Object({ username: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false });
const TruckId = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const KeyPrefix = Type.Object({ prefix: Type.String({ minLength: 1, maxLength: 64 }) }, { additionalProperties: false });
const NewOperator = Type.Object(
  {
    username: Type.String({ minLength: 1, maxLength: 100 }),
    password: Type.String({ minLength: 1, maxLength: 1_000 }),
    role: Type.Optional(Role),
  },
  { additionalProperties: false },
);
const OperatorChange = Type.Object(
  { role: Type.Optional(Role), password: Type.Optional(Type.String({ minLength: 1, maxLength: 1_000 })) },
  { additionalProperties: false },
);
const NewKey = Type.Object(
  { label: Type.Optional(Type.String({ maxLength: 200 })), truckId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })) },
  { additionalProperties: false },
);
const NewTruck = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: 64 }),
    name: Type.String({ minLength: 1, maxLength: 200 }),
    plate: Type.Optional(Type.String({ maxLength: 200 })),
    reeferSetpointC: Type.Optional(Type.Union([Type.Number({ minimum: -60, maximum: 60 }), Type.Null()])),
  },
  { additionalProperties: false },
);
const ImportQuery = Type.Object({ dryRun: Type.Optional(Type.Union([Type.Literal('1'), Type.Literal('0')])) }, { additionalProperties: false });
/** Largest transfer file, bytes: 10,000 rows of a few hundred bytes each. */
export const TRANSFER_FILE_LIMIT_BYTES = 5 * 1_048_576;

/** A file with problems: 400 with every problem, so the admin can fix them all at once. */
class TransferFileError extends HttpError {
  constructor(readonly problems: TransferFileProblem[]) {
    super(400, 'invalid_transfers', `The file has ${problems.length} problem${problems.length === 1 ? '' : 's'}; nothing was imported. ${problems
      .slice(0, 3)
      .map((p) => (p.row > 0 ? `Row ${p.row}: ${p.message}` : p.message))
      .join(' ')}`);
  }
}

const TruckChange = Type.Object(
  {
    name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
    plate: Type.Optional(Type.String({ maxLength: 200 })),
    reeferSetpointC: Type.Optional(Type.Union([Type.Number({ minimum: -60, maximum: 60 }), Type.Null()])),
  },
  { additionalProperties: false },
);

/** The admin routes. */
export default async function adminPlugin(app: FastifyInstance, options: AdminPluginOptions): Promise<void> {
  const { database, directory } = options;
  const db = database.db;
  // onRequest, not preHandler: who may call is decided before a body is read or checked.
  const guard = [app.authenticate, app.requireRole('admin')];
  const admin = (request: FastifyRequest) => request.operator as Operator;
  const actor = (op: Operator) => `operator:${op.username}`;
  /** The change is in force on this instance before the answer; other instances follow its NOTIFY. */
  const applied = (tenant: string, kind: ChangeNotice['kind']) => directory.reload({ kind, tenant });

  app.get('/api/admin/operators', { onRequest: guard }, async function operators(request) {
    return { operators: await listOperators(db, admin(request).tenant) };
  });

  app.post(
    '/api/admin/operators',
    { onRequest: guard, schema: { body: NewOperator }, validatorCompiler: strictSchema },
    async function createOperator(request, reply) {
      const op = admin(request);
      const body = request.body as Static<typeof NewOperator>;
      const created = await addOperator(db, actor(op), { tenant: op.tenant, username: body.username, password: body.password, role: body.role ?? 'operator' });
      await applied(op.tenant, 'operators');
      return reply.code(201).send(created);
    },
  );

  app.patch(
    '/api/admin/operators/:username',
    { onRequest: guard, schema: { params: Username, body: OperatorChange }, validatorCompiler: strictSchema },
    async function changeOperator(request) {
      const op = admin(request);
      const { username } = request.params as Static<typeof Username>;
      const body = request.body as Static<typeof OperatorChange>;
      if (username === op.username && body.role !== undefined && body.role !== 'admin') {
        throw new HttpError(409, 'conflict', 'You cannot take the admin role from yourself: ask another admin of the tenant.');
      }
      const updated = await updateOperator(db, actor(op), { tenant: op.tenant, username, role: body.role, password: body.password });
      await applied(op.tenant, 'operators');
      return updated;
    },
  );

  app.delete(
    '/api/admin/operators/:username',
    { onRequest: guard, schema: { params: Username }, validatorCompiler: strictSchema },
    async function deleteOperator(request, reply) {
      const op = admin(request);
      const { username } = request.params as Static<typeof Username>;
      if (username === op.username) {
        throw new HttpError(409, 'conflict', 'You cannot remove yourself: ask another admin of the tenant.');
      }
      await removeOperator(db, actor(op), op.tenant, username);
      await applied(op.tenant, 'operators');
      return reply.code(204).send();
    },
  );

  app.get('/api/admin/device-keys', { onRequest: guard }, async function deviceKeys(request) {
    return { keys: await listDeviceKeys(db, admin(request).tenant) };
  });

  app.post(
    '/api/admin/device-keys',
    { onRequest: guard, schema: { body: NewKey }, validatorCompiler: strictSchema },
    async function createDeviceKey(request, reply) {
      const op = admin(request);
      const body = (request.body ?? {}) as Static<typeof NewKey>;
      const issued = await issueDeviceKey(db, actor(op), { tenant: op.tenant, label: body.label, truckId: body.truckId ?? null });
      await applied(op.tenant, 'keys');
      // The key is in this answer and nowhere else, ever: it must not sit in any cache.
      return reply.code(201).header('cache-control', 'no-store').send(issued);
    },
  );

  app.delete(
    '/api/admin/device-keys/:prefix',
    { onRequest: guard, schema: { params: KeyPrefix }, validatorCompiler: strictSchema },
    async function deleteDeviceKey(request, reply) {
      const op = admin(request);
      const { prefix } = request.params as Static<typeof KeyPrefix>;
      await revokeDeviceKey(db, actor(op), op.tenant, prefix);
      await applied(op.tenant, 'keys');
      return reply.code(204).send();
    },
  );

  app.get('/api/admin/trucks', { onRequest: guard }, async function trucks(request) {
    const list = directory.trucksOf(admin(request).tenant).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return { trucks: list };
  });

  app.post(
    '/api/admin/trucks',
    { onRequest: guard, schema: { body: NewTruck }, validatorCompiler: strictSchema },
    async function createTruck(request, reply) {
      const op = admin(request);
      const body = request.body as Static<typeof NewTruck>;
      await addTruck(db, actor(op), op.tenant, body);
      await applied(op.tenant, 'trucks');
      return reply.code(201).send(directory.truck(op.tenant, body.id));
    },
  );

  app.patch(
    '/api/admin/trucks/:id',
    { onRequest: guard, schema: { params: TruckId, body: TruckChange }, validatorCompiler: strictSchema },
    async function changeTruck(request) {
      const op = admin(request);
      const { id } = request.params as Static<typeof TruckId>;
      if (Object.keys(request.body as object).length === 0) {
        throw new HttpError(400, 'invalid_request', 'Give at least one of name, plate and reeferSetpointC to change.');
      }
      await updateTruck(db, actor(op), op.tenant, id, request.body as Static<typeof TruckChange>);
      await applied(op.tenant, 'trucks');
      return directory.truck(op.tenant, id);
    },
  );

  app.get('/api/admin/transfers', { onRequest: guard }, async function transfers(request) {
    return { transfers: await listTransfers(db, admin(request).tenant) };
  });

  // CSV arrives as text; JSON goes through the app's JSON parser.
  app.addContentTypeParser('text/csv', { parseAs: 'string', bodyLimit: TRANSFER_FILE_LIMIT_BYTES }, function csvBody(_request, body, done) {
    done(null, body);
  });

  app.post(
    '/api/admin/transfers',
    { onRequest: guard, bodyLimit: TRANSFER_FILE_LIMIT_BYTES, schema: { querystring: ImportQuery }, validatorCompiler: strictSchema },
    async function importTransferFile(request, reply) {
      const op = admin(request);
      const isCsv = typeof request.body === 'string';
      const parsed = parseTransferFile(isCsv ? (request.body as string) : JSON.stringify(request.body ?? null), isCsv ? 'csv' : 'json');
      const problems = [...parsed.problems];
      parsed.transfers.forEach((t, i) => {
        if (!directory.truck(op.tenant, t.truckId)) {
          problems.push({ row: parsed.rows[i] ?? i + 1, field: 'truckId', message: `There is no truck "${t.truckId}" in your fleet: add it first.` });
        }
      });
      problems.sort((x, y) => x.row - y.row);
      const dryRun = (request.query as Static<typeof ImportQuery>).dryRun === '1';
      if (dryRun) return { transfers: parsed.transfers.length, problems };
      if (problems.length > 0) {
        const error = new TransferFileError(problems);
        return reply.code(400).send({ error: error.code, message: error.message, problems });
      }
      const imported = await importTransfers(db, actor(op), op.tenant, parsed.transfers);
      await applied(op.tenant, 'trucks');
      return reply.code(201).send({ imported });
    },
  );

  app.get('/api/admin/audit', { onRequest: guard }, async function audit(request) {
    return { entries: await listAudit(db, admin(request).tenant) };
  });
}
