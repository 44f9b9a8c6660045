/** Where a command writes; injected so commands are tested without a child process. */
export interface CliIO {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}

export const processIO: CliIO = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/** Exit statuses of the orquesta command. */
export const EXIT = {
  ok: 0,
  /** A runtime failure (training diverged, coordinator unreachable, ...). */
  failure: 1,
  /** Bad input: an invalid spec, flag or argument. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];
