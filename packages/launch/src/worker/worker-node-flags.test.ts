import { RECOMMENDED_RANK_NODE_FLAGS } from '@orquesta/protocol';
import { describe, expect, it } from 'vitest';
import { knownNodeFlags, workerNodeFlags } from './worker-node-flags.js';

describe('worker node flags', () => {
  it('keeps the recommended flags this node binary lists in --v8-options', () => {
    expect(workerNodeFlags({}, true)).toEqual(RECOMMENDED_RANK_NODE_FLAGS);
    expect(workerNodeFlags({}, false)).toEqual([]);
  });

  it('drops flags the binary does not know, in either polarity', () => {
    const known = new Set(['incremental-marking', 'max-old-space-size']);
    expect(knownNodeFlags(['--no-incremental-marking', '--no-flag-from-another-v8', '--max-old-space-size=512'], known)).toEqual([
      '--no-incremental-marking',
      '--max-old-space-size=512',
    ]);
  });

  it('passes ORQUESTA_RANK_NODE_FLAGS through unchecked', () => {
    expect(workerNodeFlags({ ORQUESTA_RANK_NODE_FLAGS: '--no-flag-from-another-v8' }, true)).toEqual(['--no-flag-from-another-v8']);
  });
});
