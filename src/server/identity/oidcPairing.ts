import crypto from "node:crypto";
import * as oidc from "openid-client";
import { ConfigError } from "../config.js";
import type { IdpSubject, Pairing, TeamStore, User } from "../ledger/store.js";
import { ServiceError } from "../serviceError.js";
import { confirmationCode } from "./confirmationCode.js";
import { PairingRateLimit, pairingsPerClientFromEnv } from "./pairingRateLimit.js";
import { hashToken, issueToken } from "./tokens.js";

/**
 * Browser sign-in for the panel (issue 19; the AYON / Positron pattern in the research): the panel
 * asks for a pairing, opens its sign-in URL in the system browser (UXP `shell.openExternal`), and
 * polls the claim URL. The browser goes through the studio's identity provider (OIDC authorization
 * code + PKCE); the callback issues the editor a token and attaches it to the pairing; the panel's
 * next poll takes it, once. No loopback redirect into the panel, which UXP could not receive.
 *
 * The pairing code is the secret that claims the token, so it is long and random, lives ten
 * minutes, and claims once. The state, nonce and PKCE verifier live with the pairing in the
 * database, so any API process behind a load balancer can answer each step.
 */

export const PAIRING_TTL_MS = 10 * 60_000;
/** The cookie that ties the IdP's redirect back to the browser that started the sign-in. */
export const PAIR_COOKIE = "retake_pair";
/**
 * The cookie the confirmation page sets and the continue step requires (SameSite=Strict): the
 * IdP is reached only from a click on our own page that showed the confirmation code, never
 * straight from a link someone sent.
 */
export const CONFIRM_COOKIE = "retake_confirm";
export const OIDC_SCOPE = "openid email profile";

export interface OidcSettings {
  issuer: URL;
  clientId: string;
  /** Unset: a public client (PKCE only). */
  clientSecret?: string;
  /** Lower-case email domains allowed to sign in; empty = any the IdP vouches for. */
  allowedDomains: string[];
  /**
   * Lower-case email domains whose email claim this IdP may be taken at its word for, though its
   * ID tokens say nothing of verification (Entra ID without the `xms_edov` claim): the admin's
   * statement that on this issuer nobody but its owner can hold such an address. Empty (the
   * default) = only `email_verified: true` or `xms_edov: true` vouch for an email.
   */
  trustedEmailDomains?: string[];
  /** This service's URL as browsers reach it (for the redirect URI); unset = from the request. */
  publicUrl?: string;
  /** Sign-ins one client address may start per ten minutes (RETAKE_SIGNIN_LIMIT; default 30). */
  pairingsPerClient?: number;
}

/** OIDC settings from the environment; undefined when no identity provider is configured. */
export function oidcSettingsFromEnv(env: NodeJS.ProcessEnv): OidcSettings | undefined {
  const issuer = env.RETAKE_OIDC_ISSUER?.trim();
  const clientId = env.RETAKE_OIDC_CLIENT_ID?.trim();
  if (!issuer && !clientId) return undefined;
  if (!issuer || !clientId) {
    throw new ConfigError("Browser sign-in needs both RETAKE_OIDC_ISSUER (the identity provider's issuer URL) and RETAKE_OIDC_CLIENT_ID; set both, or neither to use admin-issued tokens only.");
  }
  let issuerUrl: URL;
  try {
    issuerUrl = new URL(issuer);
  } catch {
    throw new ConfigError(`RETAKE_OIDC_ISSUER is not a URL: "${issuer}" (e.g. https://accounts.google.com).`);
  }
  return {
    issuer: issuerUrl,
    clientId,
    clientSecret: env.RETAKE_OIDC_CLIENT_SECRET?.trim() || undefined,
    allowedDomains: domainList(env.RETAKE_OIDC_ALLOWED_DOMAINS),
    trustedEmailDomains: domainList(env.RETAKE_OIDC_TRUSTED_EMAIL_DOMAINS),
    publicUrl: env.RETAKE_PUBLIC_URL?.trim().replace(/\/+$/, "") || undefined,
    pairingsPerClient: pairingsPerClientFromEnv(env),
  };
}

function domainList(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((d) => d.trim().toLowerCase().replace(/^@/, ""))
    .filter(Boolean);
}

