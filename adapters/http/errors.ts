import type { ZodIssue } from 'zod';

/** A client's mistake with the status it deserves; anything else reaching the error handler is ours (500). */
export class ApiError extends Error {
  constructor(
    readonly status: 400 | 403 | 404 | 409 | 422,
    readonly code: string,
    message: string,
    readonly issues?: readonly ZodIssue[],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const notFound = (what: string, id: string): ApiError =>
  new ApiError(404, 'not_found', `no ${what} ${JSON.stringify(id)}`);

export const errorJson = (code: string, message: string, issues?: readonly ZodIssue[]) => ({
  error: {
    code,
    message,
    ...(issues ? { issues: issues.map((i) => ({ path: i.path, message: i.message })) } : {}),
  },
});
