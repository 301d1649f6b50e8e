// The contract, as a new user checks it: `httpcraft --live-reload htdocs` puts the live-reload
// script in the HTML of "/", leaves CSS and JS byte-identical to the files on disk, and says in the
// banner that live reload is on; HTTPCRAFT_LIVE_RELOAD turns it on too, and it is off by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, tempDir } from '../support/config-helpers.ts';

const PAGE = '<!doctype html><html><head><link rel="stylesheet" href="style.css"><script src="app.js"></script></head><body><h1>hello</h1></body></html>\n';

async function site(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'htdocs'));
  await writeFile(join(dir, 'htdocs', 'index.html'), PAGE);
  await writeFile(join(dir, 'htdocs', 'style.css'), 'h1 { color: teal }\n</body>\n'.repeat(100));
  await writeFile(join(dir, 'htdocs', 'app.js'), 'console.log("</body>");\n'.repeat(100));
  return dir;
}

for (const how of ['--live-reload', 'HTTPCRAFT_LIVE_RELOAD=1']) {
  test(`${how}: "/" carries the script, CSS and JS are byte-identical, the banner says live reload is on`, async (t) => {
    const dir = await site(t);
    const flag = how.startsWith('--') ? [how] : [];
    const run = startCli(['-H', '127.0.0.1', '-p', '0', ...flag, 'htdocs'], { cwd: dir, ...(flag.length === 0 ? { env: { HTTPCRAFT_LIVE_RELOAD: '1' } } : {}) });
    t.after(() => run.child.kill('SIGKILL'));
    const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
    assert.match(run.stdout(), /\n {2}Features {2}.*live reload/);
    const base = `http://127.0.0.1:${port}`;
    const html = await (await fetch(`${base}/`)).text();
    assert.ok(html.includes('<script src="/__httpcraft/live-reload.js" defer></script></body>'), html);
    for (const name of ['style.css', 'app.js']) {
      const disk = await readFile(join(dir, 'htdocs', name));
      const served = Buffer.from(await (await fetch(`${base}/${name}`)).arrayBuffer()); // fetch decodes gzip/br
      assert.deepEqual(served, disk, name);
    }
    assert.equal((await fetch(`${base}/__httpcraft/live-reload.js`)).status, 200);
    run.child.kill('SIGTERM');
    assert.equal((await run.exited).code, 0);
  });
}

test('off by default: no script in pages, no live reload in the banner', async (t) => {
  const dir = await site(t);
  const run = startCli(['-H', '127.0.0.1', '-p', '0', 'htdocs'], { cwd: dir });
  t.after(() => run.child.kill('SIGKILL'));
  const [, port] = await run.waitFor(/http:\/\/127\.0\.0\.1:(\d+)\//);
  assert.doesNotMatch(run.stdout(), /live reload/);
  assert.equal(await (await fetch(`http://127.0.0.1:${port}/`)).text(), PAGE);
  run.child.kill('SIGTERM');
  assert.equal((await run.exited).code, 0);
});
