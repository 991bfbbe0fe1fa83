/** What the store refuses, in words a person can act on; the API and the CLI turn it into 400/404/409 or an exit code. */

/** Why a store call was refused. */
export type StoreErrorCode = 'invalid' | 'not_found' | 'conflict';

/** A refused store call: nothing was written. */
export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The input field at fault, when there is one. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}

/** A PostgreSQL error's SQLSTATE, when it has one. */
export function sqlState(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** SQLSTATE of a unique or primary-key violation. */
export const UNIQUE_VIOLATION = '23505';
/** SQLSTATE of a foreign-key violation. */
export const FOREIGN_KEY_VIOLATION = '23503';
