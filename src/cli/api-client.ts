/**
 * The HTTP API as the CLI sees it: `CLASSBELL_URL` + `ADMIN_TOKEN`, JSON in and
 * out, errors (`{error: {code, message, details?, requestId}}`) turned into
 * {@link ApiError}s that print readably.
 */
import { z } from 'zod';
import { UsageError, type CliIo } from './io.js';

export const DEFAULT_URL = 'http://127.0.0.1:8080';

/** The API answered with an error status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown,
    readonly requestId: string | undefined,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The API could not be reached, or answered something that is not its JSON. */
export class UnreachableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnreachableError';
  }
}

const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
    requestId: z.string().optional(),
  }),
});

/** A thin JSON client of classbell's `/v1` API. */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    private readonly token: string,
    private readonly signal: AbortSignal,
  ) {}

  /** Reads `CLASSBELL_URL` (default {@link DEFAULT_URL}) and `ADMIN_TOKEN` from the environment. */
  static fromEnv(io: CliIo): ApiClient {
    const baseUrl = (io.env.CLASSBELL_URL ?? '').trim() || DEFAULT_URL;
    if (!URL.canParse(baseUrl)) throw new UsageError(`CLASSBELL_URL is not a URL: ${baseUrl}`);
    const token = (io.env.ADMIN_TOKEN ?? '').trim();
    if (!token) throw new UsageError('ADMIN_TOKEN is not set (the operator token, or a school API key for its own school)');
    return new ApiClient(baseUrl.replace(/\/+$/, ''), token, io.signal);
  }

  get<S extends z.ZodType>(path: string, schema: S): Promise<z.infer<S>> {
    return this.request('GET', path, undefined, schema);
  }

  post<S extends z.ZodType>(path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    return this.request('POST', path, body, schema);
  }

  /** Sends one request; the reply must match `schema`. */
  async request<S extends z.ZodType>(method: string, path: string, body: unknown, schema: S): Promise<z.infer<S>> {
    const res = await this.send(method, path, body, 'application/json');
    const text = await res.text();
    const json = parseJson(text);
    if (!res.ok) throw toApiError(res.status, json, text);
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new UnreachableError(`unexpected reply from ${method} ${path} (HTTP ${res.status}): ${text.slice(0, 200)}`);
    }
    return parsed.data;
  }

  /** GETs a file: the response with its body still to read (an error status is thrown as an ApiError). */
  async download(path: string): Promise<Response> {
    const res = await this.send('GET', path, undefined, '*/*');
    if (res.ok) return res;
    const text = await res.text();
    throw toApiError(res.status, parseJson(text), text);
  }

  private async send(method: string, path: string, body: unknown, accept: string): Promise<Response> {
    try {
      return await fetch(`${this.baseUrl}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${this.token}`,
          accept,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        redirect: 'manual',
        signal: this.signal,
      });
    } catch (error) {
      if (this.signal.aborted) throw error;
      throw new UnreachableError(`cannot reach classbell at ${this.baseUrl}: ${describeFetchError(error)}`);
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function toApiError(status: number, json: unknown, text: string): ApiError {
  const parsed = errorBody.safeParse(json);
  if (parsed.success) {
    const e = parsed.data.error;
    return new ApiError(status, e.code, e.message, e.details, e.requestId);
  }
  return new ApiError(status, `http_${status}`, text.trim().slice(0, 200) || 'no body', undefined, undefined);
}

/** fetch hides the socket error in `cause`: ECONNREFUSED says more than "fetch failed". */
function describeFetchError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause: unknown = error.cause;
  if (cause instanceof Error) {
    const code = (cause as { code?: unknown }).code;
    return typeof code === 'string' ? `${code} (${cause.message})` : cause.message;
  }
  return error.message;
}

/** An API error as lines for stderr: code and status, message, each detail, request id. */
export function formatApiError(error: ApiError): string[] {
  const lines = [`error: ${error.message} [${error.code}, HTTP ${error.status}]`];
  lines.push(...formatDetails(error.details));
  if (error.requestId) lines.push(`  request id: ${error.requestId}`);
  return lines;
}

const problem = z.object({ path: z.string(), message: z.string() });

function formatDetails(details: unknown): string[] {
  if (details === undefined || details === null) return [];
  const problems = z.array(problem).safeParse(details);
  if (problems.success) return problems.data.map((p) => `  - ${p.path || '(body)'}: ${p.message}`);
  if (typeof details === 'object' && !Array.isArray(details)) {
    return Object.entries(details).map(([key, value]) => `  ${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`);
  }
  return [`  details: ${JSON.stringify(details)}`];
}
