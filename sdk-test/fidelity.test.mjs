// Fidelity of what the official SDK reads back (issue #20, items 2-4): list paging forward then back, a
// batched run's batchId, and the version of a version-locked run. SDK calls only, plus plain fetch for worker
// registration; the replica is 500 ms behind the primary throughout.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { batch, configure, runs, tasks } from '@trigger.dev/sdk';
import { callService, eventually as retryUntil, startService } from './service.mjs';

let service;

const api = (method, path, body) => callService(service, method, path, body);

// The runs list is fed asynchronously (ClickHouse through replication, or the replica); on a loaded machine
// that can take minutes, so the wait is long (it ends as soon as the runs are listed).
const eventually = (fn) => retryUntil(fn, { timeoutMs: 300_000, intervalMs: 250 });

before(async () => {
  // A loaded machine can take minutes to boot the embedded cluster.
  service = await startService({ replicaApplyDelay: '500ms', timeoutMs: 900_000 });
  configure({ baseURL: service.baseURL, accessToken: service.secretKey });
  await api('POST', '/api/v1/deployments', {
    version: '20250101.1',
    tasks: [{ slug: 'fidelity-task' }, { slug: 'reports/monthly' }],
  });
});

after(async () => {
  await service?.stop();
});

describe('runs.list paging', () => {
  test('getNextPage then getPreviousPage returns the first page again, and getNextPage from there the second', async () => {
    const tag = `paging-${Date.now()}`;
    for (let i = 0; i < 7; i++) {
      await tasks.trigger('fidelity-task', { i }, { tags: [tag] });
    }
    await eventually(async () => {
      const all = await runs.list({ tag, limit: 100 });
      assert.equal(all.data.length, 7);
    });
    const first = await runs.list({ tag, limit: 3 });
    const second = await first.getNextPage();
    const back = await second.getPreviousPage();
    assert.deepEqual(back.data.map((r) => r.id), first.data.map((r) => r.id));
    const forward = await back.getNextPage();
    assert.deepEqual(forward.data.map((r) => r.id), second.data.map((r) => r.id));
    const third = await forward.getNextPage();
    const all = [...first.data, ...second.data, ...third.data].map((r) => r.id);
    assert.equal(new Set(all).size, 7);
  });
});

describe('runs.retrieve', () => {
  test("a batched run's batchId is the batchId batch.trigger returned", async () => {
    const tag = `batch-id-${Date.now()}`;
    const result = await batch.trigger([
      { id: 'fidelity-task', payload: { n: 1 }, options: { tags: [tag] } },
      { id: 'fidelity-task', payload: { n: 2 }, options: { tags: [tag] } },
    ]);
    assert.match(result.batchId, /^batch_/);
    const listed = await eventually(async () => {
      const page = await runs.list({ tag, limit: 10 });
      assert.equal(page.data.length, 2);
      return page.data;
    });
    for (const item of listed) {
      const run = await runs.retrieve(item.id);
      assert.equal(run.batchId, result.batchId);
    }
  });

  test('a run locked to a version reports that version', async () => {
    const handle = await tasks.trigger('fidelity-task', { locked: true }, { version: '20250101.1' });
    const run = await runs.retrieve(handle.id);
    assert.equal(run.version, '20250101.1');
  });

  test('a nested task id as the SDK encodes it (folder%2Ftask) triggers and reads back', async () => {
    const handle = await tasks.trigger('reports/monthly', { month: 1 });
    const run = await runs.retrieve(handle.id);
    assert.equal(run.taskIdentifier, 'reports/monthly');
  });
});
