import { masto, openStreaming } from "./masto.ts";

// Who is signed in: the BFF's session decides.
export const signedInAccount = () => masto.v1.accounts.verifyCredentials();

// The first pages of the home timeline. masto.js follows each answer's `Link` header, which the
// BFF rewrote to its own origin (the instance's URLs never reach the page).
export async function homePages(count: number) {
  const pages = [];
  for await (const statuses of masto.v1.timelines.home.list({ limit: 20 })) {
    pages.push(statuses);
    if (pages.length === count) break;
  }
  return pages;
}

export const post = (text: string) => masto.v1.statuses.create({ status: text });

// The next event on the signed-in user's stream, then the socket is closed.
export async function nextUserEvent() {
  const streaming = openStreaming();
  try {
    for await (const event of streaming.user.subscribe()) return event;
  } finally {
    streaming.close();
  }
}
