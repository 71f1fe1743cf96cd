// schedules.* through the official SDK (4.8.3): every response is validated by the SDK's own zod schemas
// (ScheduleObject, ListSchedulesResult, DeletedScheduleObject). The service's replica lags 500 ms, so reads that
// follow a write wait with `eventually` (a list reads the replica). The last test waits for a real one-minute
// cron instant (at most ~70 s): it is the only clock-sensitive part and runs once per CI run.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { UnprocessableEntityError, configure, runs, schedules } from '@trigger.dev/sdk';
import { callService, eventually, startService } from './service.mjs';

let service;
// Deduplication keys are unique per run, so a re-run against a kept service creates rather than upserts.
const suffix = Date.now();

const api = (method, path, body) => callService(service, method, path, body);


before(async () => {
  // A generous start-up bound: CI machines are shared and a cold JVM plus the embedded cluster can be slow.
  service = await startService({ replicaApplyDelay: '500ms', timeoutMs: 300_000 });
  configure({ baseURL: service.baseURL, accessToken: service.secretKey });
  await api('POST', '/api/v1/deployments', {
    version: 'schedules-1',
    tasks: [{ slug: 'report' }],
  });
});

after(async () => {
  await service?.stop();
});

describe('schedules', () => {
  test('create, list, retrieve, update, deactivate, activate and delete', async () => {
    const baseline = (await schedules.list({ perPage: 1 })).pagination.count;
    const created = await schedules.create({
      task: 'report', cron: '0 9 * * 1-5', timezone: 'Europe/London', externalId: 'user_1',
      deduplicationKey: `user_1-report-${suffix}`,
    });
    assert.match(created.id, /^sched_/);
    assert.equal(created.type, 'IMPERATIVE');
    assert.equal(created.task, 'report');
    assert.equal(created.active, true);
    assert.equal(created.externalId, 'user_1');
    assert.equal(created.generator.type, 'CRON');
    assert.equal(created.generator.expression, '0 9 * * 1-5');
    assert.ok(created.generator.description.length > 0);
    assert.equal(created.timezone, 'Europe/London');
    assert.ok(created.nextRun instanceof Date && created.nextRun.getTime() > Date.now());
    assert.equal(created.environments[0].id, service.environmentId);

    const again = await schedules.create({
      task: 'report', cron: '30 9 * * 1-5', timezone: 'Europe/London', externalId: 'user_1',
      deduplicationKey: `user_1-report-${suffix}`,
    });
    assert.equal(again.id, created.id, 'the same deduplication key updates the schedule');
    assert.equal(again.generator.expression, '30 9 * * 1-5');

    const other = await schedules.create({ task: 'report', cron: '0 0 * * *', deduplicationKey: `nightly-${suffix}` });
    await eventually(async () => {
      const page = await schedules.list({ perPage: 1 });
      assert.equal(page.data.length, 1);
      assert.equal(page.pagination.count, baseline + 2);
      assert.equal(page.pagination.totalPages, baseline + 2);
      const last = await schedules.list({ page: baseline + 2, perPage: 1 });
      assert.equal(last.data[0].id, other.id, 'oldest first: the newest schedule is on the last page');
    });

    const retrieved = await schedules.retrieve(created.id);
    assert.equal(retrieved.id, created.id);

    const updated = await schedules.update(created.id, { task: 'report', cron: '0 10 * * *', timezone: 'Asia/Tokyo' });
    assert.equal(updated.generator.expression, '0 10 * * *');
    assert.equal(updated.timezone, 'Asia/Tokyo');

    const deactivated = await schedules.deactivate(created.id);
    assert.equal(deactivated.active, false);
    const activated = await schedules.activate(created.id);
    assert.equal(activated.active, true);
    assert.ok(activated.nextRun instanceof Date);

    const deleted = await schedules.del(created.id);
    assert.equal(deleted.id, created.id);
    // Retrieve reads the replica first (500 ms behind here): the delete shows there once the replica applies it.
    await eventually(() => assert.rejects(schedules.retrieve(created.id), (e) => e.status === 404));
    await schedules.del(other.id);
  });

  test('an invalid cron or timezone is an UnprocessableEntityError with a clear message', async () => {
    await assert.rejects(
      schedules.create({ task: 'report', cron: '61 * * * *', deduplicationKey: 'bad' }),
      (e) => e instanceof UnprocessableEntityError && /Invalid cron expression '61 \* \* \* \*'/.test(e.message));
    await assert.rejects(
      schedules.create({ task: 'report', cron: '0 * * * *', timezone: 'Mars/Olympus', deduplicationKey: 'bad' }),
      (e) => e instanceof UnprocessableEntityError && /Invalid timezone 'Mars\/Olympus'/.test(e.message));
  });

  test('a one-minute cron fires a run with the scheduled-task payload', async () => {
    const task = `tick-${suffix}`; // only this run's schedule fires runs of it
    const schedule = await schedules.create({
      task, cron: '* * * * *', externalId: 'ext-tick', deduplicationKey: `tick-every-minute-${suffix}`,
    });
    const due = schedule.nextRun.getTime();
    // The scheduler ticks every second: the run appears within moments of the next minute boundary.
    const run = await eventually(async () => {
      const page = await runs.list({ taskIdentifier: task, limit: 10 });
      assert.ok(page.data.length >= 1, 'no scheduled run yet');
      return page.data[page.data.length - 1];
    }, { timeoutMs: Math.max(0, due - Date.now()) + 20_000, intervalMs: 1_000 });
    const retrieved = await runs.retrieve(run.id);
    assert.equal(retrieved.taskIdentifier, task);
    assert.equal(retrieved.payload.scheduleId, schedule.id);
    assert.equal(retrieved.payload.type, 'IMPERATIVE');
    assert.equal(new Date(retrieved.payload.timestamp).getTime(), due);
    assert.equal(retrieved.payload.externalId, 'ext-tick');
    assert.equal(retrieved.payload.timezone, 'UTC');
    assert.equal(retrieved.payload.upcoming.length, 5);
    assert.equal(new Date(retrieved.payload.upcoming[0]).getTime(), due + 60_000);
    await schedules.del(schedule.id);
  });
});
