/**
 * fedi-bff's production bundle (src/index.ts as `wrangler deploy --dry-run` builds it), which the
 * self-hosted config loads as the module `fedi-bff-bundle.js` beside selfhost/one-origin.ts.
 */
declare const worker: {
  fetch(request: Request, env: object, ctx: unknown): Response | Promise<Response>;
};
export default worker;
export declare const Registrar: abstract new (...args: never[]) => object;
