// latest_loader.test.js: state/latest_loader.js keeps one request in flight and only the newest
// wish, drops stale results, and its LRU cache evicts the least recently used entry.
import { test } from 'node:test';
import assert from 'node:assert/strict';

import { createLatestLoader, createLru } from '../../../frontend/state/latest_loader.js';

test('the newest wish wins; a stale result is dropped; errors reach failed()', async () => {
  const loaded = []; const done = []; const failed = [];
  let staleStep = null;
  const loader = createLatestLoader({
    load: async (w) => { loaded.push(w.step); if (w.step === 9) throw new Error('gone'); return w.step * 10; },
    stale: (w) => w.step === staleStep,
    done: (v) => done.push(v),
    failed: (e, w) => failed.push([w.step, e.message]),
  });
  const first = loader.want({ step: 1 });
  loader.want({ step: 2 });
  loader.want({ step: 3 });
  await first;
  assert.deepEqual(loaded, [1, 3], 'step 2 was superseded before it was asked for');
  assert.deepEqual(done, [30], 'step 1 finished after newer wishes: dropped');
  staleStep = 4;
  await loader.want({ step: 4 });
  assert.deepEqual(done, [30], 'stale when it came back');
  await loader.want({ step: 9 });
  assert.deepEqual(failed, [[9, 'gone']]);
});

test('the LRU cache fetches once and evicts the least recently used', async () => {
  const fetched = [];
  const lru = createLru(2, async (s, step) => { fetched.push(step); return { s, step }; });
  await lru.get('a', 1); await lru.get('a', 2);
  await lru.get('a', 1);           // 1 is now the most recent
  await lru.get('a', 3);           // evicts 2
  await lru.get('a', 1);
  await lru.get('a', 2);
  assert.deepEqual(fetched, [1, 2, 3, 2]);
  lru.put('a', 7, { pushed: true });
  assert.deepEqual(await lru.get('a', 7), { pushed: true }, 'put() without a fetch');
});
