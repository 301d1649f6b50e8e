// The Redis store: every server pointing at one Redis shares one budget per key (several machines
// behind a load balancer, or the workers of a cluster). The bucket arithmetic runs inside Redis as
// one Lua script, atomic by construction (a script runs alone, so two servers can never both take
// the last token), on the Redis server's own clock (TIME), so the servers' clocks need not agree.
// The script is sent once (EVALSHA by its SHA-1; EVAL when Redis answers NOSCRIPT, after a restart
// or failover that emptied its script cache). Keys expire once a bucket would be full again: an
// idle client costs Redis nothing.
//
// Redis down: commands fail at once while disconnected (no offline queue) and time out after
// `timeoutMs` when Redis hangs, so a request never waits on a dead store. rate_limit_fail says what
// then: "open" lets requests through (one warning per outage, not per request, and one line when
// Redis is back); "closed" answers 503 with Retry-After. The client reconnects by itself.

import { createHash } from 'node:crypto';
import { HttpError } from '../app/http-error.ts';
import type { CompiledRule, RateLimitStore } from './rate-limit.ts';
import { describeDecision, type Decision } from './token-bucket.ts';

// KEYS[1]: the bucket; ARGV: capacity, refill per ms, expiry ms. Returns {allowed, tokens left}.
// Tokens go back as a string: Redis turns a Lua number into an integer reply, losing the fraction.
const SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local cap = tonumber(ARGV[1])
local per = tonumber(ARGV[2])
local s = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(s[1])
local at = tonumber(s[2])
if tokens == nil or at == nil then tokens = cap; at = now end
if now > at then tokens = math.min(cap, tokens + (now - at) * per); at = now end
local allowed = 0
if tokens >= 1 - 1e-9 then tokens = math.max(0, tokens - 1); allowed = 1 end
redis.call('HSET', KEYS[1], 'tokens', string.format('%.17g', tokens), 'at', at)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {allowed, string.format('%.17g', tokens)}
`;
const SHA = createHash('sha1').update(SCRIPT).digest('hex');

export const DEFAULT_REDIS_TIMEOUT_MS = 500;
const KEY_PREFIX = 'httpcraft:rl:';

export interface RedisStoreOptions {
  /** redis://[user:password@]host:port[/db] (rediss:// for TLS). */
  url: string;
  fail: 'open' | 'closed';
  /** Longest wait for one decision before the store counts as down. */
  timeoutMs?: number;
  warn: (message: string) => void;
  info: (message: string) => void;
}

// The client library loads only when this store is configured (a dynamic import at start-up).
type Client = ReturnType<typeof import('redis').createClient>;

export class RedisStore implements RateLimitStore {
  #client: Client | null = null;
  readonly #options: RedisStoreOptions;
  readonly #timeoutMs: number;
  #down = false;
  #probing = false;
  #closed = false;
  /** The first connection attempt; requests arriving before it settles wait for it (bounded). */
  #connecting: Promise<unknown> | null;

  constructor(options: RedisStoreOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_REDIS_TIMEOUT_MS;
    this.#connecting = import('redis')
      .then(({ createClient }) => {
        const client = createClient({
          url: options.url,
          // Fail fast while disconnected rather than queue requests behind a dead connection.
          disableOfflineQueue: true,
          socket: {
            connectTimeout: Math.max(this.#timeoutMs, 1000),
            // Back off up to 2 s between attempts, for ever: Redis may come back at any time.
            reconnectStrategy: (retries: number) => Math.min(50 * 2 ** Math.min(retries, 6), 2000),
          },
        });
        // node-redis emits 'error' on every failed (re)connect; the outage is reported once, on use.
        client.on('error', () => {});
        // Reconnected after an outage: check it answers, and say so once.
        client.on('ready', () => this.#probe());
        this.#client = client;
        if (this.#closed) return undefined;
        return client.connect();
      })
      .then(
        () => (this.#connecting = null),
        () => (this.#connecting = null),
      );
  }

  take(rule: CompiledRule, key: string): Promise<Decision | null> {
    // While Redis is down, requests do not queue behind it: they get the failure answer at once and
    // one probe at a time finds out when it is back.
    if (this.#down) {
      this.#probe();
      return Promise.resolve().then(() => this.#failed(null));
    }
    const { capacity, perMs } = rule.policy;
    const ttlMs = Math.ceil(capacity / perMs) + 1000;
    const keys = [`${KEY_PREFIX}${rule.name}:${key}`];
    const args = [String(capacity), String(perMs), String(ttlMs)];
    return this.#run(keys, args).then(
      (reply) => describeDecision(rule.policy, reply[0] === 1, Number(reply[1]), { allowed: false, remaining: 0, resetSeconds: 0, retryAfterSeconds: 0 }),
      (error: unknown) => this.#failed(error),
    );
  }

  async #run(keys: string[], args: string[]): Promise<[number, string]> {
    if (this.#client?.isReady !== true && this.#connecting !== null) await waitAtMost(this.#connecting, this.#timeoutMs);
    const client = this.#client;
    if (client === null || !client.isReady) throw new Error('not connected');
    // node-redis times out a command only while it waits to be written; a command already sent to
    // a hung Redis would wait for ever, so the bound is ours.
    return withTimeout(script(client, keys, args), this.#timeoutMs);
  }

  #probe(): void {
    const client = this.#client;
    if (this.#probing || client === null || !client.isReady) return;
    this.#probing = true;
    withTimeout(client.ping(), this.#timeoutMs).then(
      () => {
        this.#probing = false;
        this.#up();
      },
      () => (this.#probing = false),
    );
  }

  #up(): void {
    if (!this.#down) return;
    this.#down = false;
    this.#options.info('rate limit store: Redis reachable again; limits apply');
  }

  #failed(error: unknown): null {
    if (!this.#down && error !== null) {
      this.#down = true;
      const reason = error instanceof Error ? error.message : String(error);
      this.#options.warn(`rate limit store: Redis unreachable (${reason}); ${this.#options.fail === 'open' ? 'requests are allowed without limits until it is back (rate_limit_fail: open)' : 'rate-limited requests get 503 until it is back (rate_limit_fail: closed)'}`);
    }
    if (this.#options.fail === 'open') return null;
    throw new HttpError(503, 'Rate limiting is unavailable; try again shortly.', { headers: { 'Retry-After': '1' } });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    const client = this.#client;
    if (client === null) return;
    try {
      if (client.isOpen) await client.close();
      else client.destroy();
    } catch {
      client.destroy();
    }
  }
}

async function script(client: Client, keys: string[], args: string[]): Promise<[number, string]> {
  try {
    return (await client.evalSha(SHA, { keys, arguments: args })) as [number, string];
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('NOSCRIPT')) throw error;
    return (await client.eval(SCRIPT, { keys, arguments: args })) as [number, string];
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function waitAtMost(promise: Promise<unknown>, ms: number): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise((resolve) => (timer = setTimeout(resolve, ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
