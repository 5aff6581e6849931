// Tests call the Worker through `exports` from "cloudflare:workers": its type is the Worker module.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index.ts");
  }
}

// The test Worker always has its KV namespace (wrangler.toml); only the self-hosted Worker has none.
declare namespace Cloudflare {
  interface Env {
    APPS: KVNamespace;
  }
}
