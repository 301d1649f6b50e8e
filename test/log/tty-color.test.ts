// Colors on a real terminal (a pseudo-terminal from `script`), and NO_COLOR / --no-color turning
// them off there.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { CLI, tempDir } from '../support/config-helpers.ts';

const hasScript = spawnSync('script', ['--version']).status === 0;

/** Runs the CLI on a pty until its banner shows, then stops it; returns what the terminal got. */
async function onTerminal(cwd: string, args: string, env: Record<string, string>): Promise<string> {
  // The server runs as a background job of the shell so its pid can be printed and signalled.
  const command = `${process.execPath} ${CLI} -H 127.0.0.1 -p 0 ${args} www & echo "PID=$!"; wait`;
  const child = spawn('script', ['-qfec', command, '/dev/null'], { cwd, env: { ...process.env, TERM: 'xterm', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const done = new Promise<void>((r) => child.on('close', () => r()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (s: string) => {
      out += s;
      if (/listening on/.test(out)) resolve();
    });
    child.on('close', () => reject(new Error(`exited early: ${out}`)));
  });
  const pid = Number(/PID=(\d+)/.exec(out)?.[1]);
  process.kill(pid, 'SIGTERM');
  await done;
  return out;
}

test('colored banner and log lines on a terminal; plain with NO_COLOR or --no-color', { skip: !hasScript && 'needs script(1)' }, async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'www'));
  await writeFile(join(dir, 'www', 'index.html'), 'hi');
  const env = { NO_COLOR: '' };
  const colored = await onTerminal(dir, '', env);
  assert.ok(colored.includes('\x1b[1mhttpcraft\x1b[22m'), JSON.stringify(colored));
  assert.match(colored, /\x1b\[32mINFO {3}\x1b\[39m httpcraft/);
  const noColorEnv = await onTerminal(dir, '', { NO_COLOR: '1' });
  assert.ok(noColorEnv.includes('httpcraft') && !noColorEnv.includes('\x1b['), JSON.stringify(noColorEnv));
  const noColorFlag = await onTerminal(dir, '--no-color', env);
  assert.ok(noColorFlag.includes('httpcraft') && !noColorFlag.includes('\x1b['), JSON.stringify(noColorFlag));
});
