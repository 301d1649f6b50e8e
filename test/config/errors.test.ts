// Every class of configuration error: refused before start, naming key, source, value and what is
// allowed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { ConfigErrors, type ConfigError } from '../../src/config/errors.ts';
import { tempDir } from '../support/config-helpers.ts';

function errorsOf(fn: () => unknown): readonly ConfigError[] {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof ConfigErrors, String(error));
    return error.errors;
  }
  assert.fail('expected ConfigErrors');
}

async function fileErrors(t: Parameters<typeof tempDir>[0], json: string, extra: { argv?: string[]; env?: Record<string, string> } = {}): Promise<readonly ConfigError[]> {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'htdocs'));
  await writeFile(join(dir, 'config.json'), json);
  return errorsOf(() => loadConfig({ argv: extra.argv ?? [], env: extra.env ?? {}, cwd: dir }));
}

test('unknown config key: names file and JSON path, suggests the closest key', async (t) => {
  const [e] = await fileErrors(t, '{"directory_listin": true}');
  assert.equal(e?.source, 'config.json:$.directory_listin');
  assert.equal(e?.toString(), 'config.json:$.directory_listin: unknown key; did you mean "directory_listing"?');
  // A key far from every one of ours: found as ./config.json the file is someone else's (see
  // foreign-config.test.ts); named with -c it is read strictly.
  const [far] = await fileErrors(t, '{"colour_scheme": "dark"}', { argv: ['-c', 'config.json'] });
  assert.equal(far?.toString(), 'config.json:$.colour_scheme: unknown key');
});

test('unknown flag suggests the closest flag; a flag without its value says what it needs', async (t) => {
  const dir = await tempDir(t);
  const errors = errorsOf(() => loadConfig({ argv: ['--prot', '80', '--log-levl', 'INFO', '--port'], env: {}, cwd: dir }));
  assert.deepEqual(errors.map(String), [
    '--prot: unknown option; did you mean --port? (see --help)',
    '--log-levl: unknown option; did you mean --log-level? (see --help)',
    '--port: --port needs a value: a port number from 0 to 65535',
  ]);
});

test('unknown HTTPCRAFT_ variable is a warning with a suggestion, not an error', async (t) => {
  const dir = await tempDir(t);
  const r = loadConfig({ argv: [], env: { HTTPCRAFT_PROT: '1' }, cwd: dir, skipFilesystemChecks: true });
  assert.deepEqual(r.warnings, ['HTTPCRAFT_PROT: unknown setting, ignored; did you mean HTTPCRAFT_PORT?']);
});

test('wrong types name key, source, value and what is allowed', async (t) => {
  const errors = await fileErrors(t, '{"host": 5, "enable_cache": "yes", "cors_allow_methods": ["GET", 7], "cache_control": [{"pattern": "*.css"}], "security_headers": {"Bad Name": "x"}}');
  assert.deepEqual(errors.map(String), [
    'config.json:$.host: 5 is not valid for host: expected a non-empty string',
    'config.json:$.enable_cache: "yes" is not valid for enable_cache: expected true or false',
    'config.json:$.cors_allow_methods[1]: ["GET",7] is not valid for cors_allow_methods: expected a string',
    'config.json:$.cache_control[0].value: [{"pattern":"*.css"}] is not valid for cache_control: expected a Cache-Control value string',
    'config.json:$.security_headers["Bad Name"]: {"Bad Name":"x"} is not valid for security_headers: not a valid header name (RFC 9110 §5.1)',
  ]);
  assert.deepEqual(errors.map((e) => e.key), ['host', 'enable_cache', 'cors_allow_methods', 'cache_control', 'security_headers']);
});

test('out-of-range ports from each source', async (t) => {
  assert.deepEqual((await fileErrors(t, '{"port": 70000}')).map(String), ['config.json:$.port: 70000 is not valid for port: out of range; expected a port number from 0 to 65535']);
  assert.deepEqual((await fileErrors(t, '{}', { env: { HTTPCRAFT_PORT: '-1' } })).map(String), ['HTTPCRAFT_PORT: "-1" is not valid for port: expected a port number from 0 to 65535']);
  assert.deepEqual((await fileErrors(t, '{}', { argv: ['-p', '65536'] })).map(String), ['-p: "65536" is not valid for port: out of range; expected a port number from 0 to 65535']);
  assert.deepEqual((await fileErrors(t, '{}', { argv: ['--port=80.5'] })).map(String), ['--port: "80.5" is not valid for port: expected a port number from 0 to 65535']);
});

test('malformed JSON is reported with line and column', async (t) => {
  const [e] = await fileErrors(t, '{\n  "port": 80,\n  "host": "x",\n}\n');
  assert.equal(e?.source, 'config.json:4:1');
  assert.match(e!.toString(), /^config\.json:4:1: malformed JSON: \S/);
  const [e2] = await fileErrors(t, '{\n  "port": 80\n  "host": "x"\n}');
  assert.equal(e2?.source, 'config.json:3:3');
  const [e3] = await fileErrors(t, '{"port": ');
  assert.equal(e3?.source, 'config.json:1:10');
  const [e4] = await fileErrors(t, '[1, 2]', { argv: ['-c', 'config.json'] }); // found by itself: not ours, ignored
  assert.equal(e4?.toString(), 'config.json:$: a config file holds one JSON object of settings, got an array');
});

