// The client side of refresh tokens, as a CLI would do it: the refresh token lives in durable,
// private storage (the OS keychain, or a file only the user can read); the access token only in
// memory. The access token is renewed shortly before it expires; a refusal of the refresh token
// means "log in again" — except 503, which means "keep it, try again later".
export interface TokenStore {
  load(): Promise<string | undefined>;
  save(refreshToken: string): Promise<void>;
  clear(): Promise<void>;
}

export class LoginRequired extends Error {}

export class TokenClient {
  readonly #base: string;
  readonly #store: TokenStore;
  readonly #now: () => number;
  #access: { token: string; expiresAt: number } | undefined;

  constructor(base: string, store: TokenStore, now: () => number = Date.now) {
    this.#base = base;
    this.#store = store;
    this.#now = now;
  }

  async login(user: string, password: string): Promise<void> {
    await this.#take(await this.#post("/auth/login", { user, password, device: "my-cli" }));
  }

  /** A fetch with a valid access token, refreshing it first when it has less than 30 s left. */
  async fetch(path: string): Promise<Response> {
    if (this.#access === undefined || this.#access.expiresAt * 1000 - this.#now() < 30_000)
      await this.refresh();
    return fetch(this.#base + path, { headers: { authorization: `Bearer ${this.#access!.token}` } });
  }

  async refresh(): Promise<void> {
    const refreshToken = await this.#store.load();
    if (refreshToken === undefined) throw new LoginRequired("not logged in");
    await this.#take(await this.#post("/auth/refresh", { refreshToken }));
  }

  async logout(): Promise<void> {
    const refreshToken = await this.#store.load();
    this.#access = undefined;
    await this.#store.clear();
    if (refreshToken !== undefined) await this.#post("/auth/logout", { refreshToken });
  }

  async #take(response: Response): Promise<void> {
    if (response.status === 503)
      throw new Error("the server is busy: try again (the refresh token was kept)");
    const body = (await response.json()) as {
      token?: string;
      expiresAt?: number;
      refreshToken?: string;
      error?: string;
    };
    if (
      !response.ok ||
      body.token === undefined ||
      body.refreshToken === undefined ||
      body.expiresAt === undefined
    ) {
      // Spent (refresh_reused), ended, expired or garbled: this refresh token is worth nothing now.
      this.#access = undefined;
      await this.#store.clear();
      throw new LoginRequired(body.error ?? `HTTP ${response.status}`);
    }
    // Save the new refresh token before anything else: the old one is spent already.
    await this.#store.save(body.refreshToken);
    this.#access = { token: body.token, expiresAt: body.expiresAt };
  }

  #post(path: string, body: unknown): Promise<Response> {
    return fetch(this.#base + path, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  }
}
