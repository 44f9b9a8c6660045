import { describe, expect, it } from 'vitest';
import { RECOMMENDED_RANK_ENV, recommendedRankEnv } from './rank-environment.js';

describe('recommendedRankEnv', () => {
  it('gives the recommended variables the environment does not set, and leaves the user\'s alone', () => {
    expect(recommendedRankEnv({})).toEqual(RECOMMENDED_RANK_ENV);
    expect(recommendedRankEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toEqual({});
  });
});
