/**
 * A KV wrapper that behaves like Cloudflare's production KV seen from one location
 * (Cloudflare KV: eventually consistent, and it caches misses): a miss is cached for `missTtlMs` (the location keeps answering null even
 * after someone writes the key), and a value written elsewhere becomes visible here only
 * `propagationMs` after this location first could have seen it. Reads and writes are counted.
 */
export interface EventualKvOptions {
  readonly missTtlMs: number;
  readonly propagationMs: number;
  readonly now?: () => number;
}

export class EventualKv {
  readonly counts = { get: 0, put: 0, delete: 0, list: 0 };
  readonly #inner: KVNamespace;
  readonly #options: EventualKvOptions;
  readonly #misses = new Map<string, number>();
  readonly #firstSeen = new Map<string, number>();

  constructor(inner: KVNamespace, options: EventualKvOptions) {
    this.#inner = inner;
    this.#options = options;
  }

  get namespace(): KVNamespace {
    return this as unknown as KVNamespace;
  }

  async get(key: string): Promise<string | null> {
    this.counts.get++;
    const now = (this.#options.now ?? Date.now)();
    const missedAt = this.#misses.get(key);
    if (missedAt !== undefined && now - missedAt < this.#options.missTtlMs) return null;
    const value = await this.#inner.get(key);
    if (value === null) {
      this.#misses.set(key, now);
      return null;
    }
    const seen = this.#firstSeen.get(key) ?? now;
    this.#firstSeen.set(key, seen);
    return now - seen >= this.#options.propagationMs ? value : null;
  }

  async put(key: string, value: string, options?: KVNamespacePutOptions): Promise<void> {
    this.counts.put++;
    await this.#inner.put(key, value, options);
  }

  async delete(key: string): Promise<void> {
    this.counts.delete++;
    await this.#inner.delete(key);
  }

  async list(): Promise<never> {
    this.counts.list++;
    throw new Error("list is not used by fedi-bff");
  }
}
