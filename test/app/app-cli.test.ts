// --app through the real command line: the module's routes in front of the files, fall-through,
// per-route metrics labelled by pattern, workers, HTTPS, the environment variable, and start-up
// errors for bad modules that name the file.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Agent, fetch as undiciFetch } from 'undici';
import { runCli, startCli, tempDir, type CliRun } from '../support/config-helpers.ts';
import { h2connect, h2request } from '../support/h2-client.ts';

const APP = `
export default function app(api) {
  const r = new api.Router();
  r.get('/api/items/:id(\\\\d+)', (req, res) => res.json(200, { id: req.params.id, pid: process.pid }));
  r.post('/api/items', (_req, res) => res.json(201, { ok: true }));
  r.get('/hello', (_req, res) => res.send(200, 'from the app'));
  return r;
}
`;

async function site(t: Parameters<typeof tempDir>[0], app = APP): Promise<string> {
  const dir = await tempDir(t, 'httpcraft-app-');
  await mkdir(join(dir, 'public'));
  await writeFile(join(dir, 'public', 'index.html'), '<h1>files</h1>');
  await writeFile(join(dir, 'public', 'hello.txt'), 'a file');
  await writeFile(join(dir, 'app.mjs'), app);
  return dir;
}

async function started(run: CliRun, scheme = 'http'): Promise<string> {
  const m = await run.waitFor(new RegExp(`listening on ${scheme}://127\\.0\\.0\\.1:(\\d+)/`));
  return `${scheme}://127.0.0.1:${m[1]}`;
}

async function stop(run: CliRun): Promise<void> {
  run.child.kill('SIGTERM');
  await run.exited;
}

test('routes in front of the files, fall-through, 405, per-route metrics by pattern', async (t) => {
  const dir = await site(t);
  const run = startCli(['--app', 'app.mjs', '-p', '0', '--host', '127.0.0.1', 'public'], { cwd: dir });
  t.after(() => stop(run));
  const url = await started(run);
  assert.deepEqual(((await (await fetch(`${url}/api/items/7`)).json()) as { id: string }).id, '7');
  assert.equal(await (await fetch(`${url}/hello`)).text(), 'from the app');
  assert.equal(await (await fetch(`${url}/hello.txt`)).text(), 'a file');
  assert.match(await (await fetch(`${url}/`)).text(), /files/);
  assert.equal((await fetch(`${url}/api/items/abc`)).status, 404); // no route, no file
  const wrong = await fetch(`${url}/api/items`, { method: 'PATCH' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.get('allow'), 'POST, OPTIONS');
  await fetch(`${url}/api/items/8`);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /httpcraft_route_requests_total\{route="\/api\/items\/:id\(\\\\d\+\)",class="2xx"\} 2/);
  assert.match(metrics, /httpcraft_route_requests_total\{route="\/api\/items",class="4xx"\} 1/);
  assert.match(metrics, /httpcraft_route_request_duration_seconds_count\{route="\/hello"\} 1/);
  assert.doesNotMatch(metrics, /route="\/api\/items\/7"/);
  const status = (await (await fetch(`${url}/server-status?format=json`)).json()) as { routes: Array<{ route: string; count: number }> };
  assert.deepEqual(status.routes.find((r) => r.route === '/api/items/:id(\\d+)')?.count, 2);
});

test('with --workers 2 each worker loads the app; the status page adds up their routes', async (t) => {
  const dir = await site(t);
  const run = startCli(['--app', 'app.mjs', '--workers', '2', '-p', '0', '--host', '127.0.0.1', 'public'], { cwd: dir });
  t.after(() => stop(run));
  const url = await started(run);
  await run.waitFor(/worker 2 \(pid \d+\) listening/);
  const pids = new Set<number>();
  for (let i = 0; i < 12; i++) {
    const res = await fetch(`${url}/api/items/${i}`, { headers: { connection: 'close' } });
    pids.add(((await res.json()) as { pid: number }).pid);
  }
  assert.ok(pids.size >= 1);
  const status = (await (await fetch(`${url}/server-status?format=json`)).json()) as { routes: Array<{ route: string; count: number }> };
  assert.equal(status.routes.find((r) => r.route === '/api/items/:id(\\d+)')?.count, 12);
});

test('over HTTPS (HTTP/1.1 and HTTP/2), and named by HTTPCRAFT_APP', async (t) => {
  const dir = await site(t);
  const run = startCli(['--ssl', '-p', '0', '--host', '127.0.0.1', 'public'], { cwd: dir, env: { HTTPCRAFT_APP: 'app.mjs' } });
  t.after(() => stop(run));
  const url = await started(run, 'https');
  const dispatcher = new Agent({ connect: { rejectUnauthorized: false } });
  t.after(() => dispatcher.close());
  const res = await undiciFetch(`${url}/hello`, { dispatcher });
  assert.equal(await res.text(), 'from the app');
  assert.equal(await (await undiciFetch(`${url}/hello.txt`, { dispatcher })).text(), 'a file');
  // HTTP/2 (ALPN h2) reaches the same routes through the same request API.
  const session = await h2connect(url);
  t.after(() => session.close());
  const h2 = await h2request(session, { ':method': 'GET', ':path': '/api/items/5' });
  assert.equal(h2.status, 200);
  assert.equal((JSON.parse(h2.body.toString()) as { id: string }).id, '5');
  const wrong = await h2request(session, { ':method': 'PATCH', ':path': '/api/items' });
  assert.equal(wrong.status, 405);
  assert.equal(wrong.headers.allow, 'POST, OPTIONS');
});

const BAD: Array<[string, string, RegExp]> = [
  ['no router exported', 'export const x = 1;', /app .*app\.mjs exports no router/],
  ['a syntax error', 'export default function (', /app .*app\.mjs could not be loaded: SyntaxError/],
  ['a function that throws', 'export default () => { throw new Error("no database"); };', /app .*app\.mjs: its export "default" threw while setting up: no database/],
  ['a function returning something else', 'export default () => ({ routes: [] });', /app .*app\.mjs: export "default" returned an object \(routes\), not a Router/],
  ['a conflict between two routes', 'export default (api) => new api.Router().get("/a/:x", () => {}).get("/a/:y", () => {});', /route GET \/a\/:y conflicts with GET \/a\/:x/],
];
for (const [what, source, message] of BAD) {
  test(`a bad app module is a start-up error naming the file: ${what}`, async (t) => {
    const dir = await site(t, source);
    const r = await runCli(['--app', 'app.mjs', '-p', '0', '--host', '127.0.0.1', 'public'], { cwd: dir });
    assert.notEqual(r.code, 0);
    assert.match(r.stderr + r.stdout, message);
  });
}

test('a missing app file is a config error naming --app', async (t) => {
  const dir = await site(t);
  const r = await runCli(['--app', 'nope.mjs', '-p', '0', 'public'], { cwd: dir });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--app: app ".*nope\.mjs" does not exist/);
});
