// runs.list with the filters the official SDK (4.8.3) can send beyond status/task/tag/time: version, machine,
// queue (task and custom), batch, bulk action and isTest, combined, paging to the end with getNextPage and with
// async iteration. Runs are created through the SDK; the list is fed asynchronously (replica, or ClickHouse through
// replication), so each test first waits until its runs are listed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { configure, runs, tasks } from '@trigger.dev/sdk';
import { callService, eventually, startService } from './service.mjs';

let service;

before(async () => {
  service = await startService({ timeoutMs: 600_000 });
  configure({ baseURL: service.baseURL, accessToken: service.secretKey });
  for (const version of ['1', '2']) {
    await callService(service, 'POST', '/api/v1/deployments', {
      version,
      tasks: [{ slug: 'list-own-queue' }, { slug: 'list-shared', queue: { name: 'list-shared-queue' } }],
    });
  }
});

after(async () => {
  await service?.stop();
});

/** Waits until the list shows {@code count} runs with {@code tag}. */
async function awaitListed(tag, count) {
  await eventually(async () => {
    const all = await runs.list({ tag, limit: 100 });
    assert.equal(all.data.length, count);
  }, { timeoutMs: 60_000, intervalMs: 250 });
}

describe('runs.list filters', () => {
  test('version, machine, task queue, status, isTest and time combined select exactly the matching runs, page by page', async () => {
    const tag = `rl-${Date.now()}`;
    const from = new Date(Date.now() - 60_000);
    const matching = [];
    for (let i = 0; i < 7; i++) {
      matching.push((await tasks.trigger('list-own-queue', { i }, { tags: [tag], version: '1', machine: 'small-1x' })).id);
    }
    const others = [
      await tasks.trigger('list-own-queue', {}, { tags: [tag], version: '2', machine: 'small-1x' }),
      await tasks.trigger('list-own-queue', {}, { tags: [tag], version: '1', machine: 'large-1x' }),
      await tasks.trigger('list-shared', {}, { tags: [tag], version: '1', machine: 'small-1x' }),
    ];
    await awaitListed(tag, 10);

    const query = {
      tag, version: '1', machine: ['small-1x', 'micro'], queue: { type: 'task', name: 'list-own-queue' },
      status: ['QUEUED'], isTest: false, from, to: new Date(Date.now() + 60_000),
    };
    let page = await runs.list({ ...query, limit: 3 });
    const collected = [...page.data];
    let pages = 1;
    while (page.hasNextPage()) {
      page = await page.getNextPage();
      collected.push(...page.data);
      pages++;
    }
    assert.equal(pages, 3);
    assert.deepEqual(collected.map((r) => r.id), [...matching].reverse());
    assert.ok(collected.every((r) => r.taskIdentifier === 'list-own-queue' && r.status === 'QUEUED'));

    const iterated = [];
    for await (const run of runs.list({ ...query, limit: 2 })) iterated.push(run.id);
    assert.deepEqual(iterated, [...matching].reverse());

    // The custom queue, by name, finds the one run triggered on it; version 2 finds the one locked to it.
    const custom = await runs.list({ tag, queue: { type: 'custom', name: 'list-shared-queue' } });
    assert.deepEqual(custom.data.map((r) => r.id), [others[2].id]);
    const v2 = await runs.list({ tag, version: ['2'] });
    assert.deepEqual(v2.data.map((r) => r.id), [others[0].id]);
  });

  test('the batch filter lists exactly the batch\'s runs, paged to the end', async () => {
    const tag = `rl-batch-${Date.now()}`;
    const outside = await tasks.trigger('list-own-queue', {}, { tags: [tag] });
    const result = await tasks.batchTrigger('list-own-queue', [0, 1, 2, 3, 4].map((i) => ({ payload: { i }, options: { tags: [tag] } })));
    await awaitListed(tag, 6);

    const seen = [];
    for await (const run of runs.list({ batch: result.batchId, tag, limit: 2 })) seen.push(run.id);
    assert.equal(seen.length, 5);
    assert.ok(!seen.includes(outside.id));
    assert.equal(new Set(seen).size, 5);
  });

  test('a bulk action matches nothing here, and an unknown machine is a 400', async () => {
    const none = await runs.list({ bulkAction: 'bulk_none' });
    assert.deepEqual(none.data, []);
    await assert.rejects(runs.list({ machine: 'huge-9x' }), (e) => e.status === 400 && /filter\[machine\]/.test(e.message));
  });
});
