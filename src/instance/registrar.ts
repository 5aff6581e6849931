import { DurableObject } from "cloudflare:workers";
export class Registrar extends DurableObject {}
