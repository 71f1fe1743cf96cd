// Run management through the official @trigger.dev/sdk (4.8.3) only: replay, reschedule, idempotency-key reset,
// batch retrieve and results, run result and metadata, queues, deployments, packet download URLs. Worker
// registration and the runner's dequeue / attempt calls use plain fetch (the SDK does not make them). The
// replica is 500 ms behind the primary for the whole file (startService's default).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  BadRequestError, NotFoundError, batch, configure, deployments, idempotencyKeys, queues, runs, tasks,
} from '@trigger.dev/sdk';
import { apiClientManager } from '@trigger.dev/core/v3';
import { callService, eventually, startService } from './service.mjs';

let service;

/** A call with the secret key, or with a worker `token` (the runner's calls name their environment). */
const http = (method, path, body, token) => callService(service, method, path, body,
  token ? { token, headers: { 'x-trigger-worker-environment-id': service.environmentId } } : {});

/** The runner's dequeue (worker token): the ids of the runs it claimed. */
async function dequeue() {
  const claimed = await http('POST', '/engine/v1/worker-actions/dequeue', { maxRuns: 50 }, service.workerToken);
  return claimed;
}

/** Starts and completes a claimed run with {@code output} (an object, sent as SuperJSON like a worker does). */
async function complete(claim, output) {
  const base = `/engine/v1/worker-actions/runs/${claim.run.friendlyId}/snapshots`;
  const started = await http('POST', `${base}/${claim.snapshot.id}/attempts/start`, undefined, service.workerToken);
  await http('POST', `${base}/${started.snapshot.id}/attempts/complete`, {
    completion: { ok: true, output: JSON.stringify({ json: output }), outputType: 'application/super+json' },
  }, service.workerToken);
}

/** Dequeues until every id in {@code ids} was claimed (other tests' runs are claimed and completed too). */
async function runToCompletion(ids, output = (id) => ({ done: id })) {
  const pending = new Set(ids);
  await eventually(async () => {
    for (const claim of await dequeue()) {
      await complete(claim, output(claim.run.friendlyId));
      pending.delete(claim.run.friendlyId);
    }
    assert.equal(pending.size, 0, `not dequeued yet: ${[...pending]}`);
  });
}


before(async () => {
  // A generous start timeout: on a shared, loaded machine the embedded cluster can take minutes to boot.
  service = await startService({ timeoutMs: 600_000 });
  configure({ baseURL: service.baseURL, accessToken: service.secretKey });
  await http('POST', '/api/v1/deployments', {
    version: '1',
    tasks: [
      { slug: 'mgmt-task', queue: { name: 'mgmt', concurrencyLimit: 50 } },
      { slug: 'pause-task', queue: { name: 'pausable', concurrencyLimit: 10 } },
      { slug: 'own-queue-task' },
    ],
  });
});

after(async () => {
  await service?.stop();
});

describe('runs.replay', () => {
  test('a replayed run has the original task, payload and tags', async () => {
    const payload = { name: 'original', nested: { n: 1 }, when: new Date('2025-01-02T03:04:05.000Z') };
    const { id } = await tasks.trigger('mgmt-task', payload, { tags: ['replay-me'], metadata: { step: 'one' } });

    const replayed = await runs.replay(id);

    assert.notEqual(replayed.id, id);
    const run = await runs.retrieve(replayed.id);
    assert.equal(run.taskIdentifier, 'mgmt-task');
    assert.deepEqual(run.payload, { name: 'original', nested: { n: 1 }, when: '2025-01-02T03:04:05.000Z' });
    assert.deepEqual(run.tags, ['replay-me']);
    assert.deepEqual(run.metadata, { step: 'one' });
  });

  test('a replay with a new payload uses it', async () => {
    const { id } = await tasks.trigger('mgmt-task', { name: 'original' });

    const replayed = await runs.replay(id, { payload: { name: 'changed' }, tags: ['second'] });

    const run = await runs.retrieve(replayed.id);
    assert.deepEqual(run.payload, { name: 'changed' });
    assert.deepEqual(run.tags, ['second']);
  });

  test('replaying an unknown run is NotFoundError', async () => {
    await assert.rejects(runs.replay('run_doesnotexist000000000000'), NotFoundError);
  });
});

