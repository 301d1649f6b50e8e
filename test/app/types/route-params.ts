// Compiled by router-types.test.ts (and by the build): req.params is typed from the pattern string.
// Each @ts-expect-error line must be an error; the test also compiles this file without those
// comments and checks that every such line fails, so a typing that got looser is caught.

import { Router, type RouteParams } from '../../../src/app/router.ts';

const r = new Router();

r.get('/users/:id', (req, res) => {
  const id: string = req.params.id;
  // @ts-expect-error no such param
  void req.params.name;
  res.send(200, id);
});

r.get('/users/:id(\\d+)/posts/:post', (req) => {
  const both: string = req.params.id + req.params.post;
  void both;
  // @ts-expect-error the constraint is not part of the name
  void req.params['id(\\d+)'];
});

r.get('/docs/:page?', (req) => {
  // @ts-expect-error an optional param may be undefined
  const page: string = req.params.page;
  void page;
  const maybe: string | undefined = req.params.page;
  void maybe;
});

r.post('/files/*', { middleware: [] }, (req) => {
  const rest: string = req.params['*'];
  void rest;
});

r.group('/api').delete('/notes/:noteId', (req) => {
  const n: string = req.params.noteId;
  void n;
  // @ts-expect-error params are read-only
  req.params.noteId = 'x';
});

const exact: RouteParams<'/a/:x/b/:y?'> = { x: '1' };
void exact;
// @ts-expect-error x is required
const missing: RouteParams<'/a/:x'> = {};
void missing;
