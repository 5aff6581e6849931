/**
 * Moving the server code's clock (src/clock.ts reads Date.now): the Worker and its Durable Objects
 * run in one isolate in tests, so one fake Date moves them all. Every file that travels restores
 * real time after each test with `afterEach(() => vi.useRealTimers())`.
 */
import { vi } from "vitest";

/** Moves the clock of the Worker and its Durable Objects forward by `seconds`. */
export function travel(seconds: number): void {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(Date.now() + seconds * 1000);
}
