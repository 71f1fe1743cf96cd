// Realtime through the official @trigger.dev/sdk (4.8.3) only: runs.subscribeToRun, subscribeToRunsWithTag and
// subscribeToBatch speak the Electric shape protocol (@electric-sql/client 1.0.14). The replica is 500 ms
// behind the primary for the whole file, so every update has to get past the read-your-writes gate. Runs are
// driven through the runner endpoints with the worker token (plain fetch: the SDK has no runner client).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { auth, batch, configure, runs, tasks } from '@trigger.dev/sdk';
import { ApiClient } from '@trigger.dev/core/v3';
import { callService, startService } from './service.mjs';

let service;

const call = (method, path, body, token) => callService(service, method, path, body, { token });

const api = (method, path, body) => call(method, path, body, service.secretKey);
const worker = (method, path, body) => call(method, `/engine/v1/worker-actions${path}`, body, service.workerToken);

/** Dequeues until `runId` is among the dequeued runs; other runs dequeued on the way are returned too. */
async function dequeue(runIds) {
  const wanted = new Set(runIds);
  const found = new Map();
  const deadline = Date.now() + 20_000;
  while (found.size < wanted.size) {
    assert.ok(Date.now() < deadline, `runs ${[...wanted]} were never dequeued`);
    const results = await worker('POST', '/dequeue', { maxRuns: 50 });
    for (const r of results) found.set(r.run.friendlyId, r);
    if (results.length === 0) await new Promise((r) => setTimeout(r, 100));
  }
  return found;
}

async function start(result) {
  return worker('POST', `/runs/${result.run.friendlyId}/snapshots/${result.snapshot.id}/attempts/start`);
}

async function complete(started, output) {
  return worker('POST', `/runs/${started.run.friendlyId}/snapshots/${started.snapshot.id}/attempts/complete`,
    { completion: { ok: true, output: JSON.stringify(output), outputType: 'application/json' } });
}

