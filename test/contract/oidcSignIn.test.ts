import type { FastifyInstance } from "fastify";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KyselyTeamStore } from "../../src/server/ledger/teamRecords.js";
import { CLIENT_ID, CLIENT_SECRET, FakeIdp, IDP_ISSUER } from "../helpers/fakeIdp.js";
import { buildTeamApp } from "../helpers/teamApp.js";
import { openTeamTestDatabase, type TeamTestDatabase } from "../helpers/teamDatabase.js";

/**
 * The panel's browser sign-in end to end, against an OpenID Connect provider mocked at the HTTP
 * boundary (discovery, token endpoint, JWKS; RS256 ID tokens): pairing → login redirect → the
 * editor signs in at the IdP → callback → the panel's claim gets a working token, once.
 * On PostgreSQL, as team mode runs.
 */

const idp = new FakeIdp();
const server = setupServer(...idp.handlers());
const SERVICE = "http://retake.studio.test:5177";
const HOST = "retake.studio.test:5177";

let database: TeamTestDatabase;
let store: KyselyTeamStore;
let app: FastifyInstance;
let clock = Date.now();

beforeAll(async () => {
  server.listen({ onUnhandledRequest: "error" });
  database = await openTeamTestDatabase("postgres");
  store = new KyselyTeamStore(database.db, "postgres");
  app = await buildTeamApp({
    team: store,
    ledger: { spendRows: async () => [] },
    oidc: { issuer: new URL(IDP_ISSUER), clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, allowedDomains: ["studio.test"] },
    now: () => new Date(clock),
  });
});
beforeEach(() => {
  clock = Date.now();
});
afterEach(() => server.resetHandlers());
afterAll(async () => {
  server.close();
  await app?.close();
  await database?.close();
});

async function startPairing() {
  const res = await app.inject({ method: "POST", url: "/v1/auth/pairings", headers: { host: HOST } });
  expect(res.statusCode).toBe(201);
  return res.json() as { code: string; signInUrl: string; expiresAt: string; confirmation: string };
}

/** The first page the sign-in URL shows: the confirmation code, and a link on to the IdP. */
async function confirmationPage(signInUrl: string) {
  const url = new URL(signInUrl);
  const res = await app.inject({ method: "GET", url: url.pathname + url.search, headers: { host: HOST } });
  expect(res.statusCode).toBe(200);
  expect(res.headers["x-frame-options"]).toBe("DENY");
  const next = /href="([^"]+)"/.exec(res.body)![1]!.replace(/&amp;/g, "&");
  const cookie = String(res.headers["set-cookie"]).split(";")[0]!;
  return { body: res.body, next, cookie, setCookie: String(res.headers["set-cookie"]) };
}

/** The system browser opening the sign-in URL and the editor pressing Continue: our redirect to the IdP, and the pairing cookie. */
async function openSignIn(signInUrl: string) {
  const confirm = await confirmationPage(signInUrl);
  const res = await app.inject({ method: "GET", url: confirm.next, headers: { host: HOST, cookie: confirm.cookie } });
  expect(res.statusCode).toBe(302);
  const cookie = String(res.headers["set-cookie"]).split(";")[0]!;
  return { authorizationUrl: String(res.headers.location), cookie };
}

/** The IdP redirecting the browser back to our callback. */
async function callback(back: URL, cookie: string | undefined) {
  expect(`${back.origin}${back.pathname}`).toBe(`${SERVICE}/auth/callback`);
  return app.inject({ method: "GET", url: back.pathname + back.search, headers: { host: HOST, ...(cookie ? { cookie } : {}) } });
}

const claim = (code: string) => app.inject({ method: "POST", url: `/v1/auth/pairings/${encodeURIComponent(code)}/claim`, headers: { host: HOST } });

