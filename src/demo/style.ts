/** The demo's stylesheet, served as `/demo.css` (the CSP allows same-origin styles only). */
export const DEMO_CSS = `:root { color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.4; }
body { max-width: 38rem; margin: 2rem auto; padding: 0 1rem; }
[hidden] { display: none !important; }
h1 { font-size: 1.3rem; }
form { display: flex; gap: .5rem; margin: 1rem 0; }
input, textarea { flex: 1; font: inherit; padding: .4rem; }
textarea { min-height: 4rem; }
button { font: inherit; padding: .4rem .8rem; cursor: pointer; }
.error { color: #b00020; }
.notice { color: #1b5e20; }
#me { display: flex; align-items: center; gap: .8rem; }
#me div { flex: 1; display: flex; flex-direction: column; }
#avatar { width: 3rem; height: 3rem; border-radius: .4rem; background: #8884; }
#timeline { list-style: none; padding: 0; }
.status { display: flex; gap: .6rem; padding: .6rem 0; border-top: 1px solid #8884; }
.status img { width: 2.4rem; height: 2.4rem; border-radius: .3rem; background: #8884; }
.status header { display: flex; gap: .4rem; flex-wrap: wrap; font-size: .9rem; }
.status .acct, .status time { color: #888; }
.status .content { margin: .2rem 0 0; overflow-wrap: anywhere; }
#load-more { width: 100%; }
`;