test('a missing document root, or a file given as one, is refused with its source', async (t) => {
  const dir = await tempDir(t);
  await writeFile(join(dir, 'file.txt'), 'x');
  const [e] = errorsOf(() => loadConfig({ argv: ['-d', 'nope'], env: {}, cwd: dir }));
  assert.equal(e?.toString(), `-d: document root "${join(dir, 'nope')}" does not exist`);
  assert.equal(e?.key, 'document_root');
  const [e2] = errorsOf(() => loadConfig({ argv: ['file.txt'], env: {}, cwd: dir }));
  assert.equal(e2?.toString(), `ROOT: document root "${join(dir, 'file.txt')}" is a file, not a folder`);
  // Not set anywhere and no ./htdocs: the current folder is served instead (load.test.ts).
  assert.equal(loadConfig({ argv: [], env: {}, cwd: dir }).rootIsCwd, true);
});

test('unreadable certificate files are refused when HTTPS is on', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'htdocs'));
  await mkdir(join(dir, 'certs'));
  await writeFile(join(dir, 'config.json'), '{"enable_ssl": true, "ssl_cert": "missing.pem", "ssl_key": "certs"}');
  const errors = errorsOf(() => loadConfig({ argv: [], env: {}, cwd: dir }));
  assert.deepEqual(errors.map(String), [`config.json:$.ssl_cert: ssl_cert "${join(dir, 'missing.pem')}" does not exist`, `config.json:$.ssl_key: ssl_key "${join(dir, 'certs')}" is not a file`]);
  // Not checked while HTTPS is off.
  await writeFile(join(dir, 'config.json'), '{"enable_ssl": false, "ssl_cert": "missing.pem", "ssl_key": "certs"}');
  assert.equal(loadConfig({ argv: [], env: {}, cwd: dir }).config.enable_ssl, false);
});

test('a certificate without its key, a key set under two names, a missing -c file', async (t) => {
  assert.deepEqual((await fileErrors(t, '{"enable_ssl": true, "ssl_cert": "c.pem"}')).map(String), ['config.json:$.ssl_cert: ssl_cert is set but ssl_key is not; HTTPS needs both (or neither, for a development certificate)']);
  assert.deepEqual((await fileErrors(t, '{"directory_listing": true, "enable_directory_listing": false}')).map(String), ['config.json:$.enable_directory_listing: sets directory_listing again (also set at config.json:$.directory_listing); keep one of the two names']);
  assert.deepEqual((await fileErrors(t, '{}', { argv: ['-c', 'nope.json'] })).map(String), ['--config: config file "nope.json" does not exist']);
});

test('all problems are reported together', async (t) => {
  const errors = await fileErrors(t, '{"port": "x", "hots": "a"}', { argv: ['--log-level', 'LOUD'], env: { HTTPCRAFT_LOG_KEEP: 'many' } });
  assert.equal(errors.length, 4);
  assert.deepEqual(errors.map((e) => e.source).sort(), ['--log-level', 'HTTPCRAFT_LOG_KEEP', 'config.json:$.hots', 'config.json:$.port']);
  assert.match(errors.find((e) => e.source === '--log-level')!.toString(), /"LOUD" is not valid for log_level: expected one of DEBUG, INFO, WARNING, ERROR/);
});

test('a log file that cannot be created is refused before start', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'htdocs'));
  await writeFile(join(dir, 'plain.txt'), 'x');
  const [e] = errorsOf(() => loadConfig({ argv: ['--log-file', 'plain.txt/server.log'], env: {}, cwd: dir }));
  assert.equal(e?.key, 'log_file');
  assert.match(e!.toString(), /^--log-file: log_file ".*plain\.txt\/server\.log" cannot be created: .*plain\.txt is a file, not a folder$/);
  const [e2] = errorsOf(() => loadConfig({ argv: ['--log-file', 'htdocs'], env: {}, cwd: dir }));
  assert.match(e2!.toString(), /is a folder; name a file in it$/);
});

test('timeouts of zero and negative sizes are refused with the allowed range', async (t) => {
  const errors = await fileErrors(t, '{"max_body_size": -1, "log_max_size": "10 parsecs"}', { argv: ['--request-timeout', '0'] });
  assert.deepEqual(errors.map(String), [
    '--request-timeout: "0" is not valid for request_timeout: out of range; expected a number of seconds from 1 to 86400',
    'config.json:$.max_body_size: -1 is not valid for max_body_size: out of range; expected a size in bytes of at least 0 (a number, or a string like \"64k\" or \"10m\")',
    'config.json:$.log_max_size: "10 parsecs" is not valid for log_max_size: expected a size in bytes of at least 0 (a number, or a string like \"64k\" or \"10m\")',
  ]);
});
