// The runtime's limit: a Worker that only forwards the request to the upstream stub.
export default {
  fetch(request, env) {
    const url = new URL(request.url);
    return fetch(env.UPSTREAM + url.pathname + url.search, request);
  },
};
