// The official @trigger.dev/sdk (4.8.3) is the judge: every call below goes through the SDK only (plus
// plain fetch for worker registration, which the SDK does not do). The service runs with its replica
// 500 ms behind the primary for the whole suite, so every read path is exercised under real lag.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  AuthenticationError, BadRequestError, NotFoundError, UnprocessableEntityError,
  batch, configure, runs, tasks,
} from '@trigger.dev/sdk';
import { callService, eventually, startService } from './service.mjs';

let service;

const api = (method, path, body) => callService(service, method, path, body);


function notSchemaError(e) {
  assert.notEqual(e?.name, 'ApiSchemaValidationError', `schema validation failed: ${e?.message}`);
}

before(async () => {
  service = await startService({ replicaApplyDelay: '500ms' });
  configure({ baseURL: service.baseURL, accessToken: service.secretKey });
  await api('POST', '/api/v1/deployments', {
    version: '1',
    tasks: [
      { slug: 'hello-world', queue: { name: 'hello', concurrencyLimit: 5 } },
      { slug: 'other-task', ttl: '1h', queue: { name: 'other', concurrencyLimit: 2 } },
    ],
  });
});

after(async () => {
  await service?.stop();
});

describe('tasks.trigger', () => {
  test('triggers with every option and reads the run back', async () => {
    const handle = await tasks.trigger('hello-world', { name: 'x', n: 1 }, {
      tags: ['sdk', 'every-option'],
      metadata: { step: 'one', nested: { a: 1 } },
      ttl: '1h',
      maxAttempts: 3,
      maxDuration: 300,
      machine: 'small-1x',
      priority: 10,
      concurrencyKey: 'user-1',
      queue: 'hello',
      idempotencyKey: `every-option-${Date.now()}`,
      idempotencyKeyTTL: '1h',
    });
    assert.match(handle.id, /^run_/);
    // The server issues the public token (x-trigger-jwt); a self-signed one would carry iss https://id.trigger.dev.
    const claims = JSON.parse(Buffer.from(handle.publicAccessToken.split('.')[1], 'base64url').toString());
    assert.notEqual(claims.iss, 'https://id.trigger.dev', 'token is server-issued, not self-signed by the SDK');
    assert.deepEqual(claims.scopes, [`read:runs:${handle.id}`]);
    assert.equal(claims.sub, service.environmentId);

    const run = await runs.retrieve(handle.id);
    assert.equal(run.id, handle.id);
    assert.equal(run.taskIdentifier, 'hello-world');
    assert.equal(run.status, 'QUEUED');
    assert.deepEqual(run.payload, { name: 'x', n: 1 });
    assert.deepEqual([...run.tags].sort(), ['every-option', 'sdk']);
    assert.deepEqual(run.metadata, { step: 'one', nested: { a: 1 } });
    assert.equal(run.isQueued, true);
    assert.equal(run.isCompleted, false);
    assert.ok(run.createdAt instanceof Date);
  });

  test('a delayed trigger is DELAYED', async () => {
    const handle = await tasks.trigger('hello-world', { later: true }, { delay: '10m' });
    const run = await runs.retrieve(handle.id);
    assert.equal(run.status, 'DELAYED');
    assert.ok(run.delayedUntil instanceof Date);
  });

  test('the same idempotency key twice gives one run', async () => {
    const key = `idem-${Date.now()}`;
    const first = await tasks.trigger('hello-world', { i: 1 }, { idempotencyKey: key });
    const second = await tasks.trigger('hello-world', { i: 2 }, { idempotencyKey: key });
    assert.equal(second.id, first.id);
    const run = await runs.retrieve(first.id);
    assert.deepEqual(run.payload, { i: 1 });
  });

  test('a 200 KB payload is offloaded and comes back intact', async () => {
    const big = { blob: 'x'.repeat(200_000), when: 'now' };
    const handle = await tasks.trigger('hello-world', big);
    const run = await runs.retrieve(handle.id);
    assert.deepEqual(run.payload, big);
  });

  test('a version-locked trigger right after registering the version succeeds while the replica lags', async () => {
    await api('POST', '/api/v1/deployments', {
      version: '2',
      tasks: [{ slug: 'hello-world', queue: { name: 'hello-v2', concurrencyLimit: 1 } }],
    });
    const handle = await tasks.trigger('hello-world', { locked: true }, { version: '2' });
    assert.match(handle.id, /^run_/);
  });
});

