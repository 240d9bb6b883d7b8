import type { FastifyReply } from "fastify";
import type { z } from "zod";
import { ServiceError } from "../serviceError.js";

/** An error the API answers with a status and `{error: {code, message, field?}}`. */
export class HttpError extends ServiceError {}

export function sendError(reply: FastifyReply, status: number, code: string, message: string, field?: string) {
  return reply.code(status).send({ error: { code, message, ...(field ? { field } : {}) } });
}

/** Parses with a zod schema; a failure is a 400 naming the offending field. */
export function parseOr400<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.join(".") || undefined;
  const message = field ? `${what}: "${field}" ${describeIssue(issue)}` : `${what}: ${describeIssue(issue)}`;
  throw new HttpError(400, "invalid_request", message, field);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  // zod's own messages ("Too big: expected number to be <=10") are precise; lower-case the first
  // letter so they read as part of our sentence.
  const text = issue.message;
  return text.charAt(0).toLowerCase() + text.slice(1);
}