describe("browser sign-in by pairing", () => {
  it("signs an editor in through the IdP and hands the panel a working token exactly once", async () => {
    const pairing = await startPairing();
    expect(pairing.signInUrl).toBe(`${SERVICE}/auth/login?pair=${pairing.code}`);
    expect(pairing.code.length).toBeGreaterThanOrEqual(32); // the code is the claim's secret
    expect(Date.parse(pairing.expiresAt) - clock).toBe(10 * 60_000);

    const pending = await claim(pairing.code);
    expect(pending.statusCode).toBe(202);
    expect(pending.headers["retry-after"]).toBe("2");

    const { authorizationUrl, cookie } = await openSignIn(pairing.signInUrl);
    const authorize = new URL(authorizationUrl);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${SERVICE}/auth/callback`);
    expect(authorize.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorize.searchParams.get("scope")).toBe("openid email profile");
    expect(authorizationUrl).not.toContain(pairing.code); // the claim secret never goes to the IdP

    const back = idp.authorize(authorizationUrl, { sub: "idp-ana", email: "Ana@Studio.test", email_verified: true, name: "Ana" });
    const page = await callback(back, cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Signed in as ana@studio.test");
    expect(page.body).toContain("return to Premiere");
    expect(page.body).toContain(pairing.confirmation); // the same code as the panel shows
    // The token endpoint got the PKCE verifier and our client's credentials.
    const sent = idp.tokenRequests.at(-1)!;
    expect(sent.get("code_verifier")).toBeTruthy();

    const claimed = await claim(pairing.code);
    expect(claimed.statusCode).toBe(200);
    const { token, user } = claimed.json() as { token: string; user: { name: string; admin: boolean } };
    expect(token).toMatch(/^rtk_[A-Za-z0-9_-]{43}$/);
    expect(user).toEqual({ name: "ana@studio.test", admin: false });

    const me = await app.inject({ method: "GET", url: "/v1/me", headers: { host: HOST, authorization: `Bearer ${token}` } });
    expect(me.statusCode).toBe(200);
    expect(me.json()).toEqual({ user: { id: expect.stringMatching(/^user_/), name: "ana@studio.test", admin: false } });
    expect((await app.inject({ method: "GET", url: "/v1/me", headers: { host: HOST } })).statusCode).toBe(401);

    // A replayed claim gets nothing, and the secret is gone from the database.
    const replay = await claim(pairing.code);
    expect(replay.statusCode).toBe(410);
    expect(replay.json().error.code).toBe("pairing_claimed");
    expect((await store.getPairing(pairing.code))?.token).toBeNull();

    // A replayed callback (the browser's back button) signs nobody in again.
    const again = await callback(back, cookie);
    expect(again.statusCode).toBe(410);
    expect((await store.listTokens((await store.findUserByName("ana@studio.test"))!.id)).length).toBe(1);
  });

  it("signs the same editor in again as the same user, with a second token", async () => {
    const first = await store.findUserByName("ana@studio.test");
    const pairing = await startPairing();
    const { authorizationUrl, cookie } = await openSignIn(pairing.signInUrl);
    expect((await callback(idp.authorize(authorizationUrl, { sub: "idp-ana", email: "ana@studio.test" }), cookie)).statusCode).toBe(200);
    expect((await claim(pairing.code)).statusCode).toBe(200);
    expect((await store.findUserByName("ana@studio.test"))?.id).toBe(first?.id);
    expect((await store.listTokens(first!.id)).length).toBe(2);
  });

  it("shows a confirmation code before the IdP, and reaches the IdP only from a click on that page", async () => {
    const pairing = await startPairing();
    expect(pairing.confirmation).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    const other = await startPairing();
    expect(other.confirmation).not.toBe(pairing.confirmation);
    const confirm = await confirmationPage(pairing.signInUrl);
    expect(confirm.body).toContain(pairing.confirmation);
    expect(confirm.body).toContain("Continue only if your panel shows this code");
    expect(confirm.setCookie).toContain("SameSite=Strict");
    expect(confirm.body).not.toContain(IDP_ISSUER); // no way to the IdP but through Continue
    // A victim sent straight to the continue step (no cookie from our page) is not taken to the IdP.
    const direct = await app.inject({ method: "GET", url: confirm.next, headers: { host: HOST } });
    expect(direct.statusCode).toBe(400);
    expect(direct.headers.location).toBeUndefined();
    // Nor with the cookie of another sign-in's confirmation page.
    const crossed = await app.inject({ method: "GET", url: confirm.next, headers: { host: HOST, cookie: (await confirmationPage(other.signInUrl)).cookie } });
    expect(crossed.statusCode).toBe(400);
  });

  it("keys editors on the IdP account: a changed email stays the same user, another account with a taken email is refused", async () => {
    // Ana (idp-ana) signed in above. Her email changes at the IdP: still her user, not a new one.
    const ana = (await store.findUserByName("ana@studio.test"))!;
    let pairing = await startPairing();
    let login = await openSignIn(pairing.signInUrl);
    let page = await callback(idp.authorize(login.authorizationUrl, { sub: "idp-ana", email: "ana.silva@studio.test" }), login.cookie);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain("Signed in as ana@studio.test");
    expect(await store.findUserByName("ana.silva@studio.test")).toBeUndefined();

    // nOAuth: another account whose (unverifiable) email claim says Ana's address gets nothing.
    pairing = await startPairing();
    login = await openSignIn(pairing.signInUrl);
    page = await callback(idp.authorize(login.authorizationUrl, { sub: "idp-mallory", email: "ana@studio.test", email_verified: true }), login.cookie);
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain("account_linked");
    const refused = await claim(pairing.code);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("sign_in_refused");
    expect((await store.listTokens(ana.id)).length).toBe(3);
  });

  it("links a user an admin made by email to the first IdP account that signs in with it, once", async () => {
    const dan = await store.createUser({ name: "dan@studio.test" });
    let pairing = await startPairing();
    let login = await openSignIn(pairing.signInUrl);
    expect((await callback(idp.authorize(login.authorizationUrl, { sub: "idp-dan", email: "dan@studio.test", email_verified: true }), login.cookie)).statusCode).toBe(200);
    const claimed = await claim(pairing.code);
    expect(claimed.json().user.name).toBe("dan@studio.test");
    expect((await store.listTokens(dan.id)).length).toBe(1);
    expect((await store.findUserBySubject({ issuer: IDP_ISSUER, subject: "idp-dan" }))?.user.id).toBe(dan.id);

    pairing = await startPairing();
    login = await openSignIn(pairing.signInUrl);
    const second = await callback(idp.authorize(login.authorizationUrl, { sub: "idp-dan-2", email: "dan@studio.test", email_verified: true }), login.cookie);
    expect(second.statusCode).toBe(403);
    expect((await store.listTokens(dan.id)).length).toBe(1);
  });

  it("links an admin-made user only when the ID token vouches for the email: Entra's token without email_verified links nobody", async () => {
    // An admin made Eva by email; she has not signed in yet. On Entra ID the email claim of an
    // account can be set by whoever runs it, and its ID tokens carry no email_verified.
    const eva = await store.createUser({ name: "eva@studio.test" });
    let pairing = await startPairing();
    let login = await openSignIn(pairing.signInUrl);
    const page = await callback(idp.authorize(login.authorizationUrl, { sub: "entra-someone", email: "eva@studio.test", name: "Eva?" }), login.cookie);
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain("email_not_vouched");
    expect(page.body).toContain("Ask your Retake admin");
    // The panel hears why; Eva's user stays free for Eva, and nobody got a token.
    const refused = await claim(pairing.code);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain("did not vouch that eva@studio.test is yours");
    expect(await store.findUserBySubject({ issuer: IDP_ISSUER, subject: "entra-someone" })).toBeUndefined();
    expect((await store.findUserByEmail("eva@studio.test"))?.linked).toBe(false);
    expect(await store.listTokens(eva.id)).toEqual([]);

    // Nor does an unvouched email make a new user named by it (it would squat that name).
    pairing = await startPairing();
    login = await openSignIn(pairing.signInUrl);
    expect((await callback(idp.authorize(login.authorizationUrl, { sub: "entra-new", email: "fay@studio.test" }), login.cookie)).statusCode).toBe(403);
    expect(await store.findUserByName("fay@studio.test")).toBeUndefined();

    // Entra's optional xms_edov claim (the tenant verified it owns studio.test) vouches: Eva's own account links.
    pairing = await startPairing();
    login = await openSignIn(pairing.signInUrl);
    const linked = await callback(idp.authorize(login.authorizationUrl, { sub: "entra-eva", email: "eva@studio.test", xms_edov: true }), login.cookie);
    expect(linked.statusCode).toBe(200);
    expect(linked.body).toContain("Signed in as eva@studio.test");
    expect((await claim(pairing.code)).json().user.name).toBe("eva@studio.test");
    expect((await store.findUserBySubject({ issuer: IDP_ISSUER, subject: "entra-eva" }))?.user.id).toBe(eva.id);

    // Once linked, Eva signs in by her account whatever the token says of her email.
    pairing = await startPairing();
    login = await openSignIn(pairing.signInUrl);
    expect((await callback(idp.authorize(login.authorizationUrl, { sub: "entra-eva", email: "eva@studio.test" }), login.cookie)).statusCode).toBe(200);
    expect((await store.listTokens(eva.id)).length).toBe(2);
  });

  it("takes the email claim at its word for the domains the admin trusts (RETAKE_OIDC_TRUSTED_EMAIL_DOMAINS), and only those", async () => {
    const trusting = await buildTeamApp({
      team: store,
      ledger: { spendRows: async () => [] },
      oidc: {
        issuer: new URL(IDP_ISSUER),
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        allowedDomains: ["studio.test", "partner.test"],
        trustedEmailDomains: ["studio.test"],
      },
      now: () => new Date(clock),
    });
    try {
      const signIn = async (claims: Record<string, unknown>) => {
        const created = await trusting.inject({ method: "POST", url: "/v1/auth/pairings", headers: { host: HOST } });
        const { code, signInUrl } = created.json() as { code: string; signInUrl: string };
        const url = new URL(signInUrl);
        const confirm = await trusting.inject({ method: "GET", url: url.pathname + url.search, headers: { host: HOST } });
        const next = /href="([^"]+)"/.exec(confirm.body)![1]!.replace(/&amp;/g, "&");
        const go = await trusting.inject({ method: "GET", url: next, headers: { host: HOST, cookie: String(confirm.headers["set-cookie"]).split(";")[0]! } });
        const back = idp.authorize(String(go.headers.location), claims);
        const page = await trusting.inject({ method: "GET", url: back.pathname + back.search, headers: { host: HOST, cookie: String(go.headers["set-cookie"]).split(";")[0]! } });
        return { page, claim: await trusting.inject({ method: "POST", url: `/v1/auth/pairings/${code}/claim`, headers: { host: HOST } }) };
      };
      const gus = await store.createUser({ name: "gus@studio.test" });
      const trusted = await signIn({ sub: "entra-gus", email: "gus@studio.test" });
      expect(trusted.page.statusCode).toBe(200);
      expect(trusted.claim.json().user.name).toBe("gus@studio.test");
      expect((await store.findUserBySubject({ issuer: IDP_ISSUER, subject: "entra-gus" }))?.user.id).toBe(gus.id);

      // A partner's domain may sign in but is not trusted: without a vouching claim, refused.
      const partner = await signIn({ sub: "entra-pia", email: "pia@partner.test" });
      expect(partner.page.statusCode).toBe(403);
      expect(partner.claim.json().error.code).toBe("sign_in_refused");
      // The IdP's explicit "not verified" wins over the admin's trust.
      const unverified = await signIn({ sub: "entra-hal", email: "hal@studio.test", email_verified: false });
      expect(unverified.page.body).toContain("email_unverified");
    } finally {
      await trusting.close();
    }
  });

  it("refuses an account outside the studio's domains, and the panel gets no token", async () => {
    const pairing = await startPairing();
    const { authorizationUrl, cookie } = await openSignIn(pairing.signInUrl);
    const page = await callback(idp.authorize(authorizationUrl, { sub: "idp-mallory", email: "mallory@gmail.com", email_verified: true }), cookie);
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain("domain_not_allowed");
    expect(page.body).toContain("@studio.test");
    expect(await store.findUserByName("mallory@gmail.com")).toBeUndefined();
    // The panel, polling, hears why at once instead of waiting out the pairing.
    const refused = await claim(pairing.code);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe("sign_in_refused");
    expect(refused.json().error.message).toContain("mallory@gmail.com may not sign in");
    expect(refused.json().error.message).toContain("@studio.test");
  });

  it("refuses an email the IdP has not verified", async () => {
    const pairing = await startPairing();
    const { authorizationUrl, cookie } = await openSignIn(pairing.signInUrl);
    const page = await callback(idp.authorize(authorizationUrl, { sub: "idp-x", email: "x@studio.test", email_verified: false }), cookie);
    expect(page.statusCode).toBe(403);
    expect(page.body).toContain("email_unverified");
  });

  it("refuses an ID token not signed by the IdP's published key", async () => {
    const pairing = await startPairing();
    const { authorizationUrl, cookie } = await openSignIn(pairing.signInUrl);
    const back = idp.authorize(authorizationUrl, { sub: "idp-eve", email: "eve@studio.test" }, { signWith: idp.strangerKey.privateKey });
    const page = await callback(back, cookie);
    expect(page.statusCode).toBe(401);
    expect(page.body).toContain("sign_in_failed");
    expect(await store.findUserByName("eve@studio.test")).toBeUndefined();
    const refused = await claim(pairing.code);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.message).toContain("The identity provider's answer was refused");
  });

  it("refuses a callback in a browser that did not start the sign-in, or with another sign-in's state", async () => {
    const pairing = await startPairing();
    const { authorizationUrl, cookie } = await openSignIn(pairing.signInUrl);
    const back = idp.authorize(authorizationUrl, { sub: "idp-ben", email: "ben@studio.test" });
    const noCookie = await callback(back, undefined);
    expect(noCookie.statusCode).toBe(400);
    expect(noCookie.body).toContain("Start again from the Retake panel");

    const other = await startPairing();
    const otherLogin = await openSignIn(other.signInUrl);
    // The IdP's answer to the first sign-in, delivered with the second one's cookie (login CSRF).
    const crossed = await callback(back, otherLogin.cookie);
    expect(crossed.statusCode).toBe(401);
    expect(await store.findUserByName("ben@studio.test")).toBeUndefined();
    expect(cookie).not.toBe(otherLogin.cookie);
  });

  it("answers 410 once a pairing has expired, to the panel and to the browser", async () => {
    const pairing = await startPairing();
    const { authorizationUrl, cookie } = await openSignIn(pairing.signInUrl);
    const back = idp.authorize(authorizationUrl, { sub: "idp-cy", email: "cy@studio.test" });
    clock += 10 * 60_000 + 1;
    const late = await claim(pairing.code);
    expect(late.statusCode).toBe(410);
    expect(late.json().error.code).toBe("pairing_expired");
    const page = await callback(back, cookie);
    expect(page.statusCode).toBe(410);
    expect((await claim(pairing.code)).statusCode).toBe(410);
    const login = await app.inject({ method: "GET", url: `/auth/login?pair=${pairing.code}`, headers: { host: HOST } });
    expect(login.statusCode).toBe(410);
    expect(login.body).not.toContain(pairing.confirmation);
  });

  it("says 404 for a code it never issued", async () => {
    const res = await claim("not-a-real-code");
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe("pairing_unknown");
  });
});
