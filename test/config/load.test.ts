// Precedence (CLI > env > file > default) for every key of the table, legacy names, relative paths,
// and which config file is read.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { KEYS, envNames, flagNames, kebab, type KeySpec } from '../../src/config/keys.ts';
import { loadConfig, type LoadInput } from '../../src/config/load.ts';
import type { Kind } from '../../src/config/kinds.ts';
import { tempDir } from '../support/config-helpers.ts';
import { ROUTE_DEFAULTS } from '../../src/proxy/route-config.ts';

interface Sample {
  json: unknown;
  text: string;
  expected: unknown;
}

/** Three distinct valid samples for a kind: [file, env, cli]. Paths are checked after resolution. */
function samples(kind: Kind, dflt: unknown): [Sample, Sample, Sample] {
  const same = (v: unknown, text = String(v)): Sample => ({ json: v, text, expected: v });
  switch (kind.type) {
    case 'bool': {
      const d = dflt === true;
      return [same(!d), same(d), same(!d)];
    }
    case 'int':
      return [same(kind.min + 1), same(kind.min + 2), kind.auto === true ? same('auto') : same(kind.min)];
    case 'bytes':
      return [same(kind.min + 1), same(kind.min + 2), { json: null, text: '1k', expected: 1024 }];
    case 'seconds':
      return [same(1), same(2.5), same(3)];
    case 'port':
      return [same(1001), same(1002), same(1003)];
    case 'string':
      return kind.prefix === '/' ? [same('/a'), same('/b'), same('/c')] : [same('a'), same('b'), same('c')];
    case 'path':
      return [same('p1'), same('p2'), same('p3')];
    case 'enum': {
      const v = kind.values;
      return [same(v[1 % v.length]), same(v[2 % v.length]!.toLowerCase() === v[2 % v.length] ? v[2 % v.length] : v[2 % v.length]), same(v[0])];
    }
    case 'list':
      return [same(['a']), { json: null, text: 'b, c', expected: ['b', 'c'] }, same(['d'], 'd')];
    case 'string-or-list':
      return [same('x'), { json: null, text: 'y,z', expected: ['y', 'z'] }, same('w')];
    case 'header-map':
      return [same({ 'X-A': '1' }, ''), { json: null, text: '{"X-B":"2"}', expected: { 'X-B': '2' } }, { json: null, text: '{"X-C":"3"}', expected: { 'X-C': '3' } }];
    case 'cache-rules': {
      const r = (p: string): Array<{ pattern: string; value: string }> => [{ pattern: p, value: 'no-cache' }];
      return [same(r('*.a'), ''), { json: null, text: JSON.stringify(r('*.b')), expected: r('*.b') }, { json: null, text: JSON.stringify(r('*.c')), expected: r('*.c') }];
    }
    case 'cidr-list':
      return [same(['10.0.0.0/8']), { json: null, text: '192.0.2.1, ::1', expected: ['192.0.2.1', '::1'] }, same(['fd00::/8'], 'fd00::/8')];
    case 'rate-limits': {
      const r = (p: string): unknown[] => [{ path: p, per: 'ip', rate: '5/min', burst: 5, name: 'rule1' }];
      return [same(r('/a/**'), ''), { json: null, text: JSON.stringify(r('/b/**')), expected: r('/b/**') }, { json: null, text: JSON.stringify(r('/c/**')), expected: r('/c/**') }];
    }
    case 'store-url':
      return [same('redis://127.0.0.1:6379'), same('redis://127.0.0.1:6380/1'), same('rediss://cache.example:6379')];
    case 'records': {
      // The first shape of record the kind accepts: access rules, users or tokens.
      const shapes = [
        (n: string) => ({ path: `/${n}` }),
        (n: string) => ({ name: n, password_hash: `$2b$10$${n.repeat(53)}` }),
        (n: string) => ({ name: n, token_hash: `$sha256$${n.repeat(43)}` }),
        // issue 17: proxy routes (as parsed: every field given), redirects, rewrites, per-path headers
        (n: string) => ({ path: `/${n}/`, to: [{ url: 'http://127.0.0.1:3000', weight: 1 }], ...ROUTE_DEFAULTS }),
        (n: string) => ({ from: `/${n}/*`, to: '/new/:splat', status: 301 }),
        (n: string) => ({ from: `/${n}/*`, to: '/new/:splat' }),
        (n: string) => ({ path: `/${n}/**`, headers: { 'X-A': n } }),
      ];
      const shape = shapes.find((f) => kind.parse([f('a')]).ok)!;
      const r = (n: string): unknown[] => [shape(n)];
      return [same(r('a'), ''), { json: null, text: JSON.stringify(r('b')), expected: r('b') }, { json: null, text: JSON.stringify(r('c')), expected: r('c') }];
    }
  }
}

function cliArgs(spec: KeySpec, flag: string, s: Sample): string[] {
  if (spec.kind.type === 'bool') return [s.expected === true ? `--${flag}` : `--no-${flag}`];
  return [`--${flag}`, s.text];
}

