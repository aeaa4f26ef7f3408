/**
 * The app's only way to the server: a small typed HTTP client over `fetch`. Every failure becomes
 * an `ApiError` carrying the catalogue code, the server's message and hint and the field-level
 * details, or a plain-words network error, so views can show what went wrong next to the field
 * concerned. Routes a server may not offer yet (404/405) resolve to `undefined` instead of failing,
 * which is how the views degrade gracefully.
 */
import type {
  AliasEvent,
  AliasResponse,
  ErrorBody,
  FeedbackResponse,
  ModelList,
  ModelVersionDetail,
  OpsPredictions,
  OpsSummary,
  Prediction,
  WirePrediction,
} from './types.js';

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly hint: string | undefined;
  readonly details: readonly { readonly path: string; readonly expected: string; readonly got: string }[];
  readonly requestId: string | undefined;

  constructor(status: number, body: Partial<ErrorBody> | undefined, fallback: string) {
    super(typeof body?.message === 'string' ? body.message : fallback);
    this.name = 'ApiError';
    this.status = status;
    this.code = typeof body?.code === 'string' ? body.code : status === 0 ? 'NETWORK' : `HTTP_${status}`;
    this.hint = typeof body?.hint === 'string' ? body.hint : undefined;
    this.details = Array.isArray(body?.details) ? (body.details as ApiError['details']) : [];
    this.requestId = typeof body?.requestId === 'string' ? body.requestId : undefined;
  }
}

/** Every route the app calls (OpenAPI path templates); the e2e test checks them against /openapi.json. */
export const API_ROUTES = [
  ['get', '/api/v1/models'],
  ['get', '/api/v1/models/{name}/versions/{version}'],
  ['get', '/api/v1/models/{name}/versions/{version}/artifacts/{artifact}'],
  ['get', '/api/v1/models/{name}/aliases/{alias}/history'],
  ['post', '/api/v1/predict'],
  ['post', '/api/v1/predict/batch'],
  ['post', '/api/v1/feedback'],
  ['post', '/api/v1/admin/models/{name}/aliases/{alias}'],
  ['get', '/api/v1/ops/summary'],
  ['get', '/api/v1/ops/predictions'],
] as const;

export type FetchLike = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  readonly baseUrl?: string;
  readonly fetch?: FetchLike;
}

export class ApiClient {
  private readonly base: string;
  private readonly doFetch: FetchLike;

  constructor(options: ApiClientOptions = {}) {
    this.base = (options.baseUrl ?? '').replace(/\/$/, '');
    this.doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Sends a request; throws ApiError on any non-2xx or network failure. */
  async request(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await this.doFetch(this.base + path, init);
    } catch (err) {
      throw new ApiError(
        0,
        undefined,
        `Cannot reach the aquaops server (${(err as Error).message}). Check your connection and that the server is running.`,
      );
    }
    if (!res.ok) {
      let body: Partial<ErrorBody> | undefined;
      try {
        body = (await res.json()) as Partial<ErrorBody>;
      } catch {
        body = undefined;
      }
      throw new ApiError(res.status, body, `The server answered ${res.status} ${res.statusText}.`);
    }
    return res;
  }

  async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    const res = await this.request(path, { ...init, headers: { accept: 'application/json', ...init.headers } });
    return (await res.json()) as T;
  }

  /** Like `json`, but a route the server does not offer (404 route-not-found, 405, 501) gives undefined. */
  async optional<T>(path: string, init: RequestInit = {}): Promise<T | undefined> {
    try {
      return await this.json<T>(path, init);
    } catch (err) {
      if (err instanceof ApiError && isMissingRoute(err)) return undefined;
      throw err;
    }
  }

  async optionalText(path: string): Promise<string | undefined> {
    try {
      return await (await this.request(path)).text();
    } catch (err) {
      if (err instanceof ApiError && isMissingRoute(err)) return undefined;
      throw err;
    }
  }

  models(): Promise<ModelList> {
    return this.json<ModelList>('/api/v1/models');
  }

  version(name: string, version: number): Promise<ModelVersionDetail> {
    return this.json<ModelVersionDetail>(`/api/v1/models/${encodeURIComponent(name)}/versions/${version}`);
  }

  async predict(samples: readonly Record<string, unknown>[]): Promise<Prediction[]> {
    const body = await this.json<{ predictions: WirePrediction[] }>('/api/v1/predict', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(samples.length === 1 ? samples[0] : samples),
    });
    return body.predictions.map((p) => {
      const { explanation } = p;
      if (explanation === undefined) {
        throw new ApiError(200, undefined, 'The server answered without an explanation; this app needs one.');
      }
      return { ...p, explanation };
    });
  }

  feedback(predictionId: string, label: 0 | 1): Promise<FeedbackResponse> {
    return this.json<FeedbackResponse>('/api/v1/feedback', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ predictionId, label }),
    });
  }

  setAlias(name: string, alias: string, version: number, reason: string, adminKey: string): Promise<AliasResponse> {
    return this.json<AliasResponse>(
      `/api/v1/admin/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}`,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminKey}` },
        body: JSON.stringify({ version, reason }),
      },
    );
  }

  async aliasHistory(name: string, alias: string): Promise<AliasEvent[] | undefined> {
    const raw = await this.optional<unknown>(
      `/api/v1/models/${encodeURIComponent(name)}/aliases/${encodeURIComponent(alias)}/history`,
    );
    return raw === undefined ? undefined : normaliseHistory(raw, alias);
  }

  opsSummary(hours = 24, bucketMinutes = 60): Promise<OpsSummary> {
    return this.json<OpsSummary>(`/api/v1/ops/summary?hours=${hours}&bucketMinutes=${bucketMinutes}`);
  }

  opsPredictions(limit = 50): Promise<OpsPredictions> {
    return this.json<OpsPredictions>(`/api/v1/ops/predictions?limit=${limit}`);
  }

  async metricsText(): Promise<string> {
    return (await this.request('/metrics', { headers: { accept: 'text/plain' } })).text();
  }

  artifact(name: string, version: number, artifact: string): Promise<string | undefined> {
    return this.optionalText(
      `/api/v1/models/${encodeURIComponent(name)}/versions/${version}/artifacts/${encodeURIComponent(artifact)}`,
    );
  }
}

/** A 404 for a route (not for a missing model/version, which the server reports with details). */
export function isMissingRoute(err: ApiError): boolean {
  if (err.status === 405 || err.status === 501) return true;
  return err.status === 404 && (err.message.startsWith('no route') || err.code === 'HTTP_404');
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function str(v: unknown, def = ''): string {
  return typeof v === 'string' ? v : def;
}

/** Accepts `[...]`, `{history: [...]}` or `{events: [...]}` of alias moves, newest first. */
export function normaliseHistory(raw: unknown, alias: string): AliasEvent[] {
  const obj = raw as Record<string, unknown> | null;
  const list = Array.isArray(raw)
    ? raw
    : Array.isArray(obj?.history)
      ? obj.history
      : Array.isArray(obj?.events)
        ? obj.events
        : [];
  const out: AliasEvent[] = [];
  for (const e of list as Record<string, unknown>[]) {
    if (e === null || typeof e !== 'object') continue;
    const version = num(e.version) ?? num(e.toVersion) ?? num(e.to);
    if (version === null) continue;
    out.push({
      alias: str(e.alias, alias),
      version,
      previous: num(e.previous) ?? num(e.fromVersion) ?? num(e.from),
      reason: str(e.reason),
      actor: str(e.actor, str(e.by)),
      at: str(e.at, str(e.createdAt, str(e.timestamp))),
    });
  }
  return out.sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : 0));
}
