// Tests call the Worker through `exports` from "cloudflare:workers": its type is the Worker module,
// and `env` from "cloudflare:workers" has the standalone Worker's bindings and vars.
type FediBffTestEnv = import("../src/config/env.ts").Env;

declare namespace Cloudflare {
  interface Env extends FediBffTestEnv {}
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
