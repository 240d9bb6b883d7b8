import type { FastifyInstance } from "fastify";
import { z } from "zod";
import { ProjectSettings } from "../../../core/schemas/index.js";
import type { Director } from "../../director/director.js";
import type { Store } from "../../ledger/store.js";
import { parseOr400 } from "../errors.js";

/**
 * Per-project settings (the judge switch, issue 20) and what the backend's judge is. The project
 * is named in the query (`?project=Trailer v3`): host project names may hold any character.
 */
const ProjectQuery = z.object({ project: z.string().max(500).default("") });

export function registerProjectRoutes(app: FastifyInstance, deps: { store: Store; director: Director }) {
  const { store, director } = deps;

  app.get("/v1/judge", async () => director.judgeInfo());

  app.get("/v1/projects/settings", async (request) => {
    const { project } = parseOr400(ProjectQuery, request.query, "Query");
    return { project, settings: await store.projectSettings(project) };
  });

  app.put("/v1/projects/settings", async (request) => {
    const { project } = parseOr400(ProjectQuery, request.query, "Query");
    const settings = parseOr400(ProjectSettings.strict(), request.body ?? {}, "Project settings");
    return { project, settings: await store.setProjectSettings(project, settings) };
  });
}