describe('runs.reschedule', () => {
  test("a rescheduled run's delayedUntil moves, by a duration or to a date", async () => {
    const { id } = await tasks.trigger('mgmt-task', { x: 1 }, { delay: '1h' });
    const before = (await runs.retrieve(id)).delayedUntil;
    assert.ok(before instanceof Date);

    const later = await runs.reschedule(id, { delay: '3h' });

    assert.equal(later.id, id);
    assert.equal(later.status, 'DELAYED');
    assert.ok(later.delayedUntil.getTime() - before.getTime() > 119 * 60_000,
      `${before.toISOString()} -> ${later.delayedUntil.toISOString()}`);
    const date = new Date(Date.now() + 5 * 3600_000);
    date.setMilliseconds(0);
    const toDate = await runs.reschedule(id, { delay: date });
    assert.equal(toDate.delayedUntil.getTime(), date.getTime());
    await eventually(async () => assert.equal((await runs.retrieve(id)).delayedUntil.getTime(), date.getTime()));
  });

  test('a run that is not delayed cannot be rescheduled', async () => {
    const { id } = await tasks.trigger('mgmt-task', { x: 1 });
    await assert.rejects(runs.reschedule(id, { delay: '1h' }), BadRequestError);
  });
});

describe('idempotencyKeys.reset', () => {
  test('after a reset the key creates a new run', async () => {
    const key = await idempotencyKeys.create(`reset-${randomUUID()}`, { scope: 'global' });
    const first = await tasks.trigger('mgmt-task', { n: 1 }, { idempotencyKey: key });
    const again = await tasks.trigger('mgmt-task', { n: 2 }, { idempotencyKey: key });
    assert.equal(again.id, first.id, 'the key deduplicates before the reset');

    const reset = await idempotencyKeys.reset('mgmt-task', key);

    assert.equal(typeof reset.id, 'string');
    const third = await tasks.trigger('mgmt-task', { n: 3 }, { idempotencyKey: key });
    assert.notEqual(third.id, first.id);
    await assert.rejects(idempotencyKeys.reset('mgmt-task', await idempotencyKeys.create(`never-${randomUUID()}`,
      { scope: 'global' })), NotFoundError);
  });
});

describe('batches, results and metadata', () => {
  test("batch.retrieve lists every run, and the batch's results list every item once they finished", async () => {
    const handle = await tasks.batchTrigger('own-queue-task', [
      { payload: { i: 0 } }, { payload: { i: 1 } }, { payload: { i: 2 } },
    ]);

    const retrieved = await batch.retrieve(handle.batchId);

    assert.equal(retrieved.id, handle.batchId);
    assert.equal(retrieved.runCount, 3);
    assert.equal(retrieved.status, 'COMPLETED');
    assert.equal(retrieved.runs.length, 3);
    await runToCompletion(retrieved.runs);
    const client = apiClientManager.clientOrThrow();
    const results = await eventually(async () => {
      const r = await client.getBatchResults(handle.batchId);
      assert.equal(r.items.length, 3);
      return r;
    });
    assert.equal(results.id, handle.batchId);
    assert.deepEqual(results.items.map((item) => item.id), retrieved.runs);
    for (const item of results.items) {
      assert.equal(item.ok, true);
      assert.deepEqual(JSON.parse(item.output).json, { done: item.id });
    }
  });

  test('getRunResult answers a finished run, and undefined before it finishes; getRunMetadata its metadata', async () => {
    const client = apiClientManager.clientOrThrow();
    const { id } = await tasks.trigger('own-queue-task', { r: 1 }, { metadata: { progress: 0.25, label: 'x' } });

    assert.deepEqual((await client.getRunMetadata(id)).metadata, { progress: 0.25, label: 'x' });
    assert.equal(await client.getRunResult(id), undefined);
    await runToCompletion([id], () => ({ answer: 42 }));
    const result = await client.getRunResult(id);
    assert.equal(result.ok, true);
    assert.equal(result.id, id);
    assert.equal(result.outputType, 'application/super+json');
    assert.deepEqual(JSON.parse(result.output).json, { answer: 42 });
  });

  test('an unknown batch is NotFoundError', async () => {
    await assert.rejects(batch.retrieve('batch_doesnotexist0000000000'), NotFoundError);
  });
});

