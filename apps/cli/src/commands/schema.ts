import { ExperimentSpecSchema } from '@orquesta/protocol';
import { EXIT, type CliIO, type ExitCode } from '../io.js';

/** `orquesta schema`: prints the experiment-spec JSON Schema (draft 2020-12), for editors and tools. */
export function schemaCommand(io: CliIO): ExitCode {
  io.out(JSON.stringify(ExperimentSpecSchema, null, 2));
  return EXIT.ok;
}
