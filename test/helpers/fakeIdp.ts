import crypto from "node:crypto";
import nodeHttp from "node:http";
import { getResponse, http, HttpResponse } from "msw";

/**
 * An OpenID Connect provider at the HTTP boundary, with the documented shapes (OpenID Connect
 * Discovery 1.0 §3, RFC 6749 §4.1 + RFC 7636 PKCE, RFC 7517 JWKS): a discovery document, a token
 * endpoint that checks the client, the code, the redirect URI and the PKCE verifier, and a JWKS;
 * ID tokens are RS256 JWTs signed with node:crypto. The "browser" part (the authorization
 * endpoint's login page) is `authorize()`: the test plays the editor signing in.
 */
export const IDP_ISSUER = "https://idp.studio.test";
export const CLIENT_ID = "retake-panel";
export const CLIENT_SECRET = "idp-client-secret-0123456789";

interface Grant {
  challenge: string;
  nonce: string;
  redirectUri: string;
  claims: Record<string, unknown>;
  signWith: crypto.KeyObject;
}

export class FakeIdp {
  /** `issuer`: IDP_ISSUER behind msw in this process; a loopback URL when served over HTTP (serveFakeIdp). */
  constructor(readonly issuer: string = IDP_ISSUER) {}

  readonly key = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  /** A key the IdP does not publish: ID tokens signed with it must be refused. */
  readonly strangerKey = crypto.generateKeyPairSync("rsa", { modulusLength: 2048 });
  readonly kid = "key-1";
  private readonly grants = new Map<string, Grant>();
  /** Token requests as received, for assertions. */
  readonly tokenRequests: URLSearchParams[] = [];

  handlers() {
    return [
      http.get(`${this.issuer}/.well-known/openid-configuration`, () =>
        HttpResponse.json({
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/jwks`,
          response_types_supported: ["code"],
          subject_types_supported: ["public"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid", "email", "profile"],
          token_endpoint_auth_methods_supported: ["client_secret_post", "client_secret_basic"],
          code_challenge_methods_supported: ["S256"],
          claims_supported: ["sub", "email", "email_verified", "name"],
        }),
      ),
      http.get(`${this.issuer}/jwks`, () => {
        const jwk = this.key.publicKey.export({ format: "jwk" });
        return HttpResponse.json({ keys: [{ ...jwk, kid: this.kid, alg: "RS256", use: "sig" }] });
      }),
      http.post(`${this.issuer}/token`, async ({ request }) => {
        const form = new URLSearchParams(await request.text());
        this.tokenRequests.push(form);
        const basic = request.headers.get("authorization");
        const [basicId, basicSecret] = basic?.startsWith("Basic ")
          ? Buffer.from(basic.slice(6), "base64").toString().split(":").map(decodeURIComponent)
          : [form.get("client_id"), form.get("client_secret")];
        if (basicId !== CLIENT_ID || basicSecret !== CLIENT_SECRET) return HttpResponse.json({ error: "invalid_client" }, { status: 401 });
        const grant = this.grants.get(form.get("code") ?? "");
        if (form.get("grant_type") !== "authorization_code" || !grant) return HttpResponse.json({ error: "invalid_grant" }, { status: 400 });
        this.grants.delete(form.get("code")!); // codes are single-use
        const verifier = form.get("code_verifier") ?? "";
        const challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
        if (challenge !== grant.challenge || form.get("redirect_uri") !== grant.redirectUri) {
          return HttpResponse.json({ error: "invalid_grant", error_description: "PKCE or redirect_uri mismatch" }, { status: 400 });
        }
        const now = Math.floor(Date.now() / 1000);
        const idToken = this.sign(
          { iss: this.issuer, aud: CLIENT_ID, iat: now, exp: now + 300, nonce: grant.nonce, ...grant.claims },
          grant.signWith,
        );
        return HttpResponse.json({ access_token: crypto.randomBytes(16).toString("hex"), token_type: "Bearer", expires_in: 3600, id_token: idToken });
      }),
    ];
  }

  /**
   * The editor at the IdP's login page: checks the authorization request as an IdP would and
   * returns the redirect back to the client (`redirect_uri?code=…&state=…`).
   */
  authorize(authorizationUrl: string, claims: Record<string, unknown>, options: { signWith?: crypto.KeyObject } = {}): URL {
    const url = new URL(authorizationUrl);
    if (`${url.origin}${url.pathname}` !== `${this.issuer}/authorize`) throw new Error(`not this IdP's authorization endpoint: ${authorizationUrl}`);
    const p = url.searchParams;
    if (p.get("client_id") !== CLIENT_ID || p.get("response_type") !== "code") throw new Error("bad authorization request");
    if (p.get("code_challenge_method") !== "S256" || !p.get("code_challenge")) throw new Error("PKCE missing");
    if (!p.get("scope")?.split(" ").includes("openid")) throw new Error("openid scope missing");
    const code = crypto.randomBytes(12).toString("hex");
    this.grants.set(code, {
      challenge: p.get("code_challenge")!,
      nonce: p.get("nonce") ?? "",
      redirectUri: p.get("redirect_uri")!,
      claims,
      signWith: options.signWith ?? this.key.privateKey,
    });
    const back = new URL(p.get("redirect_uri")!);
    back.searchParams.set("code", code);
    back.searchParams.set("state", p.get("state") ?? "");
    return back;
  }

  private sign(payload: Record<string, unknown>, key: crypto.KeyObject): string {
    const header = Buffer.from(JSON.stringify({ alg: "RS256", typ: "JWT", kid: this.kid })).toString("base64url");
    const body = Buffer.from(JSON.stringify(payload)).toString("base64url");
    const signature = crypto.sign("sha256", Buffer.from(`${header}.${body}`), key).toString("base64url");
    return `${header}.${body}.${signature}`;
  }
}

/**
 * The same IdP on a real loopback HTTP server, for a service in another process (`retake serve`),
 * which msw in this process cannot reach: its issuer is `http://127.0.0.1:<port>` (the service
 * allows plain http for a loopback issuer only). Its login page signs the browser straight in as
 * `account.claims` (the test sets who the editor is) and redirects back, as `authorize()` does.
 */
export async function serveFakeIdp(): Promise<{ idp: FakeIdp; account: { claims: Record<string, unknown> }; close(): Promise<void> }> {
  let idp: FakeIdp | undefined;
  const account: { claims: Record<string, unknown> } = { claims: {} };
  const server = nodeHttp.createServer(async (req, res) => {
    if (req.url?.startsWith("/authorize")) {
      res.writeHead(302, { location: idp!.authorize(`${idp!.issuer}${req.url}`, account.claims).href }).end();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const request = new Request(`${idp!.issuer}${req.url}`, {
      method: req.method,
      headers: Object.entries(req.headers).flatMap(([k, v]) =>
        v === undefined || ["host", "connection", "content-length", "transfer-encoding"].includes(k) ? [] : ([[k, String(v)]] as [string, string][]),
      ),
      ...(req.method !== "GET" && req.method !== "HEAD" ? { body: Buffer.concat(chunks) } : {}),
    });
    const answer = await getResponse(idp!.handlers(), request);
    if (!answer) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(answer.status, Object.fromEntries(answer.headers));
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address() as { port: number };
  idp = new FakeIdp(`http://127.0.0.1:${address.port}`);
  return { idp, account, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
