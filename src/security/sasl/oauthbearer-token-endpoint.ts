/**
 * KIP-768's login: the OAuth 2 client credentials grant against the
 * identity provider's token endpoint (`sasl.oauthbearer.token.endpoint.url`),
 * as Kafka's OAuthBearerLoginCallbackHandler does it:
 *
 *   POST <url>  Authorization: Basic base64(clientId:clientSecret)
 *               Content-Type: application/x-www-form-urlencoded
 *               grant_type=client_credentials[&scope=<scope>]
 *   → 200/201 {"access_token": "<JWT>", ...}
 *
 * clientId, clientSecret and scope are the JAAS entry's options;
 * `sasl.oauthbearer.header.urlencode=true` URL-encodes the id and secret
 * first (RFC 6749 section 2.3.1). The token is kept until
 * `sasl.login.refresh.window.factor` (0.8) of its lifetime (from its `iat`,
 * else from when it was fetched, to its `exp`) has passed, then fetched
 * again at the next connection; a failed fetch fails that login with the
 * endpoint's answer.
 */
import { sasl } from '../../protocol/index.ts';

export interface TokenEndpointSettings {
  readonly url: URL;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope: string | null;
  readonly urlencodeHeader: boolean;
  /** sasl.login.connect.timeout.ms + sasl.login.read.timeout.ms, or a default bound. */
  readonly timeoutMs: number;
  readonly refreshWindowFactor: number;
}

const ERROR_TEXT_CHARS_MAX = 300;

export class TokenEndpointLogin {
  private readonly settings: TokenEndpointSettings;
  private readonly nowMs: () => number;
  private cached: { token: string; refreshAtMs: number } | null = null;
  private inFlight: Promise<string> | null = null;

  constructor(settings: TokenEndpointSettings, nowMs: () => number) {
    this.settings = settings;
    this.nowMs = nowMs;
  }

  /** A token to present now: the cached one while it is fresh, else a new one from the endpoint. */
  token(): Promise<string> {
    if (this.cached !== null && this.nowMs() < this.cached.refreshAtMs) return Promise.resolve(this.cached.token);
    this.inFlight ??= this.fetchToken().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async fetchToken(): Promise<string> {
    const s = this.settings;
    const encode = (v: string): string => (s.urlencodeHeader ? encodeURIComponent(v) : v);
    const basic = Buffer.from(`${encode(s.clientId)}:${encode(s.clientSecret)}`, 'utf8').toString('base64');
    const body = `grant_type=client_credentials${s.scope === null ? '' : `&scope=${encodeURIComponent(s.scope)}`}`;
    const fetchedAtMs = this.nowMs();
    let response: Response;
    try {
      response = await fetch(s.url, {
        method: 'POST', body, signal: AbortSignal.timeout(s.timeoutMs),
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      });
    } catch (e) {
      throw new Error(`cannot reach the token endpoint ${s.url.href}: ${(e as Error).cause instanceof Error ? ((e as Error).cause as Error).message : (e as Error).message}`);
    }
    const text = await response.text();
    if (response.status !== 200 && response.status !== 201) {
      throw new Error(`the token endpoint ${s.url.href} answered HTTP ${response.status}: ${errorOf(text)}`);
    }
    let accessToken: unknown;
    try {
      accessToken = (JSON.parse(text) as { access_token?: unknown }).access_token;
    } catch {
      accessToken = undefined;
    }
    if (typeof accessToken !== 'string' || accessToken.trim() === '') {
      throw new Error(`the token endpoint response did not contain an access_token value: ${text.slice(0, ERROR_TEXT_CHARS_MAX)}`);
    }
    const token = accessToken.trim();
    this.cached = { token, refreshAtMs: this.refreshAt(token, fetchedAtMs) };
    return token;
  }

  /** When to fetch again: the refresh window's share of the lifetime; at once when the claims do not say. */
  private refreshAt(token: string, fetchedAtMs: number): number {
    const parts = sasl.oauthbearer.splitJwt(token);
    if ('error' in parts || typeof parts.claims.exp !== 'number') return fetchedAtMs;
    const startMs = typeof parts.claims.iat === 'number' ? parts.claims.iat * 1000 : fetchedAtMs;
    return startMs + (parts.claims.exp * 1000 - startMs) * this.settings.refreshWindowFactor;
  }
}

/** `{error - error_description}` of an OAuth error answer, else the text itself (shortened). */
function errorOf(text: string): string {
  try {
    const json = JSON.parse(text) as { error?: unknown; error_description?: unknown };
    if (json.error !== undefined) return `{${String(json.error)} - ${String(json.error_description ?? '')}}`;
  } catch {
    // not JSON: the text as it came
  }
  return `{${text.slice(0, ERROR_TEXT_CHARS_MAX)}}`;
}
