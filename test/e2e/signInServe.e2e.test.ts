import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeAtLeast, TEAM_NODE_MINIMUM } from "../../src/server/team/nodeVersion.js";
import { CLIENT_ID, CLIENT_SECRET, serveFakeIdp } from "../helpers/fakeIdp.js";
import { freshDatabase, type TestDatabase } from "../helpers/postgres.js";
import { openStudio, type Studio } from "../helpers/studio.js";
import { runRetake, startTeamProcess, stopTeamProcesses, untilReady, type TeamProcess } from "../helpers/teamProcess.js";

/**
 * The panel's sign-in in real Chromium against the real `retake serve` (a child process of
 * bin/retake.mjs on a fresh PostgreSQL), not the stand-in of signIn.e2e.test.ts: the identity
 * provider is FakeIdp on a loopback HTTP server (the service's discovery, token and JWKS calls
 * cross processes, so msw cannot answer them), whose login page signs the browser in as the test says. Proves the
 * service as a studio starts it: the pairing, both confirmation pages, the claim, "Signed in as",
 * and a refusal of an account whose email the provider did not vouch for, said in the panel.
 * pg-boss (which `retake serve` starts) needs Node ≥ 22.12: run with PATH=/work/node24/package/bin:$PATH.
 */
const teamNode = nodeAtLeast(process.version);
const reason = teamNode ? "" : ` (skipped: Node ${process.version} is older than ${TEAM_NODE_MINIMUM}, which retake serve's queue needs)`;

let s: Studio;
let database: TestDatabase;
let dataDir: string;
let idpServer: Awaited<ReturnType<typeof serveFakeIdp>>;
let serve: TeamProcess | undefined;

const poll = <T>(fn: () => Promise<T>) => expect.poll(fn, { timeout: 20_000 });

describe.skipIf(!teamNode)(`signing in from the panel to a real retake serve${reason}`, () => {
  beforeAll(async () => {
    idpServer = await serveFakeIdp();
    // Who the editor signs in as at the IdP's login page.
    idpServer.account.claims = { sub: "idp-ana", email: "ana@studio.test", email_verified: true, name: "Ana" };
    database = await freshDatabase("signinserve");
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "retake-signin-serve-"));
    s = await openStudio();
    serve = startTeamProcess("serve", "serve", {
      ...process.env,
      RETAKE_DATABASE_URL: database.url,
      RETAKE_DATA_DIR: dataDir,
      RETAKE_PORT: "0",
      // The panel's page comes from the embedded backend's origin.
      RETAKE_ALLOWED_ORIGINS: new URL(s.backend.url).origin,
      RETAKE_OIDC_ISSUER: idpServer.idp.issuer,
      RETAKE_OIDC_CLIENT_ID: CLIENT_ID,
      RETAKE_OIDC_CLIENT_SECRET: CLIENT_SECRET,
      RETAKE_OIDC_ALLOWED_DOMAINS: "studio.test",
    });
    await untilReady(serve, 90_000);
  }, 180_000);

  afterAll(async () => {
    if (serve) await stopTeamProcesses([serve]);
    await s?.close();
    await idpServer?.close();
    await database?.drop();
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  }, 60_000);

  async function signInFromPanel(): Promise<{ browser: Page; panelCode: string }> {
    const studio = s.panel().getByRole("group", { name: "Studio service" });
    const popupOpened = s.page.context().waitForEvent("page");
    await studio.getByRole("button", { name: "Sign in with your studio account", exact: true }).first().click();
    const browser: Page = await popupOpened;
    await browser.waitForLoadState("domcontentloaded");
    const panelCode = (await studio.getByLabel("Confirmation code", { exact: true }).innerText()).trim();
    expect((await browser.getByLabel("Confirmation code", { exact: true }).innerText()).trim()).toBe(panelCode);
    await browser.getByRole("link", { name: "Continue to sign in" }).click();
    return { browser, panelCode };
  }

  it("signs the editor in through the browser, with the same confirmation code in the panel and on both pages", async () => {
    const p = s.panel();
    await p.getByText("Settings", { exact: true }).click();
    const studio = p.getByRole("group", { name: "Studio service" });
    await studio.getByLabel("Service URL", { exact: true }).fill(serve!.url!);
    await studio.getByRole("button", { name: "Save", exact: true }).click();
    await poll(() => p.getByRole("region", { name: "Sign in again" }).isVisible()).toBe(true);

    const { browser, panelCode } = await signInFromPanel();
    expect(panelCode).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
    // Polling the page's text, so a failure shows what the browser got instead.
    await poll(() => browser.locator("body").innerText()).toContain("Signed in as ana@studio.test");
    expect(await browser.getByRole("heading", { name: "Signed in as ana@studio.test" }).count()).toBe(1);
    expect((await browser.getByLabel("Confirmation code", { exact: true }).innerText()).trim()).toBe(panelCode);
    await poll(() => studio.getByText("Signed in as ana@studio.test", { exact: true }).isVisible()).toBe(true);
    await poll(() => p.getByRole("region", { name: "Sign in again" }).isVisible()).toBe(false);
    await browser.close();

    // In the team database: Ana keyed on the provider's account, with one token the panel used.
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      const users = await client.query("SELECT u.name, u.idp_issuer, u.idp_subject, t.last_used_at FROM users u JOIN api_tokens t ON t.user_id = u.id");
      expect(users.rows).toEqual([{ name: "ana@studio.test", idp_issuer: idpServer.idp.issuer, idp_subject: "idp-ana", last_used_at: expect.any(String) }]);
      // The pairing recorded the address that started it (the sign-in rate limit counts those).
      const pairings = await client.query("SELECT client FROM pairings");
      expect(pairings.rows.map((r) => r.client)).toEqual(["127.0.0.1"]);
    } finally {
      await client.end();
    }
  }, 120_000);

  it("refuses an account whose email the provider did not vouch for, says so in the panel, and leaves the admin-made user unlinked", async () => {
    const studio = s.panel().getByRole("group", { name: "Studio service" });
    await studio.getByRole("button", { name: "Sign out", exact: true }).click();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // An admin made Eva by email; an account claiming her address, with no email_verified (as Entra sends), signs in first.
      const made = await runRetake(["token", "create", "--user", "eva@studio.test"], { ...process.env, RETAKE_DATABASE_URL: database.url });
      expect(made.code, made.stderr).toBe(0);
      idpServer.account.claims = { sub: "entra-not-eva", email: "eva@studio.test", name: "Eva" };
      const { browser } = await signInFromPanel();
      await poll(() => browser.locator("body").innerText()).toContain("Sign-in did not finish");
      await poll(() => studio.getByRole("alert").innerText()).toContain("did not vouch that eva@studio.test is yours");
      expect(await studio.getByRole("alert").innerText()).toContain("Ask your Retake admin");
      await browser.close();
      const eva = await client.query("SELECT idp_subject FROM users WHERE name = 'eva@studio.test'");
      expect(eva.rows).toEqual([{ idp_subject: null }]);
    } finally {
      await client.end();
    }
  }, 120_000);
});
