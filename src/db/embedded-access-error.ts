// The embedded PostgreSQL cannot reach its binaries or its data: the message names
// the folder in the way and how to fix it, for a person to act on.
export class EmbeddedPostgresAccessError extends Error {
  override readonly name = 'EmbeddedPostgresAccessError';
  /** The folder the problem is about. */
  readonly folder: string;
  readonly fix: string;

  constructor(problem: string, folder: string, fix: string, options?: ErrorOptions) {
    super(`${problem}\nFix: ${fix}`, options);
    this.folder = folder;
    this.fix = fix;
  }
}

/** The ways out that always exist, appended to every fix. */
export const GENERAL_FIX =
  'or run as a non-root user, or set DATABASE_URL to use an external PostgreSQL server';
