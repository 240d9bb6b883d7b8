import http from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Job, Take } from "../../../src/core/schemas/index.js";
import { createBackendClient } from "../../../src/ui/api/backendClient.js";

/** The client's cost, retry, upconvert and conform calls against a real HTTP server. */
const take: Take = {
  id: "take-1",
  jobId: "job-1",
  index: 0,
  iteration: 1,
  providerJobId: null,
  request: null,
  state: "queued",
  progress: 0,
  message: "Queued again",
  error: null,
  outputs: {},
  critique: null,
  cost: { usd: 0.4, estimated: true },
  colorSpace: "rec709",
  createdAt: "2025-01-01T00:00:00.000Z",
  updatedAt: "2025-01-01T00:00:05.000Z",
};
const estimate = {
  provider: "luma",
  model: "ray-2",
  perTake: { usd: 0.4, estimated: true },
  total: { usd: 0.8, estimated: true },
  budget: { jobUsd: 5, dailyCapUsd: 20, spentTodayUsd: 1, confirmAboveUsd: 1 },
  needsConfirmation: false,
};
const spend = { today: { day: "2025-01-01", usd: 1 }, days: [{ day: "2025-01-01", usd: 1 }], projects: [], jobs: [{ jobId: "job-1", usd: 1 }] };

let server: http.Server;
let url = "";
const seen: Array<{ method?: string; url?: string; body: unknown }> = [];

beforeAll(async () => {
  server = http.createServer(async (req, res) => {
    let body = "";
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method, url: req.url, body: body ? JSON.parse(body) : undefined });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(value));
    };
    if (req.url === "/v1/estimate" && req.method === "POST") return json(200, estimate);
    if (req.url === "/v1/spend") return json(200, spend);
    if (req.url === "/v1/takes/take-1/retry") return json(200, take);
    if (req.url === "/v1/takes/take-2/retry") return json(409, { error: { code: "not_retryable", message: "This take's failure would repeat." } });
    if (req.url === "/v1/takes/take-1/upconvert") {
      const job = { id: "job-2", upconvertOf: { takeId: "take-1", format: "hdr_prores" }, takes: [{ ...take, id: "take-9", jobId: "job-2" }] };
      return json(201, job);
    }
    if (req.url === "/v1/takes/take-1/conform")
      return json(200, { take: { ...take, state: "succeeded" }, artifact: { id: "art-2", extra: 1 }, notes: ["Retagged as Rec.2100 PQ."], route: "retag", gate: { ok: true } });
    json(404, { error: { code: "not_found", message: `No route ${req.url}` } });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe("backend client: cost and take actions", () => {
  const client = () => createBackendClient({ url });

  it("asks for an estimate and the spend totals", async () => {
    await expect(client().estimate({ provider: "luma", mode: "final", duration: 5, count: 2, exr: true })).resolves.toEqual(estimate);
    expect(seen.at(-1)).toEqual({ method: "POST", url: "/v1/estimate", body: { provider: "luma", mode: "final", duration: 5, count: 2, exr: true } });
    await expect(client().spend()).resolves.toEqual(spend);
  });

  it("retries a take and reports the server's refusal", async () => {
    await expect(client().retryTake("take-1")).resolves.toMatchObject({ id: "take-1", iteration: 1, state: "queued" });
    await expect(client().retryTake("take-2")).rejects.toMatchObject({ status: 409, code: "not_retryable" });
  });

  it("upconverts with the format and provider it is given, else an empty body", async () => {
    // A Job missing its fields is refused: the client parses the answer as a Job.
    await expect(client().upconvertTake("take-1")).rejects.toMatchObject({ code: "bad_response" });
    expect(seen.at(-1)).toMatchObject({ method: "POST", url: "/v1/takes/take-1/upconvert", body: {} });
    await client().upconvertTake("take-1", "hlg", "runway").catch(() => undefined);
    expect(seen.at(-1)?.body).toEqual({ format: "hlg", provider: "runway" });
  });

  it("conforms and reads the take and notes, leaving the rest of the answer alone", async () => {
    const result = await client().conformTake("take-1", "prores4444");
    expect(seen.at(-1)).toMatchObject({ url: "/v1/takes/take-1/conform", body: { format: "prores4444" } });
    expect(result.take.state).toBe("succeeded");
    expect(result.notes).toEqual(["Retagged as Rec.2100 PQ."]);
    expect(result.route).toBe("retag");
  });
});
