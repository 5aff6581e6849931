import { it } from "vitest";
import { domainToUnicode, domainToASCII } from "node:url";
it("probe", async () => {
  const inputs = ["xn--a.com","xn--.com","xn--zz-.com","xn--ls8h.la","xn--bcher-kva.org","xn--abc.com","xn--ab--c.com","xn--mnchen-3ya-.de","a.xn--","a.xn--90a","xn--i-7iq.com","xn--nxa.com","xn--0ca.com","xn--zca.de", "xn--ba-.com", "xn--Bcher-kva.org", "xn--bcher-kva-.org", "xn--55qx5d.cn", "xn--bcher-kvaa.org", "xn--mastodon-.social", "xn--mastodon.social","xn--80ak6aa92e.com", "xn--a-ecp.ru","xn--ss-.de"];
  for (const i of inputs) {
    let u = "", a = "";
    try { u = domainToUnicode(i); } catch (e) { u = "THROW"; }
    try { a = domainToASCII(u); } catch (e) { a = "THROW"; }
    let w = "";
    try { w = new URL("https://" + u + "/").hostname; } catch { w = "THROW"; }
    console.log(JSON.stringify(i), "=> uni", JSON.stringify(u), "ascii", JSON.stringify(a), "url", JSON.stringify(w));
  }
});
