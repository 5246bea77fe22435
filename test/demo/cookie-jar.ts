/**
 * A minimal cookie jar for tests: keeps name=value pairs from `Set-Cookie` (read with
 * getSetCookie(), never headers.get) and sends them back. Max-Age=0 or an empty value deletes.
 */
export class CookieJar {
  readonly #cookies = new Map<string, string>();

  /** Takes the response's cookies; returns the response for chaining. */
  store<R extends Response>(response: R): R {
    for (const line of response.headers.getSetCookie()) {
      const [pair = "", ...attributes] = line.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      const expired = attributes.some((attribute) => /^\s*max-age\s*=\s*0\s*$/i.test(attribute));
      if (expired || value === "") this.#cookies.delete(name);
      else this.#cookies.set(name, value);
    }
    return response;
  }

  /** The Cookie request header, or undefined when the jar is empty. */
  header(): string | undefined {
    if (this.#cookies.size === 0) return undefined;
    return [...this.#cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  /** Headers for a request: the jar's cookies plus `extra`. */
  headers(extra: Record<string, string> = {}): Headers {
    const headers = new Headers(extra);
    const cookie = this.header();
    if (cookie !== undefined) headers.set("cookie", cookie);
    return headers;
  }

  get(name: string): string | undefined {
    return this.#cookies.get(name);
  }

  set(name: string, value: string): void {
    this.#cookies.set(name, value);
  }

  names(): string[] {
    return [...this.#cookies.keys()].sort();
  }

  clear(): void {
    this.#cookies.clear();
  }
}
