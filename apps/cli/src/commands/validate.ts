import { formatProblem, loadSpecFile } from '@orquesta/spec';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

/**
 * `orquesta validate SPEC...`: one `FILE  OK ...` line per valid spec; for invalid ones one
 * `FILE:LINE:COL  path.to.field  message` line per problem on stdout, then exit 2.
 */
export async function validateCommand(files: readonly string[], io: CliIO): Promise<ExitCode> {
  let failed = false;
  for (const file of files) {
    const result = await loadSpecFile(file);
    if (result.ok) {
      const { spec } = result;
      io.out(
        `${file}  OK  ${spec.name} (${spec.task}, ${spec.resources.workers} worker${spec.resources.workers === 1 ? '' : 's'}, backend ${spec.resources.backend})`,
      );
    } else {
      failed = true;
      for (const problem of result.problems) io.out(formatProblem(problem));
    }
  }
  return failed ? EXIT.usage : EXIT.ok;
}
