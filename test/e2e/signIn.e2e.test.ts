import { setupServer } from "msw/node";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { issueToken } from "../../src/server/identity/tokens.js";
import { KyselyTeamStore } from "../../src/server/ledger/teamRecords.js";
import { CLIENT_ID, CLIENT_SECRET, FakeIdp, IDP_ISSUER } from "../helpers/fakeIdp.js";
import { captureFrame, clickDraft, clickOnFrame, dragOnFrame, drawings, openStudio, pressKey, type Studio } from "../helpers/studio.js";
import { openTeamTestDatabase, type TeamTestDatabase } from "../helpers/teamDatabase.js";
import { startTeamServiceStandIn, type TeamServiceStandIn } from "../helpers/teamServiceStandIn.js";

/**
 * Team mode's sign-in as an editor meets it, in real Chromium: the panel is given a studio
 * service, signs in through the system browser (the pairing; the identity provider mocked at the
 * HTTP boundary: msw for the service's discovery/token/JWKS calls, a Playwright route for the
 * browser's visit to its login page), sees the same confirmation code as the browser pages, and
 * when an admin revokes the token, asks for a new sign-in without losing the drawing or prompt.
 *
 * The studio service is the identity test app's parts in front of an embedded backend
 * (teamServiceStandIn.ts), so this runs on any Node and the panel can capture and draw through it;
 * signInServe.e2e.test.ts signs in against the real `retake serve` (Node ≥ 22.12).
 */
const idp = new FakeIdp();
const msw = setupServer(...idp.handlers());
let s: Studio;
let database: TeamTestDatabase;
let team: KyselyTeamStore;
let service: TeamServiceStandIn;
/** Who the editor signs in as at the IdP's login page. */
let atIdp: Record<string, unknown> = { sub: "idp-ana", email: "ana@studio.test", email_verified: true, name: "Ana" };

beforeAll(async () => {
  // The service's calls to the IdP are answered by msw; its calls to the embedded backend pass.
  msw.listen({ onUnhandledRequest: "bypass" });
  s = await openStudio();
  database = await openTeamTestDatabase("sqlite");
  team = new KyselyTeamStore(database.db, "sqlite");
  service = await startTeamServiceStandIn({
    team,
    ledger: { spendRows: async () => [] },
    oidc: { issuer: new URL(IDP_ISSUER), clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, allowedDomains: ["studio.test"] },
    upstream: { url: s.backend.url, token: s.backend.config.token },
    panelOrigin: new URL(s.backend.url).origin,
  });
  // The browser at the IdP's login page: the editor signs in as Ana, and the IdP sends the
  // browser back to the service's callback.
  await s.page.context().route(`${IDP_ISSUER}/**`, async (route) => {
    const back = idp.authorize(route.request().url(), atIdp);
    await route.fulfill({ status: 302, headers: { location: back.href } });
  });
}, 180_000);

afterAll(async () => {
  msw.close();
  await service?.close();
  await database?.close();
  await s?.close();
});

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 15_000 });

