export { run, buildProgram } from './program.js';
export { EXIT, processIO } from './io.js';
export type { CliIO, ExitCode } from './io.js';
