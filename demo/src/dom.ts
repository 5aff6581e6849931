/** The page's elements (their ids are stable: the e2e tests and frontend authors rely on them). */

/** The element with this id; the page has every one this script names. */
export function $<T extends HTMLElement = HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (element === null) throw new Error(`the page has no #${id}`);
  return element as T;
}

/** Shows `text` in a message line (hidden when empty), with the error code it stands for. */
export function say(id: string, text: string, code = ""): void {
  const line = $(id);
  line.textContent = text;
  line.dataset.code = code;
  line.hidden = !text;
}

/** Only http(s) images: an instance's avatar URL is not trusted with any other scheme. */
export function setImage(img: HTMLImageElement, url: unknown): void {
  if (typeof url === "string" && /^https?:/.test(url)) img.src = url;
}

export function showLogin(): void {
  $("app").hidden = true;
  $("login").hidden = false;
  $("instance").focus();
}

export function showApp(): void {
  $("login").hidden = true;
  $("app").hidden = false;
}
