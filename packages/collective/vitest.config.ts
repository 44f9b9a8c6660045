import { defineProject } from 'vitest/config';

export default defineProject({
  test: { name: 'collective', include: ['src/**/*.test.ts'] },
});
