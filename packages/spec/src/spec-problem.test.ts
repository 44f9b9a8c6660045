import { describe, expect, it } from 'vitest';
import { formatProblem } from './spec-problem.js';

describe('formatProblem', () => {
  it('prints one line per problem, showing control characters from the spec as \\uXXXX', () => {
    const line = formatProblem({ file: 'a.yaml', line: 3, col: 7, path: 'model.d\rmodel', message: 'unknown field "d\rmodel"\nnext' });
    expect(line).toBe('a.yaml:3:7  model.d\\u000dmodel  unknown field "d\\u000dmodel"\\u000anext');
    expect(line.split('\n')).toHaveLength(1);
    expect(formatProblem({ file: 'b.yaml', line: 1, col: 1, path: 'name', message: 'must match ^[a-z]+$ (got "é")' })).toBe(
      'b.yaml:1:1  name  must match ^[a-z]+$ (got "é")',
    );
  });
});
