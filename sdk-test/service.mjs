// Boots trigger-api on the embedded cluster (primary + lagging replica + Redis) and reads the demo secret key and
// worker token it prints once on first start. The embedded cluster is dev-only machinery kept out of the production
// jar (it lives on the test classpath), so the service starts from the compiled classes and the classpath Maven
// writes to target/dev-classpath.txt — the same classes and dependencies the jar packages.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export async function startService({ replicaApplyDelay = '500ms', timeoutMs = 120_000 } = {}) {
  const target = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'target');
  const classpathFile = path.join(target, 'dev-classpath.txt');
  if (!existsSync(classpathFile) || !existsSync(path.join(target, 'test-classes'))) {
    throw new Error(`No compiled service in ${target}: run 'mvn test-compile' (or 'mvn package') first`);
  }
  const classpath = [path.join(target, 'classes'), path.join(target, 'test-classes'),
    readFileSync(classpathFile, 'utf8').trim()].join(path.delimiter);
  const port = await freePort();
  // Temporary files (embedded Redis, Tomcat work dirs, cluster data) stay under target/, not in /tmp.
  const tmp = path.join(target, 'test-tmp');
  mkdirSync(tmp, { recursive: true });
  const child = spawn('java', [`-Djava.io.tmpdir=${tmp}`, '-cp', classpath, 'dev.triggerapi.TriggerApiApplication'], {
    env: {
      ...process.env,
      PORT: String(port),
      LOCAL_CLUSTER_ENABLED: 'true',
      LOCAL_CLUSTER_SEED_DEMO: 'true',
      LOCAL_CLUSTER_REPLICA_APPLY_DELAY: replicaApplyDelay,
      DATABASE_URL: '',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const found = {};
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      // A service that never got ready must not outlive the test run (node would wait for it forever).
      child.kill('SIGKILL');
      reject(new Error(`service did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      const key = output.match(/secret key\s+:\s+(\S+)/);
      const token = output.match(/worker token\s+:\s+(\S+)/);
      const env = output.match(/environment\s+:\s+(\S+)/);
      if (key) found.secretKey = key[1];
      if (token) found.workerToken = token[1];
      if (env) found.environmentId = env[1];
      if (found.secretKey && found.workerToken && /Started TriggerApiApplication/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`service exited with ${code}:\n${output}`));
    });
  });
  await ready;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    ...found,
    output: () => output,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A JSON call to the service, authorized with `token` (the secret key by default); asserts a 2xx answer and returns
 * the parsed body.
 */
export async function callService(service, method, path, body, { token = service.secretKey, headers = {} } = {}) {
  const res = await fetch(service.baseURL + path, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path} -> ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

/** Retries `fn` until it stops throwing, then returns its result; rethrows its last error after `timeoutMs`. */
export async function eventually(fn, { timeoutMs = 15_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      return await fn();
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
  throw last;
}
