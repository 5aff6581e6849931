// A stand-in for the Rate Limiting binding (a "wrapped" binding, as Miniflare simulates it): a
// fixed-window counter per key in memory. The benchmark sets a limit no run can reach, so the
// login figure includes the call but is never throttled.
class RateLimiter {
  #limit;
  #periodMs;
  #windows = new Map();

  constructor(limit, period) {
    this.#limit = limit;
    this.#periodMs = period * 1000;
  }

  async limit({ key }) {
    const now = Date.now();
    let window = this.#windows.get(key);
    if (window === undefined || window.start + this.#periodMs <= now) {
      window = { start: now, count: 0 };
      this.#windows.set(key, window);
    }
    window.count++;
    return { success: window.count <= this.#limit };
  }
}

export default function makeBinding(env) {
  return new RateLimiter(env.limit, env.period);
}
