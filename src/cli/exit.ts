/** Exit codes that mean something, for scripts that call the CLI. */
export const EXIT = {
  OK: 0,
  /** Something failed while running. */
  FAILURE: 1,
  /** Bad command-line usage. */
  USAGE: 2,
  /** Bad configuration (environment variables). */
  CONFIG: 3,
  /** A check found a problem (journal verify found a broken chain). */
  CHECK_FAILED: 4,
  /** Input file missing or unreadable. */
  INPUT: 5,
} as const;

export class CliError extends Error {
  constructor(
    message: string,
    public readonly exitCode: number = EXIT.FAILURE,
  ) {
    super(message);
  }
}
