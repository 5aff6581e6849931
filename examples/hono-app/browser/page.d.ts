// What the browser-client example of docs/library.md assumes of the page around it.
declare function show(code: string | null): void;
interface Status {
  readonly id: string;
  readonly content: string;
}
