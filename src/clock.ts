/** The one clock of the server code: seconds since the epoch (tests move it with fake timers). */
export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}
