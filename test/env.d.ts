// Tests call the Worker through `exports` from "cloudflare:workers": its type is the Worker module.
declare namespace Cloudflare {
  interface GlobalProps {
    mainModule: typeof import("../src/index.ts");
  }
}
