// Trigger options through the official @trigger.dev/sdk (4.8.3): concurrencyKey (each key gets the queue's limit),
// priority (a head start in seconds, fractions included), debounce (leading and trailing), and a cancelled run's idempotency key.
// Registration and the runner's dequeue use plain fetch (the SDK does not make those calls).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { configure, runs, tasks } from '@trigger.dev/sdk';
import { callService, eventually, startService } from './service.mjs';

let service;

const http = (method, path, body, token) => callService(service, method, path, body,
  token ? { token, headers: { 'x-trigger-worker-environment-id': service.environmentId } } : {});

/** The runner's dequeue: the claims (each `{run, snapshot}`). */
const dequeue = (maxRuns) => http('POST', '/engine/v1/worker-actions/dequeue', { maxRuns }, service.workerToken);

async function complete(claim) {
  const base = `/engine/v1/worker-actions/runs/${claim.run.friendlyId}/snapshots`;
  const started = await http('POST', `${base}/${claim.snapshot.id}/attempts/start`, undefined, service.workerToken);
  await http('POST', `${base}/${started.snapshot.id}/attempts/complete`, {
    completion: { ok: true, output: JSON.stringify({ json: {} }), outputType: 'application/super+json' },
  }, service.workerToken);
}

/** Claims and completes everything queued, so each test starts from an empty queue. */
async function drain() {
  for (let claims = await dequeue(50); claims.length > 0; claims = await dequeue(50)) {
    for (const claim of claims) {
      await complete(claim);
    }
  }
}

before(async () => {
  // A generous start timeout: on a shared, loaded machine the embedded cluster can take many minutes to boot.
  service = await startService({ timeoutMs: 1_200_000 });
  configure({ baseURL: service.baseURL, accessToken: service.secretKey });
  await http('POST', '/api/v1/deployments', {
    version: '1',
    tasks: [
      { slug: 'tenant-sync', queue: { name: 'per-tenant', concurrencyLimit: 1 } },
      { slug: 'ordered' },
      { slug: 'digest' },
    ],
  });
});

after(async () => {
  await service?.stop();
});

describe('concurrencyKey', () => {
  test('each key gets the queue limit on its own', async () => {
    await drain();
    const triggered = [];
    for (const tenant of ['tenant-a', 'tenant-b', 'tenant-c']) {
      for (let i = 0; i < 2; i++) {
        triggered.push(await tasks.trigger('tenant-sync', { tenant, i }, { concurrencyKey: tenant }));
      }
    }

    const first = await dequeue(50);
    assert.deepEqual(first.map((c) => c.run.concurrencyKey).sort(), ['tenant-a', 'tenant-b', 'tenant-c'],
      'one run per key with a queue limit of 1');
    assert.deepEqual(await dequeue(50), [], 'every key is at its limit');

    await complete(first.find((c) => c.run.concurrencyKey === 'tenant-b'));
    const next = await dequeue(50);
    assert.deepEqual(next.map((c) => c.run.concurrencyKey), ['tenant-b']);
    // runs.retrieve reads the replica, 500 ms behind in this suite: the dequeue shows once it has replayed it.
    await eventually(async () => {
      const retrieved = await runs.retrieve(next[0].run.friendlyId);
      assert.equal(retrieved.status, 'DEQUEUED');
    });
    assert.ok(triggered.some((h) => h.id === next[0].run.friendlyId));

    for (const claim of first.filter((c) => c.run.concurrencyKey !== 'tenant-b').concat(next)) {
      await complete(claim);
    }
    await drain();
  });
});

describe('priority', () => {
  test('a run triggered later with a 60 s head start is dequeued first', async () => {
    await drain();
    const older = await tasks.trigger('ordered', { which: 'older' });
    const newer = await tasks.trigger('ordered', { which: 'newer' }, { priority: 60 });

    const order = [];
    for (let claims = await dequeue(1); claims.length > 0; claims = await dequeue(1)) {
      order.push(claims[0].run.friendlyId);
      await complete(claims[0]);
    }
    assert.deepEqual(order, [newer.id, older.id]);
  });

  test('fractional priorities (the SDK types priority as any number) are accepted, ordered and kept exact', async () => {
    await drain();
    const half = await tasks.trigger('ordered', { which: 'half' }, { priority: 0.5 });
    const most = await tasks.trigger('ordered', { which: 'most' }, { priority: 60.25 });
    const none = await tasks.trigger('ordered', { which: 'none' }, { priority: 0 });

    const claims = [];
    for (let next = await dequeue(1); next.length > 0; next = await dequeue(1)) {
      claims.push(next[0]);
      await complete(next[0]);
    }
    // 60.25 s overtakes both; 0.5 s keeps the half-second run ahead of the one triggered after it without priority.
    assert.deepEqual(claims.map((c) => c.run.friendlyId), [most.id, half.id, none.id]);
    // The runner gets the head start in seconds, as the SDK's ctx.run.priority has it.
    assert.deepEqual(claims.map((c) => c.run.priority), [60.25, 0.5, 0]);
  });

  test('a priority that is no number of seconds is refused, not dropped', async () => {
    // (NaN cannot reach the service: JSON.stringify sends it as null, which is no priority.)
    await assert.rejects(tasks.trigger('ordered', {}, { priority: '5' }), (error) => error.status === 400);
    await assert.rejects(tasks.trigger('ordered', {}, { priority: 1e9 }), (error) => error.status === 400);
  });
});

describe('debounce', () => {
  async function fiveTriggers(mode) {
    const key = `user-${randomUUID()}`;
    const handles = [];
    for (let n = 1; n <= 5; n++) {
      // A one-hour window: the five triggers fall inside it however slow the machine is.
      handles.push(await tasks.trigger('digest', { n }, { debounce: { key, delay: '1h', ...(mode ? { mode } : {}) } }));
    }
    return handles;
  }

  test('five triggers in the window give one delayed run with the first payload (leading, the default)', async () => {
    const handles = await fiveTriggers();

    assert.equal(new Set(handles.map((h) => h.id)).size, 1);
    const run = await runs.retrieve(handles[0].id);
    assert.equal(run.status, 'DELAYED');
    assert.deepEqual(run.payload, { n: 1 });
    assert.ok(run.delayedUntil.getTime() > Date.now() + 55 * 60_000, `delayed until ${run.delayedUntil.toISOString()}`);
  });

  test('in trailing mode the one run carries the last payload', async () => {
    const handles = await fiveTriggers('trailing');

    assert.equal(new Set(handles.map((h) => h.id)).size, 1);
    // runs.retrieve reads the replica (500 ms behind here): the run exists there at once, its last push a moment later.
    await eventually(async () => assert.deepEqual((await runs.retrieve(handles[0].id)).payload, { n: 5 }));
  });
});

describe('idempotency', () => {
  test("a cancelled run's idempotency key still deduplicates", async () => {
    const idempotencyKey = `order-${randomUUID()}`;
    const first = await tasks.trigger('ordered', { attempt: 1 }, { idempotencyKey });
    await runs.cancel(first.id);

    const again = await tasks.trigger('ordered', { attempt: 2 }, { idempotencyKey });

    assert.equal(again.id, first.id);
    assert.equal((await runs.retrieve(first.id)).status, 'CANCELED');
  });
});
