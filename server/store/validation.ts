/** The shapes of names the store accepts; the same rules as the schema's CHECK constraints, with messages. */
import { ROLES, type Role } from './schema';
import { StoreError } from './errors';

/** Tenant ids: lower-case letters, digits and dashes, like a DNS label. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** Usernames: letters, digits and `._@-`, up to 100 characters. */
export const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/;
/** Truck and transfer ids: letters, digits and `._-`, up to 64 characters. */
export const TRUCK_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/** Shortest password an admin may set. */
export const MIN_PASSWORD_LENGTH = 8;
/** Longest password (scrypt hashes any length; this bounds the work per login). */
export const MAX_PASSWORD_LENGTH = 1_000;
/** Longest display name, label or plate. */
export const MAX_TEXT = 200;

/** Throws unless `tenant` is a well-formed tenant id. */
export function checkTenantId(tenant: string, field = 'tenant'): void {
  if (!TENANT_ID.test(tenant)) {
    throw new StoreError('invalid', `${field} "${tenant}" is not a tenant id: use 1 to 63 lower-case letters, digits and dashes (e.g. "acme").`, field);
  }
}

/** Throws unless `username` is well-formed. */
export function checkUsername(username: string, field = 'username'): void {
  if (!USERNAME.test(username)) {
    throw new StoreError('invalid', `${field} "${username}" is not allowed: use 1 to 100 letters, digits and . _ @ - (starting with a letter or digit).`, field);
  }
}

/** Throws unless `id` is a well-formed truck (or transfer) id. */
export function checkTruckId(id: string, field = 'truckId'): void {
  if (!TRUCK_ID.test(id)) {
    throw new StoreError('invalid', `${field} "${id}" is not allowed: use 1 to 64 letters, digits and . _ - (starting with a letter or digit).`, field);
  }
}

/** Throws unless `role` is one of the roles. */
export function checkRole(role: string, field = 'role'): asserts role is Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw new StoreError('invalid', `${field} "${role}" is not a role: use one of ${ROLES.join(', ')}.`, field);
  }
}

/** Throws unless `password` is long enough and not absurdly long. */
export function checkPassword(password: string, field = 'password'): void {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    throw new StoreError('invalid', `${field} must have ${MIN_PASSWORD_LENGTH} to ${MAX_PASSWORD_LENGTH} characters.`, field);
  }
}

/** Throws unless `text` is at most MAX_TEXT characters (and, when `required`, not empty). */
export function checkText(text: string, field: string, required = false): void {
  if ((required && text.trim() === '') || text.length > MAX_TEXT) {
    throw new StoreError('invalid', `${field} must be ${required ? '1' : '0'} to ${MAX_TEXT} characters.`, field);
  }
}

/** Throws unless `value` is a temperature a reefer can be set to. */
export function checkSetpoint(value: number, field = 'reeferSetpointC'): void {
  if (!Number.isFinite(value) || value < -60 || value > 60) {
    throw new StoreError('invalid', `${field} must be a temperature in °C from -60 to 60.`, field);
  }
}
