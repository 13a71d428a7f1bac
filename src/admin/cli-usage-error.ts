/** A mistake in how the admin CLI was called: the message and the usage are printed, exit code 2. */
export class CliUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliUsageError';
  }
}
