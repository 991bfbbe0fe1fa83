/** fleetwire's server store: the only code that speaks SQL. One module per concern, the same statements on PGlite and PostgreSQL. */
export * from './accounts';
export * from './audit';
export * from './database';
export * from './device-keys';
export * from './directory';
export * from './errors';
export * from './fleet';
export * from './history';
export type { Role, Schema } from './schema';
export { ROLES } from './schema';
export * from './validation';
export * from './demo';
export * from './alerts';
