import { Hono } from "hono";

export { Registrar } from "./instance/registrar.ts";

const app = new Hono();
app.get("/x", async () => fetch("https://mastodon.example.net/api/v1/instance"));
export default app;
