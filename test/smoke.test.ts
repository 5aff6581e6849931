import { exports } from "cloudflare:workers";
import { expect, it } from "vitest";

it("reaches the fake", async () => {
  const res = await exports.default.fetch("https://bff.example.com/x");
  expect(await res.json()).toEqual({ origin: "https://mastodon.example.net", path: "/api/v1/instance" });
});
