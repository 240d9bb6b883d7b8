import type { FastifyInstance } from "fastify";
import type { ArtifactLinks } from "../http/artifactLinks.js";
import type { Store, TeamStore } from "../ledger/store.js";
import { registerAdminRoutes, type FailedStepsAccess } from "./adminRoutes.js";
import { registerAuthRoutes } from "./authRoutes.js";
import { registerTeamAuth } from "./authenticate.js";
import { OidcPairing, type OidcSettings } from "./oidcPairing.js";

/**
 * Everything team mode adds to the HTTP app, in one call for app.ts to make when
 * RETAKE_DATABASE_URL is set: the per-user token check on /v1 (in place of the embedded
 * single token), the panel's browser sign-in, and the admin API and page. Embedded mode never
 * calls this, so it stays as it is.
 */
export interface TeamHttpOptions {
  team: TeamStore;
  ledger: Pick<Store, "spendRows">;
  /** Unset: no browser sign-in, tokens come from admins only. */
  oidc?: OidcSettings;
  links?: ArtifactLinks;
  /** The step queue's failed steps for the admin (absent: those routes answer 503). */
  failedSteps?: FailedStepsAccess;
  now?: () => Date;
}

export function registerTeamHttp(app: FastifyInstance, options: TeamHttpOptions): void {
  registerTeamAuth(app, { store: options.team, links: options.links, now: options.now });
  registerAuthRoutes(app, { pairing: options.oidc ? new OidcPairing(options.team, options.oidc, options.now) : undefined });
  registerAdminRoutes(app, { team: options.team, ledger: options.ledger, now: options.now, ...(options.failedSteps ? { failedSteps: options.failedSteps } : {}) });
}
