// Which file names a change of never reloads a page: dotfiles and dot-folders (never served by
// default, and where editors, VCS and the server's own state live) and the scratch files editors
// write around a save. An editor's save is then one change of the real file, not five.

// vim: "file~" backups, "4913" (the probe it creates to test that the folder is writable), swap
// files ".file.swp"/".swx" (dotfiles anyway; a swap file for an unnamed buffer has no dot).
// Emacs: ".#file" lock links (dotfiles), "#file#" autosaves. JetBrains IDEs: "file___jb_tmp___"
// and "file___jb_old___" around a "safe write". Generic "*.tmp". Upload temporary files
// (".~upload-*", uploads/temp-name.ts) start with a dot.
const EDITOR_SUFFIXES = ['~', '.swp', '.swx', '.tmp', '___jb_tmp___', '___jb_old___'] as const;

/** True for a file or folder name whose changes are not worth a reload (and, for a folder, not worth watching). */
export function isIgnoredName(name: string): boolean {
  if (name === '' || name.charCodeAt(0) === 0x2e) return true; // ".", "..", dotfiles, dot-folders
  if (name === '4913') return true;
  if (name.length > 1 && name.charCodeAt(0) === 0x23 && name.charCodeAt(name.length - 1) === 0x23) return true; // #file#
  for (const suffix of EDITOR_SUFFIXES) if (name.endsWith(suffix)) return true;
  return false;
}

/** True when any segment of a "/"-separated relative path is ignored. */
export function isIgnoredPath(relative: string): boolean {
  for (const segment of relative.split('/')) if (isIgnoredName(segment)) return true;
  return false;
}
