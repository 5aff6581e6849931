// Vite's `?raw` imports: a file's text, for tests that check the repository's own static files.
declare module "*?raw" {
  const text: string;
  export default text;
}
