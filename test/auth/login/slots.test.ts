/**
 * The login-slot logic as pure functions over opened slots: which slot a login takes, what the
 * slots say of pending and finished logins, and which cookies a start clears. No network, no
 * decryption: each case runs in well under a millisecond.
 */
import { describe, expect, it } from "vitest";
import {
  finishedLogins,
  hasConcurrentLogin,
  hasUnfinishedLogin,
  onlyPendingLogin,
  pendingLogin,
  pickSlot,
  type Slots,
  staleLoginCookies,
  stateIn,
} from "../../../src/auth/login/slots.ts";
import {
  type LoginTransaction,
  loginCookieName,
  SLOT_NAMES,
  type Slot,
  slotOf,
} from "../../../src/auth/login/transaction.ts";
import { LOGIN_COOKIE_PREFIX, MAX_COOKIE_HEADER, MAX_LOGIN_COOKIES } from "../../../src/session/cookies.ts";

const RANDOM = "R".repeat(43);

function pending(slot: number, host: string, iat: number, clientId = "client"): Slot {
  const tx: LoginTransaction = {
    state: stateIn(slot, RANDOM),
    verifier: "v",
    host,
    origin: `https://${host}`,
    clientId,
    redirectUri: "",
    scopes: "read",
    returnTo: `/from-${slot}`,
    forceLogin: false,
    retried: false,
    expectedAcct: "",
  };
  return { kind: "pending", slot, tx, expired: false, iat };
}

function finished(slot: number, token: string): Slot {
  const account = { instance: "a.example", origin: "https://a.example", clientId: "c", token };
  return { kind: "finished", slot, iat: 1, account };
}

const empty = (): (Slot | null)[] => Array.from({ length: MAX_LOGIN_COOKIES }, () => null);
function slots(...filled: Slot[]): Slots {
  const all = empty();
  for (const s of filled) all[s.slot] = s;
  return all;
}

describe("which slot a login takes", () => {
  it("takes a free slot, chosen by the random byte among the free ones", () => {
    const taken = slots(pending(1, "a.example", 10));
    expect(pickSlot(taken, 0)).toBe(0);
    expect(pickSlot(taken, 1)).toBe(2);
    expect(pickSlot(taken, 2)).toBe(0);
  });

  it("takes the oldest login's slot when every slot is taken", () => {
    const full = slots(pending(0, "a.example", 30), pending(1, "b.example", 10), finished(2, "t"));
    expect(pickSlot(full, 7)).toBe(2);
    const allPending = slots(
      pending(0, "a.example", 30),
      pending(1, "b.example", 10),
      pending(2, "c.example", 20),
    );
    expect(pickSlot(allPending, 7)).toBe(1);
  });

  it("keeps a restarting login in its own slot", () => {
    expect(pickSlot(empty(), 0, stateIn(2, RANDOM))).toBe(2);
  });

  it("draws a state whose first character names its slot and keeps the rest random", () => {
    for (let slot = 0; slot < MAX_LOGIN_COOKIES; slot++) {
      const state = stateIn(slot, RANDOM);
      expect(state).toHaveLength(43);
      expect(slotOf(state)).toBe(slot);
      expect(state.slice(1)).toBe(RANDOM.slice(1));
    }
    expect(slotOf(`Z${RANDOM.slice(1)}`)).toBeNull();
  });
});

describe("what the slots say", () => {
  const open = slots(
    pending(0, "a.example", 10, "ca"),
    pending(1, "b.example", 20, "cb"),
    finished(2, "tok"),
  );

  it("finds the pending login of a state, and nothing for a finished slot or another state", () => {
    expect(pendingLogin(open, stateIn(1, RANDOM))?.tx.host).toBe("b.example");
    expect(pendingLogin(open, stateIn(2, RANDOM))).toBeNull();
    expect(pendingLogin(open, `Z${RANDOM.slice(1)}`)).toBeNull();
  });

  it("knows an unfinished login by host and client", () => {
    expect(hasUnfinishedLogin(open, "a.example", "ca")).toBe(true);
    expect(hasUnfinishedLogin(open, "a.example", "cb")).toBe(false);
    expect(hasUnfinishedLogin(open, "c.example", "ca")).toBe(false);
  });

  it("sees a concurrent login of any instance, but not the login itself", () => {
    expect(hasConcurrentLogin(open, stateIn(0, RANDOM))).toBe(true);
    expect(hasConcurrentLogin(slots(pending(0, "a.example", 1)), stateIn(0, RANDOM))).toBe(false);
    expect(hasConcurrentLogin(slots(pending(0, "a.example", 1), finished(1, "t")), stateIn(0, RANDOM))).toBe(
      false,
    );
  });

  it("lists finished logins, and the one pending login only when it is alone", () => {
    expect(finishedLogins(open).map((f) => f.account.token)).toEqual(["tok"]);
    expect(onlyPendingLogin(open)).toBeNull();
    expect(onlyPendingLogin(slots(pending(2, "c.example", 1), finished(0, "t")))?.tx.returnTo).toBe(
      "/from-2",
    );
    expect(onlyPendingLogin(empty())).toBeNull();
  });
});

describe("which login cookies a start clears", () => {
  const slotCookie = (slot: number) => `${loginCookieName(slot)}=x`;

  it("clears older formats' names but keeps the slots while the header is small", () => {
    const header = [slotCookie(0), slotCookie(1), `${LOGIN_COOKIE_PREFIX}abcdefabcdef=x`].join("; ");
    expect(staleLoginCookies(header, 0)).toEqual([`${LOGIN_COOKIE_PREFIX}abcdefabcdef`]);
  });

  it("clears every other slot once the header is past what the session parser reads", () => {
    const header =
      [...SLOT_NAMES].map((_, slot) => slotCookie(slot)).join("; ") +
      `; big=${"x".repeat(MAX_COOKIE_HEADER)}`;
    expect(staleLoginCookies(header, 1)).toEqual([loginCookieName(0), loginCookieName(2)]);
  });

  it("leaves a lookalike name alone", () => {
    expect(staleLoginCookies(`\u2000${LOGIN_COOKIE_PREFIX}0=x`, 1)).toEqual([]);
  });
});
