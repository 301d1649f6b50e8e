// The live-reload watcher, on a real temporary folder: what it reports (URL paths, in batches), what
// it leaves out (dotfiles, dot-folders, editors' scratch files, protected paths), that a burst of
// events becomes one batch, that new folders are watched, and that close() releases everything.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFile, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isIgnoredName, isIgnoredPath } from '../../src/live-reload/ignore.ts';
import { ChangeBatcher, type ChangeBatch } from '../../src/live-reload/batch.ts';
import { TreeWatcher, defaultWatchMode, type WatchMode } from '../../src/live-reload/watcher.ts';
import { protectedPaths } from '../../src/static/protected-paths.ts';
import { makeTree } from '../support/static-helpers.ts';

test('editor scratch files, dotfiles and upload temp files are ignored; ordinary names are not', () => {
  for (const name of ['.git', '.env', '.index.html.swp', '.#index.html', '#index.html#', 'index.html~', '4913', 'notes.swp', 'x.swx', 'build.tmp', '.~upload-1a2b.part', 'page.html___jb_tmp___', 'page.html___jb_old___', '.', '..', '']) {
    assert.equal(isIgnoredName(name), true, name);
  }
  for (const name of ['index.html', 'site.css', 'app.js', '4914', 'tmp', 'swp', 'a#b', '#hash', 'v1.2.3', '~home']) assert.equal(isIgnoredName(name), false, name);
  assert.equal(isIgnoredPath('a/.git/config'), true);
  assert.equal(isIgnoredPath('css/site.css'), false);
});

test('a burst of adds becomes one batch once quiet; each path once; overflow is flagged', async () => {
  const batches: ChangeBatch[] = [];
  const b = new ChangeBatcher({ quietMs: 30, maxWaitMs: 5000, maxPaths: 3, onBatch: (x) => batches.push(x) });
  b.add('/a.html');
  b.add('/a.html');
  b.add('/b.css');
  await new Promise((r) => setTimeout(r, 10));
  b.add('/c.js');
  assert.equal(batches.length, 0, 'nothing before the quiet period');
  await new Promise((r) => setTimeout(r, 80));
  assert.deepEqual(batches, [{ paths: ['/a.html', '/b.css', '/c.js'], truncated: false }]);
  b.add('/1');
  b.add('/2');
  b.add('/3');
  b.add('/4');
  b.flush();
  assert.deepEqual(batches[1], { paths: ['/1', '/2', '/3'], truncated: true });
  b.close();
  b.add('/late');
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(batches.length, 2, 'nothing after close');
});

test('a file rewritten without pause is still reported within maxWaitMs', async () => {
  const batches: ChangeBatch[] = [];
  const b = new ChangeBatcher({ quietMs: 40, maxWaitMs: 120, maxPaths: 10, onBatch: (x) => batches.push(x) });
  const timer = setInterval(() => b.add('/busy.html'), 10);
  try {
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    clearInterval(timer);
    b.close();
  }
  assert.ok(batches.length >= 1, 'a batch went out although events never paused');
});

/** Collects batches; next() waits (bounded) for the next one. */
function collector(): { onChange: (b: ChangeBatch) => void; next(timeoutMs?: number): Promise<ChangeBatch>; all: ChangeBatch[] } {
  const all: ChangeBatch[] = [];
  let waiter: ((b: ChangeBatch) => void) | null = null;
  let seen = 0;
  return {
    all,
    onChange: (b) => {
      all.push(b);
      if (waiter !== null) {
        const w = waiter;
        waiter = null;
        seen = all.length;
        w(b);
      }
    },
    next(timeoutMs = 3000) {
      if (all.length > seen) return Promise.resolve(all[seen++]!);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`no batch within ${timeoutMs} ms`)), timeoutMs);
        waiter = (b) => {
          clearTimeout(t);
          resolve(b);
        };
      });
    },
  };
}

const quietly = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