test('every key: default < file < env < CLI, each value and source reported', async (t) => {
  const dir = await tempDir(t);
  const cfgDir = join(dir, 'etc');
  await mkdir(cfgDir);
  const file = join(cfgDir, 'site.json');
  for (const spec of KEYS as readonly KeySpec[]) {
    const [f, e, c] = samples(spec.kind, spec.default);
    const expect = (v: unknown, base: string): unknown => (spec.isPath === true && typeof v === 'string' ? resolve(base, v) : v);
    await writeFile(file, JSON.stringify({ [spec.key]: f.json }));
    const base: LoadInput = { argv: ['-c', file], env: {}, cwd: dir, skipFilesystemChecks: true };
    const none = loadConfig({ ...base, argv: [] });
    assert.equal(none.sources[spec.key as keyof typeof none.sources], 'default', spec.key);

    const fromFile = loadConfig(base);
    assert.deepEqual((fromFile.config as unknown as Record<string, unknown>)[spec.key], expect(f.expected, cfgDir), `${spec.key} from file`);
    assert.equal((fromFile.sources as Record<string, string>)[spec.key], `etc/site.json:$.${spec.key}`);

    const env = { [envNames(spec)[0]!]: e.text };
    const fromEnv = loadConfig({ ...base, env });
    assert.deepEqual((fromEnv.config as unknown as Record<string, unknown>)[spec.key], expect(e.expected, dir), `${spec.key} from env`);
    assert.equal((fromEnv.sources as Record<string, string>)[spec.key], envNames(spec)[0]);

    const flag = kebab(spec.key);
    // A certificate flag alone would imply --ssl (tested separately); keep TLS explicitly off here.
    const tlsOff = ['ssl_cert', 'ssl_key', 'ssl_pfx'].includes(spec.key) ? ['--no-enable-ssl'] : [];
    const fromCli = loadConfig({ ...base, env, argv: [...base.argv, ...cliArgs(spec, flag, c), ...tlsOff] });
    assert.deepEqual((fromCli.config as unknown as Record<string, unknown>)[spec.key], expect(c.expected, dir), `${spec.key} from CLI`);
    assert.equal((fromCli.sources as Record<string, string>)[spec.key], spec.kind.type === 'bool' && c.expected === false ? `--no-${flag}` : `--${flag}`);
  }
});

test('a certificate flag implies enable_ssl unless enable_ssl is set anywhere', async (t) => {
  const dir = await tempDir(t);
  const base: LoadInput = { argv: ['--ssl-cert', 'c.pem', '--ssl-key', 'k.pem'], env: {}, cwd: dir, skipFilesystemChecks: true };
  const implied = loadConfig(base);
  assert.equal(implied.config.enable_ssl, true);
  assert.equal(implied.sources.enable_ssl, '--ssl-cert (implied)');
  const off = loadConfig({ ...base, env: { HTTPCRAFT_ENABLE_SSL: 'false' } });
  assert.equal(off.config.enable_ssl, false, 'an explicit setting wins');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ ssl_cert: 'c.pem', ssl_key: 'k.pem' }));
  const fromFile = loadConfig({ ...base, argv: [] });
  assert.equal(fromFile.config.enable_ssl, false, 'paths in a config file alone do not turn TLS on');
});

test('every legacy name and extra flag sets its key', async (t) => {
  const dir = await tempDir(t);
  for (const spec of KEYS as readonly KeySpec[]) {
    const [, , c] = samples(spec.kind, spec.default);
    for (const flag of flagNames(spec).slice(1)) {
      const r = loadConfig({ argv: cliArgs(spec, flag, c), env: {}, cwd: dir, skipFilesystemChecks: true });
      const want = spec.isPath === true ? resolve(dir, String(c.expected)) : c.expected;
      assert.deepEqual((r.config as unknown as Record<string, unknown>)[spec.key], want, `--${flag}`);
    }
    for (const alias of spec.aliases ?? []) {
      const [f, e] = samples(spec.kind, spec.default);
      await writeFile(join(dir, 'config.json'), JSON.stringify({ [alias]: f.json }));
      const r = loadConfig({ argv: [], env: {}, cwd: dir, skipFilesystemChecks: true });
      assert.deepEqual((r.config as unknown as Record<string, unknown>)[spec.key], f.expected, alias);
      assert.equal((r.sources as Record<string, string>)[spec.key], `config.json:$.${alias}`);
      const envName = `HTTPCRAFT_${alias.toUpperCase()}`;
      const r2 = loadConfig({ argv: [], env: { [envName]: e.text }, cwd: dir, skipFilesystemChecks: true });
      assert.deepEqual((r2.config as unknown as Record<string, unknown>)[spec.key], e.expected, envName);
    }
  }
});

test('the seed legacy spellings: --directory, --enable-directory-listing, --max-threads, --ssl, --no-color', async (t) => {
  const dir = await tempDir(t);
  const r = loadConfig({ argv: ['--directory', 'pub', '--enable-directory-listing', '--max-threads', '8', '--ssl', '--no-color'], env: {}, cwd: dir, skipFilesystemChecks: true });
  assert.equal(r.config.document_root, join(dir, 'pub'));
  assert.equal(r.config.directory_listing, true);
  assert.equal(r.config.workers, 8);
  assert.equal(r.config.enable_ssl, true);
  assert.equal(r.config.colored_logging, false);
});

