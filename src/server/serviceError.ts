/**
 * A failure the backend answers with an HTTP status and `{error: {code, message, field?}}`.
 * Every module that refuses a request (director, frame store, harness, routes) throws one of
 * these, so the HTTP layer needs one check and every refusal reads the same to the editor.
 */
export class ServiceError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}
