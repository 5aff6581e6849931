/**
 * The workerd config (capnp text) for one benchmark run. Every socket listens on 127.0.0.1:0; the
 * harness learns the ports from workerd's control fd. Services:
 *
 *   pass        the bare pass-through Worker (the runtime's limit)
 *   new-head    the pass-through plus a new, allow-listed response head (the floor for any proxy
 *               that filters the head)
 *   new-head-open  new-head plus one open of the session cookie per request (the floor for a proxy
 *               whose session is an encrypted cookie it cannot answer from memory)
 *   bff         fedi-bff as deployed: ENVIRONMENT=production, all of its bindings
 *   mounted     fedi-bff as a library in front of a Hono app (bench/workers/mounted.ts: bff.wrap),
 *               as deployed
 *   bff-nokv    the same bundle with no KV binding at all: the proxy must still serve
 *   bff-login   fedi-bff in development mode, so that the stub on http://127.0.0.1 is an allowed
 *               instance (ALLOW_INSECURE_INSTANCES) for the login-start figure
 *   bff-self    fedi-bff as `npm run self-host` runs it (selfhost/workerd.ts): no KV, no Rate
 *               Limiting binding, the Registrar on local disk (self-host-data), and the demo's
 *               folder (self-host-assets) served in the same isolate (selfhost/one-origin.ts)
 *   seal        the session-cookie micro-benchmark
 *   kv          the counting KV service in the stub process
 *   internet    outbound network, loopback and private addresses allowed
 */

import type { HeaderRule } from "../../selfhost/front.ts";
import {
  assetsService,
  bffWorker,
  diskService,
  selfHostedWorker,
  str,
  textBinding as text,
} from "../../selfhost/workerd.ts";

export interface ConfigInput {
  /** Paths relative to the config file's directory. */
  readonly bffModule: string;
  readonly mountedModule: string;
  readonly sealModule: string;
  readonly passModule: string;
  readonly newHeadModule: string;
  readonly newHeadOpenModule: string;
  readonly ratelimitModule: string;
  readonly compatibilityDate: string;
  readonly compatibilityFlags: readonly string[];
  readonly upstreamOrigin: string;
  readonly kvAddress: string;
  readonly sessionKey: string;
  readonly sealedCookie: string;
  /** PUBLIC_URL of the production-mode services (never dialled: only used to rewrite Link). */
  readonly publicUrl: string;
  /** V8 flags for every isolate (the profiler's --trace-gc). */
  readonly v8Flags?: readonly string[];
  /** Absolute path of the self-hosted copy's Durable Object folder (emptied before each run). */
  readonly selfHostDataDir: string;
  /** The self-hosted front Worker (selfhost/front.ts), its frontend folder (absolute) and `_headers`. */
  readonly frontModule: string;
  readonly assetsDir: string;
  readonly assetsRules: readonly HeaderRule[];
}

/**
 * Login limit far above anything a run sends: the limiter is keyed per client IP, and every
 * request of a run comes from 127.0.0.1.
 */
const BENCH_LOGIN_LIMIT = 1_000_000_000;

function bffBindings(input: ConfigInput, vars: Record<string, string>, withKv: boolean): string[] {
  return [
    ...Object.entries(vars).map(([k, v]) => text(k, v)),
    text("SESSION_KEYS", input.sessionKey),
    ...(withKv ? [`(name = "APPS", kvNamespace = "kv")`] : []),
    `(name = "LOGIN_LIMITER", wrapped = (moduleName = "fedi-bff-bench:ratelimit", innerBindings = [
        (name = "limit", json = "${BENCH_LOGIN_LIMIT}"), (name = "period", json = "60") ]))`,
  ];
}

const compat = (input: ConfigInput) => ({ date: input.compatibilityDate, flags: input.compatibilityFlags });

function cloudflareLike(
  input: ConfigInput,
  vars: Record<string, string>,
  withKv: boolean,
  module = input.bffModule,
): string {
  return bffWorker({
    module,
    compat: compat(input),
    bindings: bffBindings(input, vars, withKv),
    uniqueKey: module === input.bffModule ? "fedi-bff-bench-Registrar" : "fedi-bff-bench-mounted-Registrar",
    durableObjectStorage: "(inMemory = void)",
    globalOutbound: "internet",
  });
}

