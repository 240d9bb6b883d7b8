import { describe, expect, it } from "vitest";
import { withoutToken } from "../../../src/ui/controller/createPanelController.js";

describe("withoutToken (links handed to the system browser)", () => {
  it("drops the backend token and keeps the rest of the URL", () => {
    expect(withoutToken("http://127.0.0.1:5177/v1/artifacts/a%201?token=s3cr%2Bt&x=1")).toBe("http://127.0.0.1:5177/v1/artifacts/a%201?x=1");
    expect(withoutToken("http://127.0.0.1:5177/v1/artifacts/a1?token=abc")).toBe("http://127.0.0.1:5177/v1/artifacts/a1");
  });
});
