import { teamOpenApiPaths } from "../identity/teamOpenApi.js";
import { z } from "zod";
import { ARTIFACT_LINK_TTL_SECONDS } from "./artifactLinks.js";
import { ConformRequest } from "./routes/conformRoutes.js";
import {
  ApiError,
  BridgeSpan,
  Artifact,
  ArtifactLink,
  CostEstimate,
  CreateJobRequest,
  EnhanceRequest,
  EstimateRequest,
  FrameContext,
  HistoryPage,
  HistoryQuery,
  Job,
  JobEvent,
  PlacementMode,
  ProviderInfo,
  SequenceContext,
  SpendTotals,
  ProjectSettings,
  JudgeInfo,
  Take,
  TakePatch,
  UpconvertRequest,
  UpscaleRequest,
} from "../../core/schemas/index.js";

/** JSON Schema for one zod schema, as it is when the API *sends* it (defaults applied). */
function schemaOf(schema: z.ZodType, io: "input" | "output" = "output") {
  return z.toJSONSchema(schema, { io, unrepresentable: "any", target: "draft-2020-12" });
}

const json = (ref: string) => ({ "application/json": { schema: { $ref: `#/components/schemas/${ref}` } } });
const errorResponses = {
  "400": { description: "Malformed request; `error.field` names the offending field", content: json("ApiError") },
  "404": { description: "Not found", content: json("ApiError") },
};