/**
 * A reference Worker: one module, the upstream stub's origin, fedi-bff's compatibility settings;
 * `withKeys` adds fedi-bff's SESSION_KEYS (the key the bench mints its cookies with).
 */
function referenceWorker(name: string, module: string, input: ConfigInput, withKeys = false): string {
  const bindings = [text("UPSTREAM", input.upstreamOrigin)];
  if (withKeys) bindings.push(text("SESSION_KEYS", input.sessionKey));
  return `(name = ${str(name)}, worker = (
    modules = [ (name = ${str(`${name}.js`)}, esModule = embed ${str(module)}) ],
    compatibilityDate = ${str(input.compatibilityDate)},
    compatibilityFlags = [ ${input.compatibilityFlags.map(str).join(", ")} ],
    bindings = [ ${bindings.join(", ")} ],
    globalOutbound = "internet",
  ))`;
}

/** Socket names, in the order of `services` below; the harness maps control-fd ports by name. */
export const SOCKETS = [
  "pass",
  "new-head",
  "new-head-open",
  "bff",
  "mounted",
  "bff-nokv",
  "bff-login",
  "bff-self",
  "seal",
] as const;
export type SocketName = (typeof SOCKETS)[number];

export function workerdConfig(input: ConfigInput): string {
  const production = {
    ENVIRONMENT: "production",
    PUBLIC_URL: input.publicUrl,
    APP_WEBSITE: input.publicUrl,
    APP_NAME: "fedi-bff",
    SCOPES: "read write push",
    SESSION_TTL: "2592000",
  };
  const stubHost = new URL(input.upstreamOrigin).host;
  const development = {
    ENVIRONMENT: "development",
    ALLOW_INSECURE_INSTANCES: stubHost,
    APP_NAME: "fedi-bff",
    SCOPES: "read write push",
    SESSION_TTL: "2592000",
  };
  const services = [
    referenceWorker("pass", input.passModule, input),
    referenceWorker("new-head", input.newHeadModule, input),
    referenceWorker("new-head-open", input.newHeadOpenModule, input, true),
    `(name = "bff", worker = ${cloudflareLike(input, production, true)})`,
    `(name = "mounted", worker = ${cloudflareLike(input, production, true, input.mountedModule)})`,
    `(name = "bff-nokv", worker = ${cloudflareLike(input, production, false)})`,
    `(name = "bff-login", worker = ${cloudflareLike(input, development, true)})`,
    // The vars as text here; the self-host command names them (fromEnvironment) instead.
    `(name = "bff-self", worker = ${selfHostedWorker({
      module: input.bffModule,
      compat: compat(input),
      vars: [
        ...Object.entries(production).map(([k, v]) => text(k, v)),
        text("SESSION_KEYS", input.sessionKey),
      ],
      diskService: "self-host-data",
      globalOutbound: "internet",
      frontend: { module: input.frontModule, files: "self-host-assets", rules: input.assetsRules },
    })})`,
    diskService("self-host-data", input.selfHostDataDir),
    assetsService("self-host-assets", input.assetsDir),
    `(name = "seal", worker = (
    modules = [ (name = "seal.js", esModule = embed ${str(input.sealModule)}) ],
    compatibilityDate = ${str(input.compatibilityDate)},
    bindings = [ ${text("SESSION_KEYS", input.sessionKey)}, ${text("SEALED", input.sealedCookie)} ],
  ))`,
    `(name = "kv", external = (address = ${str(input.kvAddress)}, http = ()))`,
    `(name = "internet", network = (allow = ["public", "local", "private"]))`,
  ];
  const sockets = SOCKETS.map(
    (name) => `(name = ${str(name)}, address = "127.0.0.1:0", http = (), service = ${str(name)})`,
  );
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  v8Flags = [ ${(input.v8Flags ?? []).map(str).join(", ")} ],
  services = [
  ${services.join(",\n  ")}
  ],
  sockets = [
    ${sockets.join(",\n    ")}
  ],
  extensions = [ (modules = [
    (name = "fedi-bff-bench:ratelimit", esModule = embed ${str(input.ratelimitModule)}, internal = true),
  ]) ],
);
`;
}
