// The notes, in SQLite through sql.js (SQLite compiled to WebAssembly: no native build, installs
// from the registry anywhere). sql.js keeps the database in memory; after every write the whole
// database is written to the file (to a temporary name, then renamed over it, so a crash never
// leaves half a file). One process owns the file: run this example without --workers.
import { readFile, rename, writeFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import initSqlJs from 'sql.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  title TEXT NOT NULL,
  body TEXT NOT NULL DEFAULT '',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);`;

function row(stmt) {
  const r = stmt.getAsObject();
  return { id: r.id, title: r.title, body: r.body, createdAt: r.created_at, updatedAt: r.updated_at };
}

export async function openNotes(file) {
  const SQL = await initSqlJs();
  let bytes = null;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  const db = new SQL.Database(bytes ?? undefined);
  db.run(SCHEMA);
  let writing = Promise.resolve();

  const save = () => {
    // Writes queue behind each other: the file always ends as the latest state.
    const data = db.export();
    writing = writing.then(async () => {
      await mkdir(dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, data);
      await rename(tmp, file);
    });
    return writing;
  };

  const all = (sql, params = []) => {
    const stmt = db.prepare(sql);
    try {
      stmt.bind(params);
      const out = [];
      while (stmt.step()) out.push(row(stmt));
      return out;
    } finally {
      stmt.free();
    }
  };

  return {
    count() {
      const r = db.exec('SELECT COUNT(*) FROM notes');
      return Number(r[0].values[0][0]);
    },
    list(offset, limit) {
      return all('SELECT * FROM notes ORDER BY id DESC LIMIT ? OFFSET ?', [limit, offset]);
    },
    get(id) {
      return all('SELECT * FROM notes WHERE id = ?', [id])[0];
    },
    async create({ title, body = '' }) {
      const now = new Date().toISOString();
      db.run('INSERT INTO notes (title, body, created_at, updated_at) VALUES (?, ?, ?, ?)', [title, body, now, now]);
      const id = Number(db.exec('SELECT last_insert_rowid()')[0].values[0][0]);
      await save();
      return this.get(id);
    },
    async update(id, fields) {
      const note = this.get(id);
      if (note === undefined) return undefined;
      const title = fields.title ?? note.title;
      const body = fields.body ?? note.body;
      db.run('UPDATE notes SET title = ?, body = ?, updated_at = ? WHERE id = ?', [title, body, new Date().toISOString(), id]);
      await save();
      return this.get(id);
    },
    async remove(id) {
      db.run('DELETE FROM notes WHERE id = ?', [id]);
      const changed = db.getRowsModified() > 0;
      if (changed) await save();
      return changed;
    },
    async close() {
      await writing;
      db.close();
    },
  };
}
