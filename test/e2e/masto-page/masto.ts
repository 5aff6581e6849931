import { createRestAPIClient, createStreamingAPIClient } from "masto";

// The page is served from the BFF's origin. No access token: fetch sends the HttpOnly session
// cookie by itself (credentials "same-origin" is the default) and the BFF adds `Authorization`
// upstream. Every API call needs the `X-CSRF: 1` header.
export const masto = createRestAPIClient({
  url: location.origin,
  requestInit: { headers: { "X-CSRF": "1" } },
});

// The streaming API: one WebSocket to the BFF. The browser sends the cookie and its Origin (which
// the BFF checks); the BFF connects to the instance's streaming server with the token.
export const openStreaming = () =>
  createStreamingAPIClient({ streamingApiUrl: location.origin.replace(/^http/, "ws") });
