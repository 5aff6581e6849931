/** The home timeline: pages through fedi-bff's rewritten `Link` header, and a post at the top. */
import { bff } from "./bff.ts";
import { $, say, setImage } from "./dom.ts";
import { report } from "./failures.ts";

/** The fields of a Mastodon status the demo shows. */
interface Status {
  readonly id: string;
  readonly created_at: string;
  /** HTML from the instance. */
  readonly content: string;
  readonly account: {
    readonly avatar: unknown;
    readonly acct: string;
    readonly username: string;
    readonly display_name: string;
  };
}

/** The next page: an absolute URL on fedi-bff (the client follows no link off it), or null. */
let nextPage: string | null = null;

export async function loadFirstPage(): Promise<void> {
  $("timeline").replaceChildren();
  await loadStatuses("/api/v1/timelines/home?limit=20");
}

export async function loadMore(): Promise<void> {
  if (nextPage === null) return;
  const button = $<HTMLButtonElement>("load-more");
  button.disabled = true;
  await loadStatuses(nextPage).finally(() => {
    button.disabled = false;
  });
}

async function loadStatuses(url: string): Promise<void> {
  try {
    const page = await bff.page<Status>(url);
    $("timeline").append(...page.items.map(renderStatus));
    nextPage = page.next;
    $("load-more").hidden = nextPage === null;
  } catch (error) {
    report(error);
  }
}

export async function post(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const text = $<HTMLTextAreaElement>("status-text");
  if (!text.value.trim()) return;
  const button = $<HTMLButtonElement>("post");
  button.disabled = true;
  try {
    const res = await bff.api("/api/v1/statuses", {
      method: "POST",
      // Idempotency-Key: a retried post is not published twice.
      headers: { "Content-Type": "application/json", "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ status: text.value }),
    });
    $("timeline").prepend(renderStatus((await res.json()) as Status));
    text.value = "";
    say("app-error", "");
  } catch (error) {
    report(error);
  } finally {
    button.disabled = false;
  }
}

function renderStatus(status: Status): HTMLElement {
  const template = $<HTMLTemplateElement>("status-template").content.firstElementChild;
  const item = template?.cloneNode(true) as HTMLElement;
  item.dataset.id = status.id;
  setImage(item.querySelector("img") as HTMLImageElement, status.account.avatar);
  const field = (selector: string) => item.querySelector(selector) as HTMLElement;
  field(".name").textContent = status.account.display_name || status.account.username;
  field(".acct").textContent = `@${status.account.acct}`;
  const time = item.querySelector("time") as HTMLTimeElement;
  time.textContent = new Date(status.created_at).toLocaleString();
  time.dateTime = status.created_at;
  // Status content is HTML from the instance: a real client sanitizes it; the demo shows text only
  // (DOMParser does not run scripts or load images).
  const doc = new DOMParser().parseFromString(status.content, "text/html");
  field(".content").textContent = doc.body.textContent;
  return item;
}
