/**
 * The streaming server an instance names (`configuration.urls.streaming`, Mastodon's
 * STREAMING_API_BASE_URL) is another host at most: fedi-bff takes only its scheme, host and port
 * and builds the path itself, so a path or query in the instance's answer cannot turn the BFF into
 * a GET relay to arbitrary URLs with the user's token.
 */

/**
 * `wss://host[:port]` (or `ws://…`) from an already host-checked URL. On the instance's own host
 * the scheme follows the instance's: GoToSocial advertises `wss://` even while it serves plain
 * http (a development setup), where only `ws://` answers.
 */
export function streamingOrigin(url: URL, instanceOrigin: string): string {
  const secure = url.protocol === "wss:" || url.protocol === "https:";
  let instance: URL | null = null;
  try {
    instance = new URL(instanceOrigin);
  } catch {
    instance = null;
  }
  if (instance !== null && instance.host === url.host) {
    return `${instance.protocol === "http:" ? "ws:" : "wss:"}//${url.host}`;
  }
  return `${secure ? "wss:" : "ws:"}//${url.host}`;
}
