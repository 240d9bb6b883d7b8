import { randomBytes } from "node:crypto";

/** Short, URL-safe, sortable-enough ids with a readable prefix ("job_…", "take_…"). */
export function newId(prefix: string): string {
  const time = Date.now().toString(36);
  return `${prefix}_${time}${randomBytes(6).toString("hex")}`;
}