test('a positional ROOT is the document root; flags accept = and attached short values', async (t) => {
  const dir = await tempDir(t);
  const r = loadConfig({ argv: ['-p9001', '--host=127.0.0.1', './public', '--log-level', 'debug'], env: {}, cwd: dir, skipFilesystemChecks: true });
  assert.equal(r.config.port, 9001);
  assert.equal(r.config.host, '127.0.0.1');
  assert.equal(r.config.document_root, join(dir, 'public'));
  assert.equal(r.sources.document_root, 'ROOT');
  assert.equal(r.config.log_level, 'DEBUG');
});

test('./config.json is read when present; -c and HTTPCRAFT_CONFIG pick another file', async (t) => {
  const dir = await tempDir(t);
  assert.equal(loadConfig({ argv: [], env: {}, cwd: dir, skipFilesystemChecks: true }).configFile, null);
  await writeFile(join(dir, 'config.json'), '{"port": 1111}');
  await writeFile(join(dir, 'other.json'), '{"port": 2222}');
  assert.equal(loadConfig({ argv: [], env: {}, cwd: dir, skipFilesystemChecks: true }).config.port, 1111);
  assert.equal(loadConfig({ argv: ['-c', 'other.json'], env: {}, cwd: dir, skipFilesystemChecks: true }).config.port, 2222);
  assert.equal(loadConfig({ argv: ['--config=other.json'], env: {}, cwd: dir, skipFilesystemChecks: true }).config.port, 2222);
  assert.equal(loadConfig({ argv: [], env: { HTTPCRAFT_CONFIG: 'other.json' }, cwd: dir, skipFilesystemChecks: true }).config.port, 2222);
});

test('relative paths in a config file resolve against its folder; from flags and env against cwd', async (t) => {
  const dir = await tempDir(t);
  await mkdir(join(dir, 'site', 'htdocs'), { recursive: true });
  await writeFile(join(dir, 'site', 'config.json'), '{"document_root": "htdocs", "log_file": "logs/x.log"}');
  const r = loadConfig({ argv: ['-c', 'site/config.json'], env: {}, cwd: dir });
  assert.equal(r.config.document_root, join(dir, 'site', 'htdocs'));
  assert.equal(r.config.log_file, join(dir, 'site', 'logs', 'x.log'));
  const r2 = loadConfig({ argv: ['-c', 'site/config.json'], env: { HTTPCRAFT_LOG_FILE: 'y.log' }, cwd: dir });
  assert.equal(r2.config.log_file, join(dir, 'y.log'));
});

test('NO_COLOR turns colors off below HTTPCRAFT_COLORED_LOGGING and --color', async (t) => {
  const dir = await tempDir(t);
  const load = (argv: string[], env: Record<string, string>) => loadConfig({ argv, env, cwd: dir, skipFilesystemChecks: true });
  assert.equal(load([], { NO_COLOR: '1' }).config.colored_logging, false);
  assert.equal(load([], { NO_COLOR: '1' }).sources.colored_logging, 'NO_COLOR');
  assert.equal(load([], { NO_COLOR: '' }).config.colored_logging, true);
  assert.equal(load([], { NO_COLOR: '1', HTTPCRAFT_COLORED_LOGGING: 'yes' }).config.colored_logging, true);
  assert.equal(load(['--color'], { NO_COLOR: '1' }).config.colored_logging, true);
});

test('sizes take units; lists take commas or repeated flags; booleans take words', async (t) => {
  const dir = await tempDir(t);
  const r = loadConfig({ argv: ['--cors-allow-origin', 'https://a.example', '--cors-allow-origin', 'https://b.example', '--log-compress=yes'], env: { HTTPCRAFT_MAX_BODY_SIZE: '2M', HTTPCRAFT_ENABLE_CACHE: 'off' }, cwd: dir, skipFilesystemChecks: true });
  assert.equal(r.config.max_body_size, 2 * 1024 * 1024);
  assert.deepEqual(r.config.cors_allow_origin, ['https://a.example', 'https://b.example']);
  assert.equal(r.config.log_compress, true);
  assert.equal(r.config.enable_cache, false);
});

test('--help, --version and --print-config are actions; --print-config=json asks for JSON', async (t) => {
  const dir = await tempDir(t);
  const load = (argv: string[]) => loadConfig({ argv, env: {}, cwd: dir, skipFilesystemChecks: true });
  assert.equal(load(['-h']).action, 'help');
  assert.equal(load(['--version']).action, 'version');
  assert.equal(load(['-v']).action, 'version');
  assert.equal(loadConfig({ argv: ['--log-level', 'warn'], env: {}, cwd: dir, skipFilesystemChecks: true }).config.log_level, 'WARNING');
  assert.equal(load(['--print-config']).action, 'print-config');
  assert.equal(load(['--print-config=json']).printFormat, 'json');
  assert.equal(load(['--print-config', '--help']).action, 'help');
});
