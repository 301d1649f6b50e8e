// A small notes app on httpcraft: a JSON API (CRUD, validation, ETags, pagination) and
// server-rendered pages, with the notes in SQLite. Run it from the repository root with
//   npm run build && node dist/src/cli.js --app examples/notes/app.mjs examples/notes/public
// The module exports a function that gets httpcraft's API and returns the router: it imports
// nothing of httpcraft itself, so it can live anywhere.
import { join } from 'node:path';
import { openNotes } from './db.mjs';

const NOTE_FIELDS = {
  title: { type: 'string', minLength: 1, maxLength: 200, description: 'Shown in lists; required.' },
  body: { type: 'string', maxLength: 20000 },
};
const NOTE_IN = { type: 'object', properties: NOTE_FIELDS, required: ['title'], additionalProperties: false };
const NOTE_PATCH = { type: 'object', properties: NOTE_FIELDS, additionalProperties: false, minProperties: 1 };
const NOTE = {
  type: 'object',
  properties: { id: { type: 'integer' }, ...NOTE_FIELDS, createdAt: { type: 'string', format: 'date-time' }, updatedAt: { type: 'string', format: 'date-time' } },
  required: ['id', 'title', 'body', 'createdAt', 'updatedAt'],
};
const ID = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } };
const PAGE_QUERY = {
  type: 'object',
  properties: { page: { type: 'integer', minimum: 1, default: 1 }, per_page: { type: 'integer', minimum: 1, maximum: 100, default: 20 } },
  additionalProperties: false,
};

export default async function notesApp(api) {
  const notes = await openNotes(process.env.NOTES_DB ?? join(api.appDir, 'data', 'notes.sqlite'));
  api.onClose(() => notes.close());
  const pages = api.templates('templates');
  const { endpoint, reply, HttpError } = api;
  const router = new api.Router();

  const mustExist = (id) => {
    const note = notes.get(id);
    if (note === undefined) throw new HttpError(404, `there is no note ${id}`);
    return note;
  };
  const pageOf = (query) => {
    const perPage = query.per_page ?? 20;
    const total = notes.count();
    const totalPages = Math.max(1, Math.ceil(total / perPage));
    const page = query.page ?? 1;
    return { page, perPage, total, totalPages, items: notes.list((page - 1) * perPage, perPage) };
  };

  // ---- the JSON API ----
  const notesApi = router.group('/api/notes');
  notesApi.get(
    '/',
    ...endpoint({ summary: 'List notes, newest first', tags: ['notes'], query: PAGE_QUERY, responses: { 200: { description: 'A page of notes' } } }, ({ query }) => {
      const p = pageOf(query);
      // RFC 8288 links to the neighbouring pages.
      const link = (n, rel) => `</api/notes?page=${n}&per_page=${p.perPage}>; rel="${rel}"`;
      const links = [link(1, 'first'), link(p.totalPages, 'last')];
      if (p.page > 1) links.push(link(p.page - 1, 'prev'));
      if (p.page < p.totalPages) links.push(link(p.page + 1, 'next'));
      return reply(200, { notes: p.items, page: p.page, perPage: p.perPage, total: p.total, totalPages: p.totalPages }, { Link: links.join(', ') });
    }),
  );
  notesApi.post(
    '/',
    ...endpoint({ summary: 'Create a note', tags: ['notes'], body: NOTE_IN, responses: { 201: { description: 'Created', schema: NOTE } } }, async ({ body }) => {
      const note = await notes.create(body);
      return reply(201, note, { Location: `/api/notes/${note.id}` });
    }),
  );
  notesApi.get('/:id(\\d+)', ...endpoint({ summary: 'One note', tags: ['notes'], params: ID, responses: { 200: { description: 'The note', schema: NOTE } } }, ({ params }) => mustExist(params.id)));
  const current = ({ params }) => notes.get(params.id);
  notesApi.put(
    '/:id(\\d+)',
    ...endpoint({ summary: 'Replace a note (If-Match for safe updates)', tags: ['notes'], params: ID, body: NOTE_IN, current, responses: { 200: { description: 'Updated', schema: NOTE } } }, async ({ params, body }) => {
      mustExist(params.id);
      return notes.update(params.id, { title: body.title, body: body.body ?? '' });
    }),
  );
  notesApi.patch(
    '/:id(\\d+)',
    ...endpoint({ summary: 'Change some fields of a note', tags: ['notes'], params: ID, body: NOTE_PATCH, current, responses: { 200: { description: 'Updated', schema: NOTE } } }, async ({ params, body }) => {
      mustExist(params.id);
      return notes.update(params.id, body);
    }),
  );
  notesApi.delete(
    '/:id(\\d+)',
    ...endpoint({ summary: 'Delete a note', tags: ['notes'], params: ID, current, responses: { 204: { description: 'Deleted' } } }, async ({ params }) => {
      if (!(await notes.remove(params.id))) throw new HttpError(404, `there is no note ${params.id}`);
      return reply(204);
    }),
  );
  router.get('/openapi.json', api.openApiHandler(router, { title: 'Notes', version: '1.0.0', description: 'The httpcraft notes example.' }));

  // ---- the pages ----
  const listPage = (res, query, form = {}, status = 200) => {
    const p = pageOf(query);
    pages.send(res, 'index.html', { ...p, notes: p.items, form, prev: p.page > 1 ? p.page - 1 : null, next: p.page < p.totalPages ? p.page + 1 : null }, status);
  };
  const pageQuery = api.compileSchema(PAGE_QUERY, { coerce: true });
  router.get('/', (req, res) => {
    const { value, errors } = pageQuery(api.parseQuery(req.query));
    listPage(res, errors.length === 0 ? value : {});
  });
  router.post('/notes', async (req, res) => {
    // An HTML form: application/x-www-form-urlencoded, the same rules as the API.
    const type = (req.header('content-type') ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new HttpError(415, 'send the form as application/x-www-form-urlencoded');
    const fields = Object.fromEntries(new URLSearchParams(await req.text(64 * 1024)));
    const input = { title: (fields.title ?? '').trim(), body: fields.body ?? '' };
    const problems = api.compileSchema(NOTE_IN)(input).errors;
    if (problems.length > 0) {
      listPage(res, {}, { ...input, errors: problems.map((e) => `${e.pointer.slice(1) || 'note'} ${e.message}`) }, 422);
      return;
    }
    const note = await notes.create(input);
    res.setHeader('Location', `/notes/${note.id}`);
    res.writeHead(303).end();
  });
  router.get('/notes/:id(\\d+)', (req, res) => {
    const note = notes.get(Number(req.params.id));
    if (note === undefined) pages.send(res, 'missing.html', { id: req.params.id }, 404);
    else pages.send(res, 'note.html', { note });
  });
  return router;
}