describe('queues', () => {
  test('queues.list pages through every queue; retrieve finds a task queue by task id', async () => {
    const seen = [];
    for await (const queue of queues.list({ perPage: 1 })) {
      seen.push(`${queue.type}:${queue.name}`);
    }
    assert.ok(seen.includes('custom:mgmt'), seen.join());
    assert.ok(seen.includes('custom:pausable'), seen.join());
    assert.ok(seen.includes('task:own-queue-task'), seen.join());
    const first = await queues.list({ perPage: 1 });
    assert.equal(first.pagination.count, seen.length);

    const own = await queues.retrieve({ type: 'task', name: 'own-queue-task' });
    assert.equal(own.name, 'own-queue-task');
    assert.equal(own.type, 'task');
    const byId = await queues.retrieve(own.id);
    assert.equal(byId.name, 'own-queue-task');
    await assert.rejects(queues.retrieve({ type: 'custom', name: 'no-such-queue' }), NotFoundError);
  });

  test("a paused queue's run is not dequeued until the queue is resumed", async () => {
    const pausable = { type: 'custom', name: 'pausable' };
    const paused = await queues.pause(pausable);
    assert.equal(paused.paused, true);
    const { id } = await tasks.trigger('pause-task', { p: 1 });

    const whilePaused = await dequeue();
    assert.ok(!whilePaused.some((c) => c.run.friendlyId === id), 'a paused queue was dequeued');
    await eventually(async () => {
      const q = await queues.retrieve(pausable);
      assert.equal(q.paused, true);
      assert.ok(q.queued >= 1, `queued ${q.queued}`);
    });

    const resumed = await queues.resume(pausable);
    assert.equal(resumed.paused, false);
    const afterResume = await dequeue();
    assert.ok(afterResume.some((c) => c.run.friendlyId === id), 'the resumed queue was not dequeued');
    await eventually(async () => assert.ok((await queues.retrieve(pausable)).running >= 1));
  });

  test('a concurrency override of 0 holds runs back; reset restores the declared limit', async () => {
    const pausable = { type: 'custom', name: 'pausable' };
    const overridden = await queues.overrideConcurrencyLimit(pausable, 0);
    assert.equal(overridden.concurrencyLimit, 0);
    assert.equal(overridden.concurrency.override, 0);
    assert.equal(overridden.concurrency.base, 10);
    const { id } = await tasks.trigger('pause-task', { p: 2 });

    assert.ok(!(await dequeue()).some((c) => c.run.friendlyId === id), 'dequeued past a limit of 0');

    const reset = await queues.resetConcurrencyLimit(pausable);
    assert.equal(reset.concurrencyLimit, 10);
    assert.equal(reset.concurrency.override, null);
    assert.ok((await dequeue()).some((c) => c.run.friendlyId === id), 'not dequeued after the reset');
  });
});

describe('deployments and packets', () => {
  test('the development environment lists no deployments and has no current one', async () => {
    const page = await deployments.list();
    assert.deepEqual(page.data, []);
    await assert.rejects(deployments.retrieveCurrent(), NotFoundError);
  });

  test('getPayloadUrl answers a download URL for an uploaded packet', async () => {
    const client = apiClientManager.clientOrThrow();
    const path = `packets/${randomUUID()}/payload.json`;
    const upload = await client.createUploadPayloadUrl(path);
    const put = await fetch(upload.presignedUrl, {
      method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{"big":true}',
    });
    assert.ok(put.ok);

    const download = await client.getPayloadUrl(path);

    const res = await fetch(download.presignedUrl);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { big: true });
  });
});
