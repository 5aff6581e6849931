/** The one fedi-bff client of the page: fedi-bff answers on this page's own origin. */
import { createClient } from "../../src/client/index.ts";

export const bff = createClient();
