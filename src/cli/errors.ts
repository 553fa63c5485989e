/** Errors a user can cause: printed as one `Error: ...` line, never with a stack trace. */

/** KUDO exits with 255 on every error (Go's os.Exit(-1)). */
export const ERROR_EXIT = 255;

export class UserError extends Error {
  constructor(
    message: string,
    readonly exitCode = ERROR_EXIT,
  ) {
    super(message);
  }
}

/** A wrong flag or argument: the message is followed by a pointer to --help. */
export class UsageError extends UserError {}
