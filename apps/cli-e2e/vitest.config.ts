import { defineProject } from 'vitest/config';

// Every test spawns the CLI, whose start alone takes seconds on a loaded machine: 5 s is too tight a default.
export default defineProject({
  test: { name: 'cli-e2e', include: ['src/**/*.test.ts'], testTimeout: 30_000 },
});