describe("signing in to a studio service from the panel", () => {
  it("signs in through the browser with matching confirmation codes, then asks again when the token is revoked, keeping the drawing and prompt", async () => {
    const p = s.panel();
    await p.getByText("Settings", { exact: true }).click();
    const studio = p.getByRole("group", { name: "Studio service" });
    await studio.getByLabel("Service URL", { exact: true }).fill(service.url);
    await studio.getByRole("button", { name: "Save", exact: true }).click();

    // Not signed in yet: the service refuses the panel's first requests and the panel says so.
    const prompt = p.getByRole("region", { name: "Sign in again" });
    await expect.poll(() => prompt.isVisible(), { timeout: 15_000 }).toBe(true);

    const popupOpened = s.page.context().waitForEvent("page");
    await studio.getByRole("button", { name: "Sign in with your studio account", exact: true }).click();
    const browser: Page = await popupOpened;
    await browser.waitForLoadState("domcontentloaded");

    // The same code in the panel and on the page before the IdP.
    const panelCode = (await studio.getByLabel("Confirmation code", { exact: true }).innerText()).trim();
    expect(panelCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    expect((await browser.getByLabel("Confirmation code", { exact: true }).innerText()).trim()).toBe(panelCode);
    expect(await browser.getByText("Continue only if your panel shows this code", { exact: false }).count()).toBe(1);
    await expect.poll(() => studio.getByRole("button", { name: "Cancel", exact: true }).isVisible()).toBe(true);

    await browser.getByRole("link", { name: "Continue to sign in" }).click();
    await browser.getByRole("heading", { name: "Signed in as ana@studio.test" }).waitFor({ timeout: 15_000 });
    // And on the page after it.
    expect((await browser.getByLabel("Confirmation code", { exact: true }).innerText()).trim()).toBe(panelCode);

    // The panel's poll takes the token: signed in, the prompt gone.
    await poll(() => studio.getByText("Signed in as ana@studio.test", { exact: true }).isVisible()).toBe(true);
    await poll(() => prompt.isVisible()).toBe(false);
    const ana = (await team.findUserByName("ana@studio.test"))!;
    const [token] = await team.listTokens(ana.id);
    expect(token?.lastUsedAt).not.toBeNull(); // the panel used it (GET /v1/me at least)

    // Work through the service: capture (the frame image comes through it), draw, write a prompt.
    await captureFrame(s);
    await clickOnFrame(s, [0.5, 0.5]);
    await pressKey(s, "c");
    await dragOnFrame(s, [0.3, 0.5], [0.6, 0.5]);
    await poll(() => drawings(s).then((d) => d.length)).toBe(1);
    const promptField = p.getByLabel("Prompt", { exact: true });
    await promptField.fill("The door swings open on an empty hall");

    // An admin revokes the token; the next request the panel makes is refused.
    expect(await team.revokeToken(token!.id, new Date().toISOString())).toBe(true);
    await clickDraft(s);
    await poll(() => prompt.isVisible()).toBe(true);
    expect(await prompt.innerText()).toContain("This token was revoked");
    expect(await prompt.getByRole("button", { name: "Sign in with your studio account", exact: true }).count()).toBe(1);
    // Nothing the editor made is lost.
    expect(await drawings(s)).toEqual(["Drawing 1: Camera pans right, 0–5 s"]);
    expect(await promptField.inputValue()).toBe("The door swings open on an empty hall");
    await browser.close();

    // An admin hands Ana a token; pasted into the prompt, the panel carries on where it was.
    const { secret } = await issueToken(team, ana.id, "ana's Premiere");
    await prompt.getByLabel("Token from your admin", { exact: true }).fill(secret);
    await prompt.getByRole("button", { name: "Use token", exact: true }).click();
    await poll(() => prompt.isVisible()).toBe(false);
    await poll(() => studio.getByText("Signed in as ana@studio.test", { exact: true }).isVisible()).toBe(true);
    expect(await drawings(s)).toEqual(["Drawing 1: Camera pans right, 0–5 s"]);
    expect(await promptField.inputValue()).toBe("The door swings open on an empty hall");
  }, 120_000);

  it("says at once when the studio's sign-in refuses the account, and signs out saying the token lives until revoked", async () => {
    const p = s.panel();
    const studio = p.getByRole("group", { name: "Studio service" });
    await studio.getByRole("button", { name: "Sign out", exact: true }).click();
    await poll(() => studio.getByText(/Signed out on this machine\. The token itself keeps working until an admin revokes it/).isVisible()).toBe(true);

    atIdp = { sub: "idp-mallory", email: "mallory@gmail.com", email_verified: true };
    const popupOpened = s.page.context().waitForEvent("page");
    await studio.getByRole("button", { name: "Sign in with your studio account", exact: true }).click();
    const browser = await popupOpened;
    await browser.getByRole("link", { name: "Continue to sign in" }).click();
    await browser.getByRole("heading", { name: "Sign-in did not finish" }).waitFor({ timeout: 15_000 });
    await poll(() => studio.getByRole("alert").innerText()).toContain(
      "The studio's sign-in refused your account: mallory@gmail.com may not sign in to this Retake service: only @studio.test accounts may.",
    );
    expect(await studio.getByRole("button", { name: "Cancel", exact: true }).count()).toBe(0);
    await browser.close();
  }, 120_000);

  it("goes back to this machine's backend when the service URL is emptied: no sign-in anywhere, work as before", async () => {
    const p = s.panel();
    const studio = p.getByRole("group", { name: "Studio service" });
    await studio.getByLabel("Service URL", { exact: true }).fill("");
    await studio.getByRole("button", { name: "Save", exact: true }).click();
    await poll(() => p.getByRole("region", { name: "Sign in again" }).count()).toBe(0);
    expect(await studio.getByRole("button", { name: "Sign in with your studio account" }).count()).toBe(0);
    expect(await studio.getByLabel("Token from your admin", { exact: true }).count()).toBe(0);
    // The panel talks to the embedded backend again: a new capture's frame comes from it, not the service.
    const requested: string[] = [];
    s.page.on("request", (request) => requested.push(request.url()));
    await captureFrame(s);
    await poll(async () => requested.some((url) => url.startsWith(`${s.backend.url}/v1/frames/`))).toBe(true);
    expect(requested.filter((url) => url.startsWith(service.url))).toEqual([]);
    expect(await drawings(s)).toEqual(["Drawing 1: Camera pans right, 0–5 s"]);
  }, 120_000);
});