/** Collects what a subscription yields until `done(runs)` holds; fails (instead of hanging) after `timeoutMs`. */
async function collect(subscription, done, { timeoutMs = 20_000 } = {}) {
  const seen = [];
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      subscription.unsubscribe();
      reject(new Error(`timed out; saw ${JSON.stringify(seen.map((r) => [r.id, r.status]))}`));
    }, timeoutMs);
  });
  const loop = (async () => {
    for await (const run of subscription) {
      seen.push(run);
      if (done(seen)) {
        subscription.unsubscribe();
        break;
      }
    }
    return seen;
  })();
  try {
    return await Promise.race([loop, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the subscription has yielded something satisfying `predicate`. */
function waitFor(seen, predicate, label, timeoutMs = 60_000) {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + timeoutMs;
    const check = () => {
      const hit = seen.find(predicate);
      if (hit) return resolve(hit);
      if (Date.now() > deadline) return reject(new Error(`never saw ${label}; saw ${JSON.stringify(seen.map((r) => r.status))}`));
      setTimeout(check, 20);
    };
    check();
  });
}

/** Subscriptions iterated in the background: ended in `after`, or their clients would retry forever. */
const followed = [];

/** Iterates a subscription in the background, recording every run it yields; `ended` resolves when the loop ends. */
function follow(subscription) {
  followed.push(subscription);
  const seen = [];
  const ended = (async () => {
    for await (const run of subscription) seen.push(run);
  })();
  return { seen, ended };
}

before(async () => {
  // A generous start timeout: the machine running the suite may be shared and busy.
  service = await startService({ replicaApplyDelay: '500ms', timeoutMs: 1_500_000 });
  configure({ baseURL: service.baseURL, accessToken: service.secretKey });
  await api('POST', '/api/v1/deployments', {
    version: '1',
    tasks: [{ slug: 'realtime-task', queue: { name: 'realtime', concurrencyLimit: 50 } }],
  });
});

after(async () => {
  try {
    for (const subscription of followed) subscription.unsubscribe();
  } finally {
    await service?.stop();
  }
});

/** Drives one run through its lifecycle while a subscription follows it. */
async function lifecycleThrough(subscribe) {
  const handle = await tasks.trigger('realtime-task', { hello: 'world' });
  const { seen, ended } = follow(subscribe(handle));
  await waitFor(seen, (r) => r.status === 'QUEUED', 'QUEUED');
  const dequeued = (await dequeue([handle.id])).get(handle.id);
  const started = await start(dequeued);
  await waitFor(seen, (r) => r.status === 'EXECUTING', 'EXECUTING');
  await complete(started, { answer: 42 });
  await Promise.race([ended, new Promise((_, reject) => setTimeout(() => reject(new Error('closeOnComplete did not end the loop')), 60_000))]);
  const statuses = seen.map((r) => r.status);
  assert.deepEqual(statuses.filter((s, i) => s !== statuses[i - 1]).filter((s) => s !== 'DEQUEUED'),
    ['QUEUED', 'EXECUTING', 'COMPLETED']);
  const last = seen.at(-1);
  assert.equal(last.id, handle.id);
  assert.equal(last.status, 'COMPLETED');
  assert.ok(last.isSuccess && last.isCompleted);
  assert.deepEqual(last.output, { answer: 42 });
  assert.deepEqual(last.payload, { hello: 'world' });
  assert.ok(last.finishedAt instanceof Date);
  return handle;
}

describe('runs.subscribeToRun', () => {
  test('yields QUEUED, EXECUTING, then COMPLETED with the output, and closeOnComplete ends the loop', async () => {
    await lifecycleThrough((handle) => runs.subscribeToRun(handle.id));
  });

  test('metadata updates arrive with the content of that update', async () => {
    const handle = await tasks.trigger('realtime-task', { meta: true }, { metadata: { step: 0 } });
    const { seen } = follow(runs.subscribeToRun(handle.id, { stopOnCompletion: false }));
    await waitFor(seen, (r) => r.metadata?.step === 0, 'step 0');
    for (let step = 1; step <= 5; step++) {
      await api('PUT', `/api/v1/runs/${handle.id}/metadata`, { metadata: { step, label: `s${step}` } });
      const hit = await waitFor(seen, (r) => r.metadata?.step === step, `step ${step}`);
      assert.equal(hit.metadata.label, `s${step}`);
    }
    // Never an older update after a newer one.
    const steps = seen.map((r) => r.metadata?.step);
    assert.deepEqual(steps, [...steps].sort((a, b) => a - b));
    await runs.cancel(handle.id);
  });

  test('skipColumns leaves the payload out', async () => {
    const handle = await tasks.trigger('realtime-task', { secret: 'payload' });
    const [run] = await collect(runs.subscribeToRun(handle.id, { skipColumns: ['payload'] }), (s) => s.length >= 1);
    assert.equal(run.id, handle.id);
    assert.equal(run.payload, undefined);
    await runs.cancel(handle.id);
  });
});

describe('runs.subscribeToRunsWithTag', () => {
  test('sees runs created after subscribing', async () => {
    const tag = `live-${Date.now()}`;
    const { seen } = follow(runs.subscribeToRunsWithTag(tag));
    await new Promise((r) => setTimeout(r, 1000));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await tasks.trigger('realtime-task', { i }, { tags: [tag] })).id);
    for (const id of ids) await waitFor(seen, (r) => r.id === id, id);
    assert.ok(seen.every((r) => r.tags.includes(tag)));
  });
});

describe('runs.subscribeToBatch', () => {
  test('sees every item of a 20-item batch reach a final status', async () => {
    const result = await batch.trigger(Array.from({ length: 20 }, (_, i) => ({ id: 'realtime-task', payload: { i } })));
    const { seen } = follow(runs.subscribeToBatch(result.batchId));
    // The batch's runs, as the subscription reports them (the trigger answer carries only the batch id).
    await waitFor(seen, () => new Set(seen.map((r) => r.id)).size === 20, '20 runs');
    const ids = [...new Set(seen.map((r) => r.id))];
    assert.ok(seen.every((r) => r.status === 'QUEUED'));
    const dequeued = await dequeue(ids);
    for (const id of ids) {
      const started = await start(dequeued.get(id));
      await complete(started, { id });
    }
    for (const id of ids) await waitFor(seen, (r) => r.id === id && r.status === 'COMPLETED', `${id} COMPLETED`);
    const finals = new Map();
    for (const r of seen) finals.set(r.id, r);
    assert.equal(finals.size, 20);
    for (const id of ids) assert.deepEqual(finals.get(id).output, { id });
  });
});

