// A worker killed with SIGKILL in the middle of an upload cannot clean up after itself: the upload
// must still leave no partial file (the final name is only ever given to a complete file) and no
// temporary file (the primary removes what the dead worker's list names, uploads/temp-journal.ts);
// the replacement worker serves, and other uploads are untouched. A single process killed the same
// way is cleaned up by its next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readdir } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { bannerPort, connectionOwner, listeningPids, processAlive, siteWithFiles, startCli, tempDir } from '../support/cluster-helpers.ts';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const BOUNDARY = 'KillBoundary';

/** Starts a 50 MB upload and sends its first `sent` bytes only; the socket stays open. */
async function startUpload(port: number, name: string, sent: number): Promise<Socket> {
  const total = 50_000_000;
  const head = `--${BOUNDARY}\r\nContent-Disposition: form-data; name="f"; filename="${name}"\r\n\r\n`;
  const tail = `\r\n--${BOUNDARY}--\r\n`;
  const s = connect(port, '127.0.0.1');
  await new Promise((r, j) => s.once('connect', r).once('error', j));
  s.on('error', () => undefined);
  s.write(`POST /submit HTTP/1.1\r\nHost: t\r\nContent-Type: multipart/form-data; boundary=${BOUNDARY}\r\nContent-Length: ${head.length + total + tail.length}\r\n\r\n${head}`);
  s.write(Buffer.alloc(sent, 7));
  return s;
}

async function until(cond: () => Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

const temps = async (dir: string): Promise<string[]> => (await readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith('.~upload-'));

test('SIGKILL to a worker mid-upload: no partial file and no temporary file left, other uploads untouched, the replacement serves', async () => {
  const dir = await tempDir('httpcraft-kill-upload-');
  await mkdir(join(dir.path, 'www'));
  await siteWithFiles(join(dir.path, 'www'));
  const uploads = join(dir.path, 'www', 'uploads');
  const run = startCli(['-H', '127.0.0.1', '-p', '0', '--no-config', '--workers', '2', '--enable-file-uploads', '--max-upload-size', '100000000', '--state-dir', join(dir.path, 'state'), '--access-log', 'off', join(dir.path, 'www')]);
  const sockets: Socket[] = [];
  try {
    const port = await bannerPort(run);
    await until(async () => listeningPids(run.output()).length === 2, 'two workers listening');
    const pids = listeningPids(run.output());
    // Uploads until both workers have one in flight (the kernel spreads connections between them).
    const byOwner = new Map<number, Socket>();
    for (let i = 0; i < 20 && byOwner.size < 2; i++) {
      const s = await startUpload(port, `u${i}.bin`, 2_000_000);
      sockets.push(s);
      await until(async () => (await temps(uploads)).length >= sockets.length, 'the temporary file');
      const owner = await connectionOwner(s.localPort!, port, pids);
      if (owner !== null && !byOwner.has(owner)) byOwner.set(owner, s);
    }
    assert.equal(byOwner.size, 2, 'an upload in flight in each worker');
    const [victim, survivor] = [...byOwner.keys()] as [number, number];
    const victimTemps = (await temps(uploads)).length;
    process.kill(victim, 'SIGKILL');
    await until(async () => !processAlive(victim), 'the worker to die');
    // The primary removes the dead worker's temporary files; the survivor's stay (its uploads go on).
    await until(async () => (await temps(uploads)).length < victimTemps, 'the dead worker\'s temporary files to go');
    await run.waitFor(new RegExp(`worker ${victim} exited: removed \\d+ unfinished upload`));
    // Finish the survivor's upload: it is stored whole; nothing of the killed ones exists under any name.
    const s = byOwner.get(survivor)!;
    const rest = 50_000_000 - 2_000_000;
    const answered = new Promise<string>((resolve) => {
      let buf = '';
      s.on('data', (c: Buffer) => {
        buf += c.toString('latin1');
        if (buf.includes('\r\n\r\n')) resolve(buf.split('\r\n')[0]!);
      });
    });
    const block = Buffer.alloc(1_000_000, 7);
    for (let sent = 0; sent < rest; sent += block.length) if (!s.write(block.subarray(0, Math.min(block.length, rest - sent)))) await new Promise((r) => s.once('drain', r));
    s.write(`\r\n--${BOUNDARY}--\r\n`);
    assert.match(await Promise.race([answered, sleep(20_000).then(() => 'no answer in 20 s')]), /^HTTP\/1\.1 201 /);
    for (const x of sockets) x.destroy();
    await until(async () => (await temps(uploads)).length === 0, 'every temporary file gone once the clients left');
    const files = (await readdir(uploads)).filter((n) => !n.startsWith('.'));
    assert.equal(files.length, 1, `only the finished upload is there: ${files.join(', ')}`);
    // The replacement worker serves.
    await until(async () => listeningPids(run.output()).length === 3, 'a replacement worker');
    const res = await fetch(`http://127.0.0.1:${port}/kib.txt`);
    assert.equal(res.status, 200);
    await res.arrayBuffer();
  } finally {
    for (const s of sockets) s.destroy();
    run.killGroup();
    await dir.remove();
  }
});

test('a single process killed mid-upload: its next start removes the temporary file it left', async () => {
  const dir = await tempDir('httpcraft-kill-upload-');
  await mkdir(join(dir.path, 'www'));
  await siteWithFiles(join(dir.path, 'www'));
  const uploads = join(dir.path, 'www', 'uploads');
  const args = ['-H', '127.0.0.1', '-p', '0', '--no-config', '--enable-file-uploads', '--max-upload-size', '100000000', '--state-dir', join(dir.path, 'state'), '--access-log', 'off', join(dir.path, 'www')];
  const first = startCli(args);
  let socket: Socket | null = null;
  try {
    const port = await bannerPort(first);
    socket = await startUpload(port, 'half.bin', 2_000_000);
    await until(async () => (await temps(uploads)).length === 1, 'the temporary file');
    first.killGroup();
    await first.exited;
    socket.destroy();
    assert.equal((await temps(uploads)).length, 1, 'a killed process leaves its temporary file');
    const second = startCli(args);
    try {
      await second.waitFor(/removed 1 unfinished upload of a process that was killed/);
      assert.deepEqual(await readdir(uploads), []);
    } finally {
      second.killGroup();
    }
  } finally {
    socket?.destroy();
    first.killGroup();
    await dir.remove();
  }
});