/**
 * Whether the ID token vouches that the email claim belongs to whoever signed in, so that a user
 * an admin made by that address may become theirs. OIDC's `email_verified: true` (Google, Okta,
 * Keycloak send it); Entra ID never sends it, but its optional `xms_edov` claim is true when the
 * user's tenant has verified it owns the email's domain; or the admin trusts the domain
 * (RETAKE_OIDC_TRUSTED_EMAIL_DOMAINS). A string "true" counts: some IdPs send booleans as text,
 * and it is still inside the signed token.
 */
export function emailVouched(claims: Record<string, unknown>, domain: string, trustedDomains: readonly string[] = []): boolean {
  const yes = (value: unknown) => value === true || value === "true";
  return yes(claims.email_verified) || yes(claims.xms_edov) || trustedDomains.includes(domain);
}

/** What the pairing keeps for the IdP round trip (Pairing.flow, as JSON). */
interface Flow {
  state: string;
  nonce: string;
  verifier: string;
  redirectUri?: string;
}

/** A sign-in that could not finish: shown to the editor on the browser page. */
export class SignInError extends ServiceError {}

export type ClaimResult =
  | { status: "ready"; token: string; user: { name: string; admin: boolean } }
  | { status: "pending"; expiresAt: string };

export class OidcPairing {
  private configuration: Promise<oidc.Configuration> | undefined;
  private readonly rateLimit: PairingRateLimit;

  constructor(
    private readonly store: TeamStore,
    private readonly settings: OidcSettings,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.rateLimit = new PairingRateLimit(store, settings.pairingsPerClient);
  }

  /** The redirect URI the IdP must have registered for this client. */
  redirectUri(requestBase: string): string {
    return `${this.settings.publicUrl ?? requestBase}/auth/callback`;
  }