describe('public access tokens', () => {
  test('auth.createPublicToken scoped to a run reads that run', async () => {
    const handle = await tasks.trigger('realtime-task', { token: 'public' });
    const token = await auth.createPublicToken({ scopes: { read: { runs: [handle.id] } } });
    const [run] = await auth.withAuth({ accessToken: token },
      () => collect(runs.subscribeToRun(handle.id), (s) => s.length >= 1));
    assert.equal(run.id, handle.id);
    assert.equal(run.status, 'QUEUED');
    await runs.cancel(handle.id);
  });

  test('the lifecycle through a public token created by the SDK', async () => {
    await lifecycleThrough((handle) => {
      const tokenPromise = auth.createPublicToken({ scopes: { read: { runs: [handle.id] } } });
      return lazySubscription(tokenPromise, handle.id);
    });
  });

  test('the lifecycle through the x-trigger-jwt of the trigger response', async () => {
    await lifecycleThrough((handle) => {
      assert.ok(handle.publicAccessToken, 'trigger returned no public access token');
      return lazySubscription(Promise.resolve(handle.publicAccessToken), handle.id);
    });
  });

  test("the token's realtime.skipColumns leaves those columns out of what the SDK yields", async () => {
    const handle = await tasks.trigger('realtime-task', { secret: 'payload' }, { metadata: { shown: true } });
    const first = (accessToken) => auth.withAuth({ accessToken },
      () => collect(runs.subscribeToRun(handle.id), (s) => s.length >= 1)).then(([run]) => run);
    const scopes = { read: { runs: [handle.id] } };
    // Without the claim the same subscription shows the payload: what the claim removes is really there.
    const shown = await first(await auth.createPublicToken({ scopes }));
    assert.deepEqual(shown.payload, { secret: 'payload' });
    // Signed by the SDK with the secret key.
    const hidden = await first(await auth.createPublicToken({ scopes, realtime: { skipColumns: ['payload'] } }));
    assert.equal(hidden.id, handle.id);
    assert.equal(hidden.payload, undefined);
    assert.deepEqual(hidden.metadata, { shown: true });
    // Minted by the service (what the SDK asks for with a credential that cannot sign).
    const { token: minted } = await api('POST', '/api/v1/auth/public-tokens',
      { scopes: [`read:runs:${handle.id}`], realtime: { skipColumns: ['payload'] } });
    const viaMinted = await first(minted);
    assert.equal(viaMinted.id, handle.id);
    assert.equal(viaMinted.payload, undefined);
    await runs.cancel(handle.id);
  });

  test('a token for another run is refused with an SDK error, not a hang', async () => {
    // runs.subscribeToRun in SDK 4.8.3 drops fetch errors (its iterator just never yields); the SDK's API client,
    // which the React hooks use, reports them through onFetchError. Both see the same immediate 401.
    const mine = await tasks.trigger('realtime-task', { mine: true });
    const other = await tasks.trigger('realtime-task', { other: true });
    const token = await auth.createPublicToken({ scopes: { read: { runs: [mine.id] } } });
    const refusal = (accessToken, runId) => new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('hung instead of failing')), 15_000);
      const subscription = new ApiClient(service.baseURL, accessToken).subscribeToRun(runId, {
        onFetchError: (e) => {
          clearTimeout(timer);
          subscription.unsubscribe();
          resolve(e);
        },
      });
      (async () => {
        for await (const run of subscription) {
          clearTimeout(timer);
          reject(new Error(`read ${run.id} with a token for ${mine.id}`));
        }
      })().catch(reject);
    });
    assert.equal((await refusal(token, other.id)).status, 401);
    const forged = token.slice(0, -4) + (token.endsWith('AAAA') ? 'BBBB' : 'AAAA');
    assert.equal((await refusal(forged, mine.id)).status, 401);
    const expired = await auth.createPublicToken({ scopes: { read: { runs: [mine.id] } }, expirationTime: Math.floor(Date.now() / 1000) - 60 });
    assert.equal((await refusal(expired, mine.id)).status, 401);
    await runs.cancel(mine.id);
    await runs.cancel(other.id);
  });
});

/**
 * A RunSubscription-like iterable that creates the subscription once the token promise resolves
 * (`auth.withAuth` is asynchronous: it returns a promise of what its callback returns).
 */
function lazySubscription(tokenPromise, runId) {
  // withAuth resolves to what its callback returns: the subscription.
  const ready = tokenPromise.then((token) => auth.withAuth({ accessToken: token }, () => runs.subscribeToRun(runId)));
  return {
    async *[Symbol.asyncIterator]() {
      const subscription = await ready;
      for await (const run of subscription) yield run;
    },
    unsubscribe() {
      ready.then((subscription) => subscription.unsubscribe());
    },
  };
}
