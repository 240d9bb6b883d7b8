import { describe, expect, it } from "vitest";
import { checkJudge } from "../../../src/server/commands/doctorCommand.js";
import { loadConfig } from "../../../src/server/config.js";

describe("retake doctor: the judge", () => {
  it("says whether the judge has a key, never the key itself", () => {
    const withKey = checkJudge(loadConfig({ GEMINI_API_KEY: "AIza-secret-value" }).judge);
    expect(withKey.found).toContain("GEMINI_API_KEY set: gemini-2.5-flash judges takes of projects where the editor turns it on");
    expect(JSON.stringify(withKey)).not.toContain("AIza-secret-value");
    expect(checkJudge(loadConfig({}).judge).found).toContain("GEMINI_API_KEY not set");
  });
});