  /**
   * POST /v1/auth/pairings: a new sign-in for the panel to open and poll. `client` is the
   * caller's address (the socket's, or a trusted proxy's X-Forwarded-For): TooManySignIns when it
   * started too many lately.
   */
  async createPairing(requestBase: string, client: string): Promise<{ code: string; signInUrl: string; expiresAt: string; confirmation: string }> {
    const now = this.now();
    await this.rateLimit.check(client, now);
    const code = crypto.randomBytes(24).toString("base64url");
    const flow: Flow = { state: oidc.randomState(), nonce: oidc.randomNonce(), verifier: oidc.randomPKCECodeVerifier() };
    const pairing: Pairing = {
      code,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + PAIRING_TTL_MS).toISOString(),
      flow: JSON.stringify(flow),
      token: null,
      claimedAt: null,
      client,
    };
    await this.store.insertPairing(pairing);
    const base = this.settings.publicUrl ?? requestBase;
    return { code, signInUrl: `${base}/auth/login?pair=${encodeURIComponent(code)}`, expiresAt: pairing.expiresAt, confirmation: confirmationCode(code) };
  }

  /** GET /auth/login?pair=CODE: the live pairing's confirmation code, for the page that shows it before the IdP. */
  async confirmation(code: string): Promise<string> {
    await this.livePairing(code);
    return confirmationCode(code);
  }

  /** GET /auth/login?pair=CODE: where to send the browser (the IdP's authorization endpoint). */
  async authorizationUrl(code: string, requestBase: string): Promise<URL> {
    const pairing = await this.livePairing(code);
    const flow = JSON.parse(pairing.flow) as Flow;
    const config = await this.config();
    return oidc.buildAuthorizationUrl(config, {
      redirect_uri: this.redirectUri(requestBase),
      scope: OIDC_SCOPE,
      state: flow.state,
      nonce: flow.nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(flow.verifier),
      code_challenge_method: "S256",
      // Lets the IdP show its account chooser rather than silently reuse another studio's session.
      prompt: "select_account",
    });
  }

  /**
   * GET /auth/callback: checks the IdP's answer (state, PKCE, the ID token's signature, issuer,
   * audience, nonce), finds the editor by the IdP account (or links or makes one), issues a token and attaches it to
   * the pairing. Returns who signed in.
   */
  async completeSignIn(code: string | undefined, callbackUrl: URL, requestBase: string): Promise<User> {
    if (!code) {
      throw new SignInError(400, "pairing_missing", "This browser did not start the sign-in (its cookie is missing). Start again from the Retake panel.");
    }
    const pairing = await this.livePairing(code);
    try {
      return await this.signIn(code, pairing, callbackUrl, requestBase);
    } catch (error) {
      // The panel is waiting on this pairing: tell it why, rather than let it wait ten minutes.
      // (Not for an expired pairing or an unreachable IdP: 410 and 502 say so in the browser, and the claim says expired itself.)
      if (error instanceof SignInError && (error.status === 401 || error.status === 403)) await this.store.failPairing(code, error.message, this.now().toISOString());
      throw error;
    }
  }

  private async signIn(code: string, pairing: Pairing, callbackUrl: URL, requestBase: string): Promise<User> {
    const flow = JSON.parse(pairing.flow) as Flow;
    const config = await this.config();
    // The callback URL as the IdP redirected to it: the registered redirect URI plus its query.
    const current = new URL(this.redirectUri(requestBase));
    current.search = callbackUrl.search;
    let claims: oidc.IDToken | undefined;
    try {
      const tokens = await oidc.authorizationCodeGrant(config, current, {
        pkceCodeVerifier: flow.verifier,
        expectedState: flow.state,
        expectedNonce: flow.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
    } catch (error) {
      throw new SignInError(401, "sign_in_failed", `The identity provider's answer was refused: ${describeOidcError(error)}. Start again from the Retake panel.`);
    }
    if (!claims) throw new SignInError(401, "sign_in_failed", "The identity provider sent no ID token. Start again from the Retake panel.");
    const idp: IdpSubject = { issuer: String(claims.iss), subject: String(claims.sub) };
    const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
    if (!email) {
      throw new SignInError(403, "email_missing", "The identity provider did not say your email address (the client needs the \"email\" scope). Ask your Retake admin.");
    }
    if (claims.email_verified === false || claims.email_verified === "false") {
      throw new SignInError(403, "email_unverified", `The identity provider has not verified ${email}. Verify it there, then sign in again.`);
    }
    const domain = email.slice(email.lastIndexOf("@") + 1);
    if (this.settings.allowedDomains.length > 0 && !this.settings.allowedDomains.includes(domain)) {
      throw new SignInError(
        403,
        "domain_not_allowed",
        `${email} may not sign in to this Retake service: only ${this.settings.allowedDomains.map((d) => `@${d}`).join(", ")} accounts may. Sign in with your studio account.`,
      );
    }
    const user = await this.userFor(idp, email, emailVouched(claims, domain, this.settings.trustedEmailDomains));
    if (user.disabledAt) throw new SignInError(403, "user_disabled", `${email} is disabled on this Retake service: ask an admin to enable it.`);
    const now = this.now();
    const { secret, record } = await issueToken(this.store, user.id, `panel (browser sign-in ${now.toISOString().slice(0, 10)})`, now);
    if (!(await this.store.completePairing(code, secret, now.toISOString()))) {
      // Expired while the editor was at the IdP, or this callback was replayed: the token must
      // not outlive a pairing nobody can claim.
      await this.store.revokeToken(record.id, now.toISOString());
      throw new SignInError(410, "pairing_expired", "This sign-in has expired or was already used. Start again from the Retake panel.");
    }
    return user;
  }

  /** POST /v1/auth/pairings/:code/claim: the token once it is there. */
  async claim(code: string): Promise<ClaimResult> {
    const now = this.now().toISOString();
    const token = await this.store.claimPairing(code, now);
    if (token) {
      const owner = await this.store.tokenByHash(hashToken(token));
      return { status: "ready", token, user: { name: owner?.user.name ?? "", admin: owner?.user.admin ?? false } };
    }
    const pairing = await this.store.getPairing(code);
    if (!pairing) throw new ServiceError(404, "pairing_unknown", "No such sign-in: start again from the panel.");
    if (pairing.claimedAt) throw new ServiceError(410, "pairing_claimed", "This sign-in's token was already handed over; start a new sign-in from the panel.");
    if (pairing.expiresAt <= now) throw new ServiceError(410, "pairing_expired", "This sign-in expired before it finished: start again from the panel.");
    if (pairing.failure) throw new ServiceError(403, "sign_in_refused", pairing.failure);
    return { status: "pending", expiresAt: pairing.expiresAt };
  }

  private async livePairing(code: string): Promise<Pairing> {
    const pairing = await this.store.getPairing(code);
    if (!pairing) throw new SignInError(404, "pairing_unknown", "This sign-in link is not known here. Start again from the Retake panel.");
    if (pairing.token !== null || pairing.claimedAt !== null) {
      throw new SignInError(410, "pairing_used", "This sign-in link was already used. Start again from the Retake panel.");
    }
    if (pairing.expiresAt <= this.now().toISOString()) {
      throw new SignInError(410, "pairing_expired", "This sign-in link has expired (they last ten minutes). Start again from the Retake panel.");
    }
    return pairing;
  }

  /**
   * The user this IdP account is: by issuer + `sub`, which the IdP never reassigns. A new account
   * becomes a user only through its email, and only when the ID token vouches for that email
   * (`vouched`, see emailVouched): then it links, once, a user an admin made by that email (or one
   * who signed in before schema v5), or makes a new one named by it. An unvouched email claim can
   * be anyone's (on Entra ID the account's owner can set it: "nOAuth"), so it links nobody and
   * names nobody: whoever first claimed ana@studio.com would otherwise become Ana. A user already
   * linked to another account is never taken over.
   */
  private async userFor(idp: IdpSubject, email: string, vouched: boolean): Promise<User> {
    const known = await this.store.findUserBySubject(idp);
    if (known) return known.user;
    if (!vouched) {
      throw new SignInError(
        403,
        "email_not_vouched",
        `The identity provider signed you in but did not vouch that ${email} is yours (its ID token has no email_verified or xms_edov claim that says so), so Retake will not make you a user by that address. Ask your Retake admin: docs/team.md "Which emails Retake trusts" says what to set.`,
      );
    }
    const byEmail = await this.store.findUserByEmail(email);
    if (byEmail) {
      if (!byEmail.linked && (await this.store.linkUserSubject(byEmail.user.id, idp))) return byEmail.user;
      // Linked meanwhile by this same account (two sign-ins at once)? Then it is this user.
      const raced = await this.store.findUserBySubject(idp);
      if (raced) return raced.user;
      throw new SignInError(
        403,
        "account_linked",
        `The Retake user ${byEmail.user.name} already signs in with another ${idp.issuer} account. If that is you, sign in with that account; otherwise ask your Retake admin.`,
      );
    }
    try {
      return await this.store.createUser({ name: email, email, idp });
    } catch (error) {
      // Two first sign-ins of the same editor at once: the other one made the user.
      const made = await this.store.findUserBySubject(idp);
      if (made) return made.user;
      throw error;
    }
  }

  private config(): Promise<oidc.Configuration> {
    if (!this.configuration) {
      const { issuer, clientId, clientSecret } = this.settings;
      // Plain http only for an IdP on this machine (a developer's Keycloak); never across a network.
      const loopback = issuer.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(issuer.hostname);
      const execute = [oidc.enableNonRepudiationChecks, ...(loopback ? [oidc.allowInsecureRequests] : [])];
      this.configuration = oidc
        .discovery(issuer, clientId, clientSecret, clientSecret ? undefined : oidc.None(), { execute })
        .catch((error: unknown) => {
          this.configuration = undefined; // try again on the next sign-in
          throw new SignInError(
            502,
            "idp_unreachable",
            `Could not read the identity provider's configuration from ${issuer.href}: ${describeOidcError(error)}. Check RETAKE_OIDC_ISSUER.`,
          );
        });
    }
    return this.configuration;
  }
}

/** An openid-client error in words, without any secret (its messages carry none). */
function describeOidcError(error: unknown): string {
  if (error instanceof oidc.AuthorizationResponseError) return `${error.error}${error.error_description ? ` (${error.error_description})` : ""}`;
  if (error instanceof oidc.ResponseBodyError) return `${error.error}${error.error_description ? ` (${error.error_description})` : ""}`;
  if (error instanceof Error) return error.message;
  return String(error);
}
