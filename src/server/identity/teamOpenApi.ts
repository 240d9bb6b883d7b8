/**
 * OpenAPI paths for team mode's routes (sign-in and admin), for `/v1/openapi.json` to include when
 * the service runs in team mode (openapi.ts merges these into its `paths` then). Kept beside the
 * routes so the two change together; teamAuth.test.ts holds every registered /v1 route to this list.
 */
const error = { description: "`{error: {code, message}}`", content: { "application/json": { schema: { $ref: "#/components/schemas/ApiError" } } } };
const noToken = { security: [] as unknown[] };
const codeParam = { name: "code", in: "path", required: true, schema: { type: "string" } };
const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };
const adminErrors = { "401": error, "403": { ...error, description: "admin_only" } };

export function teamOpenApiPaths(): Record<string, unknown> {
  return {
    "/v1/auth/pairings": {
      post: {
        ...noToken,
        summary: "Start a browser sign-in for the panel: open signInUrl in the system browser, then poll the claim",
        description:
          "Needs no token, so it is rate-limited: each client address may start RETAKE_SIGNIN_LIMIT sign-ins (default 30) per ten minutes, " +
          "counted in the shared database so the limit holds across every API process. The address is the connection's, or the client's " +
          "from X-Forwarded-For only when the request comes through a proxy RETAKE_TRUST_PROXY names (a hop count or the proxies' addresses).",
        responses: {
          "201": { description: "{code, signInUrl, expiresAt, confirmation}: show `confirmation` (XXXX-XXXX) in the panel; the browser pages show it too" },
          "429": {
            ...error,
            description: "too_many_sign_ins: this address started too many sign-ins lately; the message says how long to wait",
            headers: { "Retry-After": { description: "Seconds until this address may start another sign-in", schema: { type: "integer", minimum: 1 } } },
          },
          "501": { ...error, description: "No identity provider configured" },
        },
      },
    },
    "/v1/auth/pairings/{code}/claim": {
      post: {
        ...noToken,
        summary: "The signed-in editor's token, handed over once (the code is the secret)",
        parameters: [codeParam],
        responses: {
          "200": { description: "{token, user: {name, admin}}" },
          "202": { description: "Still signing in: poll again after Retry-After seconds" },
          "404": { ...error, description: "pairing_unknown" },
          "410": { ...error, description: "pairing_expired or pairing_claimed" },
        },
      },
    },
    "/v1/me": {
      get: { summary: "Who this token belongs to (the panel's \"Signed in as …\")", responses: { "200": { description: "{user: {id, name, admin}}" }, "401": error } },
    },
    "/v1/admin/spend": {
      get: {
        summary: "Spend by editor, by project and by both, between two UTC days (default: this month)",
        parameters: [
          { name: "from", in: "query", required: false, schema: { type: "string", format: "date" } },
          { name: "to", in: "query", required: false, schema: { type: "string", format: "date" } },
        ],
        responses: { "200": { description: "{from, to, totalUsd, byEditor, byProject, byEditorAndProject}" }, "400": error, ...adminErrors },
      },
    },
    "/v1/admin/users": { get: { summary: "Users", responses: { "200": { description: "{users}" }, ...adminErrors } } },
    "/v1/admin/users/{id}/disable": {
      post: { summary: "Disable a user: every token of theirs is refused (token_revoked) until enabled", parameters: [idParam], responses: { "200": { description: "{id, name, disabledAt}" }, "404": error, ...adminErrors } },
    },
    "/v1/admin/users/{id}/enable": {
      post: { summary: "Enable a disabled user again", parameters: [idParam], responses: { "200": { description: "{id, name, disabledAt: null}" }, "404": error, ...adminErrors } },
    },
    "/v1/admin/tokens": {
      get: { summary: "Every token: whose, label, created, last used, revoked (never a secret or hash)", responses: { "200": { description: "{tokens}" }, ...adminErrors } },
      post: { summary: "Issue a token to a user (made if new): {user, admin?, label?}; the token is shown once", responses: { "201": { description: "{id, token, user}" }, "400": error, ...adminErrors } },
    },
    "/v1/admin/tokens/{id}/revoke": {
      post: {
        summary: "Revoke a token now",
        parameters: [idParam],
        responses: { "200": { description: "{id, revokedAt}" }, "404": error, "409": { ...error, description: "Already revoked" }, ...adminErrors },
      },
    },
    "/v1/admin/dead-letters": {
      get: {
        summary: "Failed steps: steps the queue gave up on (after their retries, or at once for a refusal), oldest first, for an admin to redrive",
        responses: {
          "200": {
            description:
              "{deadLetters: [{id, kind: take|loop|upscaleNext, jobId, takeId, takeState, editor: {id, name}, project, prompt (first words), provider, priority, failedAt, queuedAt, attempts, error}]}",
          },
          "503": { ...error, description: "queue_unavailable: this process has no step queue open" },
          ...adminErrors,
        },
      },
    },
    "/v1/admin/dead-letters/{id}/redrive": {
      post: {
        summary: "Run a failed step again; its take goes on from the ledger (a generation already sent is polled, never sent or paid again)",
        parameters: [idParam],
        responses: {
          "200": { description: "{redriven}: the failed step as listed, its take queued again" },
          "404": { ...error, description: "dead_letter_unknown: no such failed step waiting (redriven already, or never was)" },
          "503": { ...error, description: "queue_unavailable" },
          ...adminErrors,
        },
      },
    },
    "/v1/admin/budgets": {
      get: { summary: "Budgets", responses: { "200": { description: "{budgets}" }, ...adminErrors } },
      put: { summary: "Set a budget: {scope: studio|project|user, key, period: day|month, limitUsd}", responses: { "200": { description: "{budget}" }, "400": error, ...adminErrors } },
      delete: {
        summary: "Remove a budget",
        parameters: ["scope", "key", "period"].map((name) => ({ name, in: "query", required: name !== "key", schema: { type: "string" } })),
        responses: { "204": { description: "Removed" }, "400": error, ...adminErrors },
      },
    },
  };
}
