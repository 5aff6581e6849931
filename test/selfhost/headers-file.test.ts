/** The `_headers` subset the self-hosted server applies (selfhost/headers-file.ts). */
import { describe, expect, it } from "vitest";
import { parseHeadersFile } from "../../selfhost/headers-file.ts";

describe("parseHeadersFile", () => {
  it("reads paths, header lines, removals and comments", () => {
    const text = [
      "# the demo's headers",
      "/*",
      "  Content-Security-Policy: default-src 'none'; img-src https: http://127.0.0.1:*",
      "  X-Content-Type-Options: nosniff",
      "",
      "/docs/*",
      "\t! X-Content-Type-Options",
      "  # an indented comment",
    ].join("\r\n");
    expect(parseHeadersFile(text)).toEqual({
      rules: [
        {
          path: "/*",
          set: [
            ["Content-Security-Policy", "default-src 'none'; img-src https: http://127.0.0.1:*"],
            ["X-Content-Type-Options", "nosniff"],
          ],
          detach: [],
        },
        { path: "/docs/*", set: [], detach: ["X-Content-Type-Options"] },
      ],
      problems: [],
    });
  });

  it("lists every line it cannot apply, and then applies nothing", () => {
    const text = [
      "  X-Early: 1",
      "https://app.example.org/*",
      "  X-Frame-Options: DENY",
      "/*",
      "  no colon here",
      "  Bad Name: 1",
      "  ! also bad",
    ].join("\n");
    expect(parseHeadersFile(text)).toEqual({
      rules: [],
      problems: [
        "line 1: a header line before any path",
        'line 2: "https://app.example.org/*" is not a path starting with / (absolute URLs are not supported)',
        'line 5: "no colon here" is not a "Name: value" header line',
        'line 6: "Bad Name: 1" is not a "Name: value" header line',
        'line 7: "also bad" is not a header name',
      ],
    });
  });
});
