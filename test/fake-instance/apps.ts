import { refusesUnknownAppKeys } from "./flavour.ts";
import { type Body, bearer, type Ctx, readBody, sendJson, str } from "./http.ts";
import { type App, liveToken, randomToken, siteNow } from "./state.ts";

const VAPID_KEY = "BCk-QqERU0q-CfYZjcuB6lnyyOYfJ2AifKqfeGIm7Z-HiTU5T9eTG5GxVA0_OH5mMlI4UkkDTpaZwozy0TzdZ2M=";
/** The keys Hollo accepts in `POST /api/v1/apps`; it refuses any other. */
const APP_KEYS = new Set(["client_name", "redirect_uris", "scopes", "website"]);
const KNOWN_SCOPES = /^(read|write|follow|push|profile|admin)(:[a-z_]+)*$/;

/** Parses a space-separated scope string; undefined if any scope is unknown. */
export function parseScopes(raw: string | undefined, fallback = "read"): string[] | undefined {
  const scopes = (raw ?? "").split(/\s+/).filter(Boolean);
  const list = scopes.length ? scopes : [fallback];
  return list.every((s) => KNOWN_SCOPES.test(s)) ? [...new Set(list)] : undefined;
}

/** The app a form body's `client_id` and `client_secret` authenticate, if they do. */
export function authenticatedApp(ctx: Ctx, body: Body): App | undefined {
  const app = ctx.site.apps.get(str(body, "client_id") ?? "");
  return app && app.clientSecret === str(body, "client_secret") ? app : undefined;
}

function isAbsoluteUri(uri: string): boolean {
  if (uri === "urn:ietf:wg:oauth:2.0:oob") return true;
  try {
    return Boolean(new URL(uri).protocol) && !uri.includes("#");
  } catch {
    return false;
  }
}

/** Validates the body the way each server does; returns an error [status, body] or the parsed app. */
function validate(
  ctx: Ctx,
  body: Body,
): [number, unknown] | Omit<App, "id" | "clientId" | "clientSecret" | "createdAt"> {
  const gts = ctx.site.flavour === "gts";
  const raw = body.redirect_uris;
  // GoToSocial binds redirect_uris to a Go string: an array fails to unmarshal.
  if (gts && Array.isArray(raw)) {
    return [
      400,
      {
        error:
          "Bad Request: json: cannot unmarshal array into Go struct field AppsCreateRequest.redirect_uris of type string",
      },
    ];
  }
  const unknown = Object.keys(body).filter((key) => !APP_KEYS.has(key));
  if (refusesUnknownAppKeys(ctx.site.flavour) && unknown.length > 0) {
    return [422, { error: "invalid_request", error_description: `Unknown keys: ${unknown.join(", ")}` }];
  }
  // snac reads redirect_uris as a string only: an array is answered 404 (measured).
  if (ctx.site.flavour === "snac" && typeof raw !== "string") return [404, ""];
  const name = str(body, "client_name");
  if (!name)
    return gts
      ? [400, { error: "Bad Request: client_name was empty" }]
      : v("Application name can't be blank");
  const list = Array.isArray(raw) ? raw : typeof raw === "string" ? raw.split("\n") : [];
  const uris = list.map((u) => String(u).trim()).filter(Boolean);
  if (!uris.length)
    return gts ? [400, { error: "Bad Request: redirect_uris was empty" }] : v("Redirect URI can't be blank");
  if (!uris.every(isAbsoluteUri)) {
    return gts
      ? [400, { error: "Bad Request: redirect_uris invalid" }]
      : v("Redirect URI must be an absolute URI.");
  }
  const scopes = parseScopes(str(body, "scopes"));
  if (!scopes)
    return gts ? [400, { error: "Bad Request: scope invalid" }] : v("Scopes must be a valid scope");
  return { name, website: str(body, "website") || null, redirectUris: uris, scopes };
}

const v = (message: string): [number, unknown] => [422, { error: `Validation failed: ${message}` }];

/** POST /api/v1/apps */
export async function createApp(ctx: Ctx) {
  const body = await readBody(ctx.req);
  if (body === "invalid") return sendJson(ctx, 400, { error: "Bad Request" });
  const result = validate(ctx, body);
  if (Array.isArray(result)) return sendJson(ctx, result[0], result[1]);
  const site = ctx.site;
  const app: App = {
    ...result,
    id: String(1000 + site.apps.size + site.registrations),
    clientId: randomToken(32),
    clientSecret: randomToken(32),
    createdAt: siteNow(site),
  };
  site.apps.set(app.clientId, app);
  site.registrations++;
  sendJson(ctx, 200, appJson(ctx, app));
}

function appJson(ctx: Ctx, app: App): Record<string, unknown> {
  const base = { id: app.id, name: app.name, website: app.website };
  const secrets = { client_id: app.clientId, client_secret: app.clientSecret };
  const redirect_uri = app.redirectUris.join("\n");
  if (ctx.site.flavour === "mastodon") {
    return {
      ...base,
      scopes: app.scopes,
      redirect_uri,
      redirect_uris: app.redirectUris,
      ...secrets,
      client_secret_expires_at: 0,
      vapid_key: VAPID_KEY,
    };
  }
  return { ...base, redirect_uri, ...secrets, vapid_key: VAPID_KEY };
}

/** GET /api/v1/apps/verify_credentials (GoToSocial has no such route). */
export function verifyApp(ctx: Ctx) {
  const token = liveToken(ctx.site, bearer(ctx));
  const app = token && ctx.site.apps.get(token.clientId);
  if (!token || !app) return sendJson(ctx, 401, { error: "The access token is invalid" });
  sendJson(ctx, 200, {
    id: app.id,
    name: app.name,
    website: app.website,
    scopes: app.scopes,
    vapid_key: VAPID_KEY,
  });
}