describe('batch.trigger', () => {
  test('50 items across two tasks', async () => {
    const items = Array.from({ length: 50 }, (_, i) => ({
      id: i % 2 === 0 ? 'hello-world' : 'other-task',
      payload: { i },
      options: { tags: ['batch-50'] },
    }));
    const result = await batch.trigger(items);
    assert.match(result.batchId, /^batch_/);
    assert.equal(result.runCount, 50);
    const listed = await eventually(async () => {
      const seen = [];
      for await (const run of runs.list({ tag: 'batch-50', limit: 20 })) seen.push(run);
      assert.equal(seen.length, 50);
      return seen;
    });
    assert.equal(new Set(listed.map((r) => r.id)).size, 50);
    assert.deepEqual(new Set(listed.map((r) => r.taskIdentifier)), new Set(['hello-world', 'other-task']));
  });
});

describe('runs.list', () => {
  test('filters by status, task, tag and time, and pages with getNextPage', async () => {
    const from = new Date(Date.now() - 60_000);
    const tag = `list-${Date.now()}`;
    const ids = [];
    for (let i = 0; i < 7; i++) {
      ids.push((await tasks.trigger('other-task', { i }, { tags: [tag] })).id);
    }
    // The runs list is fed asynchronously (replica, or ClickHouse through replication): wait until all
    // seven runs are listed before walking the pages.
    await eventually(async () => {
      const all = await runs.list({ tag, limit: 100 });
      assert.equal(all.data.length, 7);
    });
    const page = await runs.list({ status: ['QUEUED'], taskIdentifier: 'other-task', tag, from, to: new Date(Date.now() + 60_000), limit: 3 });
    assert.equal(page.data.length, 3);
    assert.ok(page.data.every((r) => r.status === 'QUEUED' && r.taskIdentifier === 'other-task'));
    assert.ok(page.data.every((r) => r.env && r.env.id && r.env.name));
    const collected = [...page.data];
    let current = page;
    while (current.hasNextPage()) {
      current = await current.getNextPage();
      collected.push(...current.data);
    }
    assert.deepEqual(new Set(collected.map((r) => r.id)), new Set(ids));
    const newestFirst = collected.map((r) => r.createdAt.getTime());
    assert.deepEqual(newestFirst, [...newestFirst].sort((a, b) => b - a));
  });
});

describe('runs.cancel', () => {
  test('cancels a queued run', async () => {
    const handle = await tasks.trigger('hello-world', { cancel: true });
    const canceled = await runs.cancel(handle.id);
    assert.equal(canceled.id, handle.id);
    const run = await eventually(async () => {
      const r = await runs.retrieve(handle.id);
      assert.equal(r.status, 'CANCELED');
      return r;
    });
    assert.equal(run.isCancelled, true);
    assert.equal(run.isCompleted, true);
  });
});

describe('errors', () => {
  test('a wrong key is an AuthenticationError', async () => {
    configure({ baseURL: service.baseURL, accessToken: 'tr_dev_wrongwrongwrong' });
    try {
      await assert.rejects(runs.retrieve('run_doesnotmatter'), (e) => {
        notSchemaError(e);
        return e instanceof AuthenticationError;
      });
    } finally {
      configure({ baseURL: service.baseURL, accessToken: service.secretKey });
    }
  });

  test('an unknown run is a NotFoundError', async () => {
    await assert.rejects(runs.retrieve('run_unknown0000000000000000'), (e) => {
      notSchemaError(e);
      return e instanceof NotFoundError;
    });
  });

  test('a bad trigger is a BadRequestError or UnprocessableEntityError', async () => {
    await assert.rejects(tasks.trigger('hello-world', { ok: true }, { tags: Array.from({ length: 20 }, (_, i) => `t${i}`) }), (e) => {
      notSchemaError(e);
      return e instanceof BadRequestError || e instanceof UnprocessableEntityError;
    });
    await assert.rejects(tasks.trigger('hello-world', { ok: true }, { delay: 'not-a-duration' }), (e) => {
      notSchemaError(e);
      return e instanceof BadRequestError || e instanceof UnprocessableEntityError;
    });
  });
});
