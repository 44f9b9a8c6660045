import { describe, expect, it } from 'vitest';
import { RECOMMENDED_RANK_ENV, RECOMMENDED_RANK_NODE_FLAGS, rankNodeFlags, recommendedRankEnv } from './rank-environment.js';

describe('recommendedRankEnv', () => {
  it("gives the recommended variables the environment does not set, and leaves the user's alone", () => {
    expect(recommendedRankEnv({})).toEqual(RECOMMENDED_RANK_ENV);
    expect(recommendedRankEnv({ GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' })).toEqual({});
  });
});

describe('rankNodeFlags', () => {
  it('gives the recommended flags to ranks on sockets, none to ranks sharing a host', () => {
    expect(rankNodeFlags({}, true)).toEqual(RECOMMENDED_RANK_NODE_FLAGS);
    expect(rankNodeFlags({}, false)).toEqual([]);
  });

  it('lets ORQUESTA_RANK_NODE_FLAGS replace them either way', () => {
    expect(rankNodeFlags({ ORQUESTA_RANK_NODE_FLAGS: ' --max-old-space-size=4096   --no-opt ' }, false)).toEqual(['--max-old-space-size=4096', '--no-opt']);
    expect(rankNodeFlags({ ORQUESTA_RANK_NODE_FLAGS: '' }, true)).toEqual([]);
  });
});