for (const mode of ['per-folder', 'recursive'] as WatchMode[]) {
  test(`${mode}: changes are reported as URL paths; ignored and protected names never are`, async () => {
    const tree = await makeTree({ 'index.html': '<p>hi</p>', 'css/site.css': 'p{}', '.git/HEAD': 'ref', 'state/key.pem': 'secret', 'deep/a/b/page.html': 'x' });
    const protect = protectedPaths(tree.root, { folders: [tree.path('state')], logFiles: [tree.path('server.log')] });
    const c = collector();
    const watcher = new TreeWatcher({ root: tree.root, protect, onChange: c.onChange, quietMs: 60, mode });
    try {
      await watcher.ready;
      // Noise first: none of this may be reported.
      await writeFile(tree.path('.hidden'), 'x');
      await writeFile(tree.path('.git/HEAD'), 'ref2');
      await writeFile(tree.path('index.html~'), 'backup');
      await writeFile(tree.path('4913'), '');
      await rm(tree.path('4913'));
      await writeFile(tree.path('#index.html#'), 'autosave');
      await writeFile(tree.path('state/key.pem'), 'secret2');
      await writeFile(tree.path('server.log'), 'GET / 200\n');
      await writeFile(tree.path('server.worker-1.log'), 'GET / 200\n');
      await quietly(250);
      assert.deepEqual(c.all, [], `nothing reported for ignored and protected files: ${JSON.stringify(c.all)}`);
      // Then a save of a CSS file (write to a scratch file, rename over: what vim and many editors do).
      await writeFile(tree.path('css/.site.css.swp'), 'swap');
      await writeFile(tree.path('css/site.css.tmp'), 'p{color:red}');
      await rename(tree.path('css/site.css.tmp'), tree.path('css/site.css'));
      const batch = await c.next();
      assert.deepEqual(batch.paths, ['/css/site.css']);
      await appendFile(tree.path('deep/a/b/page.html'), 'y');
      assert.deepEqual((await c.next()).paths, ['/deep/a/b/page.html']);
    } finally {
      watcher.close();
      await tree.cleanup();
    }
  });
}

test('per-folder: a new folder (and one moved in with subfolders) is watched; a removed one is forgotten; close releases every watch', async () => {
  const tree = await makeTree({ 'index.html': 'x', 'outside/x.html': 'x' });
  const c = collector();
  const watcher = new TreeWatcher({ root: tree.root, onChange: c.onChange, quietMs: 50, mode: 'per-folder' });
  try {
    await watcher.ready;
    assert.equal(watcher.watchedFolders, 2);
    await mkdir(tree.path('new'));
    assert.deepEqual((await c.next()).paths, ['/new']);
    await quietly(100); // the new folder's watch is added after its event
    await writeFile(tree.path('new/page.html'), 'x');
    assert.deepEqual((await c.next()).paths, ['/new/page.html']);
    // A tree built elsewhere (in the root's own "outside" folder here) and moved in.
    await mkdir(tree.path('outside/moved/sub'), { recursive: true });
    await c.next(); // the mkdir inside outside/
    await rename(tree.path('outside/moved'), tree.path('moved'));
    await c.next();
    await quietly(100);
    await writeFile(tree.path('moved/sub/deep.html'), 'x');
    assert.deepEqual((await c.next()).paths, ['/moved/sub/deep.html']);
    const before = watcher.watchedFolders;
    await rm(tree.path('moved'), { recursive: true });
    await c.next();
    await quietly(100);
    assert.equal(watcher.watchedFolders, before - 2, 'the removed folder and its subfolder are no longer watched');
    // A link to a folder is not followed (it could lead out of the root or into a loop).
    await symlink(tree.root, tree.path('loop'));
    await c.next();
    await quietly(100);
    assert.equal(watcher.watchedFolders, before - 2);
  } finally {
    watcher.close();
  }
  assert.equal(watcher.watchedFolders, 0);
  await writeFile(join(tree.root, 'after-close.html'), 'x');
  await quietly(150);
  const count = c.all.length;
  await quietly(50);
  assert.equal(c.all.length, count, 'nothing after close');
  await tree.cleanup();
});

test('per-folder: at most maxFolders folders are watched, and a warning says so once', async () => {
  const spec: Record<string, string> = {};
  for (let i = 0; i < 6; i++) spec[`d${i}/`] = '';
  const tree = await makeTree(spec);
  const warnings: string[] = [];
  const watcher = new TreeWatcher({ root: tree.root, onChange: () => {}, onWarning: (m) => warnings.push(m), maxFolders: 4, mode: 'per-folder' });
  try {
    await watcher.ready;
    assert.equal(watcher.watchedFolders, 4);
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /more than 4 folders/);
  } finally {
    watcher.close();
    await tree.cleanup();
  }
});

test('the default mode is per-folder on Linux, native recursive on macOS and Windows', () => {
  assert.equal(defaultWatchMode('linux'), 'per-folder');
  assert.equal(defaultWatchMode('darwin'), 'recursive');
  assert.equal(defaultWatchMode('win32'), 'recursive');
});
