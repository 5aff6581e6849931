// `env` from "cloudflare:workers" in the tests: the bindings wrangler.toml declares for fedi-bff.
type ExampleEnv = import("fedi-bff").FediBffEnv;

declare namespace Cloudflare {
  interface Env extends ExampleEnv {}
}
