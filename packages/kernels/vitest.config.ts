import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'kernels', include: ['src/**/*.test.ts'] },
});