/** The OpenAPI 3.1 document for `/v1`, generated from the same zod schemas the server enforces. */
export function buildOpenApi(version: string, options: { team?: boolean } = {}) {
  const doc = {
    openapi: "3.1.0",
    info: { title: "Retake backend", version, description: "Generation backend for the Retake panel. Local on loopback by default." },
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer", description: "RETAKE_TOKEN, when the backend is configured with one" },
        signedLink: {
          type: "apiKey",
          in: "query",
          name: "sig",
          description: "A signed link from POST /v1/artifacts/{id}/link (with its `expires`): GET/HEAD of that one artifact until it expires",
        },
      },
      schemas: {
        ApiError: schemaOf(ApiError),
        Artifact: schemaOf(Artifact),
        ArtifactLink: schemaOf(ArtifactLink),
        CreateJobRequest: schemaOf(CreateJobRequest, "input"),
        FrameContext: schemaOf(FrameContext),
        FrameUploadContext: schemaOf(z.object({ sequence: SequenceContext, mode: PlacementMode.optional(), bridge: BridgeSpan.optional() }), "input"),
        Job: schemaOf(Job),
        JobEvent: schemaOf(JobEvent),
        ProviderInfo: schemaOf(ProviderInfo),
        EstimateRequest: schemaOf(EstimateRequest, "input"),
        CostEstimate: schemaOf(CostEstimate),
        SpendTotals: schemaOf(SpendTotals),
        ProjectSettings: schemaOf(ProjectSettings),
        JudgeInfo: schemaOf(JudgeInfo),
        Take: schemaOf(Take),
        TakePatch: schemaOf(TakePatch, "input"),
        EnhanceRequest: schemaOf(EnhanceRequest, "input"),
        HistoryPage: schemaOf(HistoryPage),
        UpconvertRequest: schemaOf(UpconvertRequest, "input"),
        UpscaleRequest: schemaOf(UpscaleRequest, "input"),
        ConformRequest: schemaOf(ConformRequest, "input"),
      },
    },
    security: [{ bearer: [] }],
    paths: {
      "/v1/health": { get: { summary: "Liveness", responses: { "200": { description: "OK" } } } },
      "/v1/frames": {
        post: {
          summary: "Upload a captured frame with its sequence context",
          requestBody: {
            required: true,
            content: {
              "multipart/form-data": {
                schema: {
                  type: "object",
                  required: ["context", "image"],
                  properties: {
                    context: { $ref: "#/components/schemas/FrameUploadContext" },
                    image: { type: "string", format: "binary", description: "PNG or JPEG" },
                  },
                },
              },
            },
          },
          responses: { "201": { description: "Stored", content: json("FrameContext") }, ...errorResponses },
        },
      },
      "/v1/frames/{id}": {
        get: { summary: "A frame's context", parameters: [idParam], responses: { "200": { description: "OK", content: json("FrameContext") }, ...errorResponses } },
      },
      "/v1/frames/{id}/image": {
        get: { summary: "A frame's image", parameters: [idParam], responses: { "200": { description: "PNG or JPEG bytes" }, ...errorResponses } },
      },
      "/v1/jobs": {
        post: {
          summary: "Create a job (drafts or a final); with `auto`, the backend scores every draft and refines within the budget",
          requestBody: { required: true, content: json("CreateJobRequest") },
          responses: {
            "201": { description: "Created", content: json("Job") },
            "409": { description: "Provider unavailable", content: json("ApiError") },
            ...errorResponses,
          },
        },
        get: {
          summary: "Recent jobs, newest first",
          parameters: [{ name: "limit", in: "query", schema: { type: "integer", minimum: 1, maximum: 500, default: 50 } }],
          responses: { "200": { description: "OK", content: { "application/json": { schema: { type: "object", properties: { jobs: { type: "array", items: { $ref: "#/components/schemas/Job" } } } } } } } },
        },
      },
      "/v1/jobs/{id}": { get: { summary: "One job with its takes", parameters: [idParam], responses: { "200": { description: "OK", content: json("Job") }, ...errorResponses } } },
      "/v1/jobs/{id}/cancel": { post: { summary: "Cancel every unfinished take (and an auto job's loop)", parameters: [idParam], responses: { "200": { description: "OK", content: json("Job") }, ...errorResponses } } },
      "/v1/jobs/{id}/enhance": {
        post: {
          summary:
            "Render a draft (the named take, or the best-scored one) as a final master: a new one-take job with the same direction, wording and, where the provider allows, seed. With `size` (1080p, 2160p, dci4k where the sequence is DCI-shaped) the master is delivered at that size: rendered natively where the provider's final limits list it, else the final is followed by an upscale job (`upscaleNext` on the job, then a job with `upscaleOf`); the budget covers both.",
          parameters: [idParam],
          requestBody: { required: false, content: json("EnhanceRequest") },
          responses: {
            "201": { description: "Created", content: json("Job") },
            "402": { description: "Over budget", content: json("ApiError") },
            "409": { description: "Take not finished, already final, no scored take, or provider unavailable", content: json("ApiError") },
            ...errorResponses,
          },
        },
      },
      "/v1/jobs/{id}/events": {
        get: {
          summary:
            "Server-sent events: `take`, `log` and `job` (JobEvent) in the job's sequence, `done` when every take is terminal and an auto job's loop has finished. Honors Last-Event-ID.",
          parameters: [idParam, { name: "Last-Event-ID", in: "header", schema: { type: "string" } }],
          responses: { "200": { description: "text/event-stream of JobEvent", content: { "text/event-stream": { schema: { $ref: "#/components/schemas/JobEvent" } } } }, ...errorResponses },
        },
      },
      "/v1/artifacts/{id}": {
        get: {
          summary: "An artifact's file (HTTP Range supported). With `expires` and `sig` from a signed link it needs no token (GET and HEAD of that one artifact only)",
          parameters: [
            idParam,
            { name: "Range", in: "header", schema: { type: "string" } },
            { name: "expires", in: "query", required: false, schema: { type: "integer" }, description: "Signed link: when it stops working (Unix seconds)" },
            { name: "sig", in: "query", required: false, schema: { type: "string" }, description: "Signed link: HMAC-SHA256 over the artifact id and `expires`, base64url" },
          ],
          security: [{ bearer: [] }, { signedLink: [] }],
          responses: {
            "200": { description: "Whole file" },
            "206": { description: "Partial content" },
            "403": { description: "Signed link expired (`link_expired`), altered or for another file (`link_invalid`)", content: json("ApiError") },
            "416": { description: "Range not satisfiable" },
            ...errorResponses,
          },
        },
      },
      "/v1/artifacts/{id}/link": {
        post: {
          summary: `A short-lived signed link to the artifact for the system browser: it opens this one file (GET/HEAD, Range) without the token until \`expiresAt\` (${ARTIFACT_LINK_TTL_SECONDS / 60} minutes)`,
          parameters: [idParam],
          responses: { "200": { description: "The link", content: json("ArtifactLink") }, ...errorResponses },
        },
      },
      "/v1/estimate": {
        post: {
          summary: "What a job would cost, and whether the budget allows it for the signed-in editor (job budget, daily cap, and in team mode the admin's studio, project and editor limits, listed with their spend); checked again at creation",
          requestBody: { required: true, content: json("EstimateRequest") },
          responses: { "200": { description: "OK", content: json("CostEstimate") }, ...errorResponses },
        },
      },
      "/v1/judge": { get: { summary: "The vision-model judge: whether there is one, which service sees the frames, its estimated cost per take", responses: { "200": { description: "OK", content: json("JudgeInfo") } } } },
      "/v1/projects/settings": {
        get: { summary: "A project's settings (judge off until turned on)", parameters: [{ name: "project", in: "query", required: true, schema: { type: "string" } }], responses: { "200": { description: "{project, settings}" } } },
        put: {
          summary: "Change a project's settings (judge: let the vision-model judge see this project's frames)",
          parameters: [{ name: "project", in: "query", required: true, schema: { type: "string" } }],
          requestBody: { required: true, content: json("ProjectSettings") },
          responses: { "200": { description: "{project, settings}" }, ...errorResponses },
        },
      },
      "/v1/spend": { get: { summary: "Spend totals per day, project and job", responses: { "200": { description: "OK", content: json("SpendTotals") } } } },
      "/v1/history": {
        get: {
          summary: "Every job in the ledger, newest first: search prompt, drawn notes and take notes; filter by provider, score, day and star",
          parameters: queryParams(HistoryQuery),
          responses: { "200": { description: "OK", content: json("HistoryPage") }, ...errorResponses },
        },
      },
      "/v1/takes/{id}": {
        patch: {
          summary: "Star a take or write a note on it (pushed on the job's event stream)",
          parameters: [idParam],
          requestBody: { required: true, content: json("TakePatch") },
          responses: { "200": { description: "The take", content: json("Take") }, ...errorResponses },
        },
      },
      "/v1/takes/{id}/retry": {
        post: {
          summary: "Run a failed take again (only takes marked retryable)",
          parameters: [idParam],
          responses: { "200": { description: "The take, queued again", content: json("Take") }, "402": { description: "Over budget", content: json("ApiError") }, ...errorResponses },
        },
      },
      "/v1/takes/{id}/conform": {
        post: {
          summary: "Conform a take's master to its sequence (color space, size, rate, duration); the new master replaces the old one in the take, which is kept",
          parameters: [idParam],
          requestBody: { required: false, content: json("ConformRequest") },
          responses: {
            "200": { description: "The take with its new master, the conform notes and the gate's verdict" },
            "409": { description: "Take not finished, or already being conformed", content: json("ApiError") },
            "422": { description: "The master cannot be conformed (damaged, untagged, unknown codec)", content: json("ApiError") },
            ...errorResponses,
          },
        },
      },
      "/v1/takes/{id}/upconvert": {
        post: {
          summary: "Lift an SDR take to an HDR master (a new one-take job; the original is untouched)",
          parameters: [idParam],
          requestBody: { required: false, content: json("UpconvertRequest") },
          responses: { "201": { description: "Created", content: json("Job") }, "402": { description: "Over budget", content: json("ApiError") }, ...errorResponses },
        },
      },
      "/v1/takes/{id}/upscale": {
        post: {
          summary:
            "Lift a finished take to a larger size (1080p, 2160p, dci4k) on an upscale provider (capabilities.upscale; the named one, else the first available): a new one-take job with `upscaleOf`, conformed to the size in the sequence's color; its critique carries `upscale`, the check that the picture was kept",
          parameters: [idParam],
          requestBody: { required: true, content: json("UpscaleRequest") },
          responses: {
            "201": { description: "Created", content: json("Job") },
            "402": { description: "Over budget", content: json("ApiError") },
            "409": { description: "Take not finished, already at the size, no available upscaler for the size, or provider unavailable", content: json("ApiError") },
            ...errorResponses,
          },
        },
      },
      "/v1/providers": {
        get: { summary: "Providers with capabilities and availability", responses: { "200": { description: "OK", content: { "application/json": { schema: { type: "object", properties: { providers: { type: "array", items: { $ref: "#/components/schemas/ProviderInfo" } } } } } } } } },
      },
    },
  };
  // Team mode adds its sign-in and admin routes (identity/teamOpenApi.ts), beside the routes themselves.
  if (options.team) Object.assign(doc.paths, teamOpenApiPaths());
  return doc;
}

const idParam = { name: "id", in: "path", required: true, schema: { type: "string" } };

/** Query parameters from a zod object schema, one per property, as the route parses them. */
function queryParams(schema: z.ZodObject) {
  const json = schemaOf(schema, "input") as { properties?: Record<string, unknown> };
  return Object.entries(json.properties ?? {}).map(([name, property]) => ({ name, in: "query", required: false, schema: property }));
}
