// --open: shows the first local URL in the user's browser once the server listens. $BROWSER names
// the program when set (the convention of Python's webbrowser module and xdg-utils; "none" turns it
// off); otherwise the platform's opener. The opener runs detached and unreferenced, so it never
// holds the server up, and an opener that is missing or fails is a warning, never a crash.

import { spawn } from 'node:child_process';

export interface Opener {
  command: string;
  args: string[];
}

/** The command that opens url, or null when $BROWSER is "none". */
export function openerFor(url: string, platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): Opener | null {
  const browser = env.BROWSER?.trim();
  if (browser !== undefined && browser !== '') {
    // A list of browsers to try is separated like PATH; the first is used. "%s" marks where the
    // URL goes ("firefox --new-tab %s"), otherwise it comes last.
    const first = browser.split(platform === 'win32' ? ';' : ':').find((b) => b.trim() !== '')?.trim() ?? browser;
    if (first.toLowerCase() === 'none') return null;
    const words = first.split(/\s+/);
    const args = words.slice(1).map((w) => w.replaceAll('%s', url));
    if (!first.includes('%s')) args.push(url);
    return { command: words[0]!, args };
  }
  if (platform === 'darwin') return { command: 'open', args: [url] };
  // start is a cmd built-in; its first quoted argument is a window title, hence the empty one.
  if (platform === 'win32') return { command: 'cmd', args: ['/c', 'start', '""', url] };
  return { command: 'xdg-open', args: [url] };
}

/** Starts the opener; `warn` hears about an opener that cannot run or fails. */
export function openBrowser(url: string, warn: (message: string) => void, env: NodeJS.ProcessEnv = process.env): void {
  const opener = openerFor(url, process.platform, env);
  if (opener === null) return;
  const failed = (why: string): void => warn(`--open: cannot open a browser (${opener.command} ${why}); open ${url} yourself`);
  try {
    const child = spawn(opener.command, opener.args, { detached: true, stdio: 'ignore', windowsHide: true });
    child.once('error', (error: NodeJS.ErrnoException) => failed(error.code === 'ENOENT' ? 'is not installed' : `failed: ${error.message}`));
    child.once('exit', (code, signal) => {
      if (code !== 0 && code !== null) failed(`exited with status ${code}`);
      else if (signal !== null) failed(`was killed by ${signal}`);
    });
    child.unref();
  } catch (error) {
    failed(`failed: ${(error as Error).message}`);
  }
}
