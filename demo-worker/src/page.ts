/** The demo page: plain HTML, inline CSS and JS (allowed by a per-response CSP nonce), no build step. */

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);

const STYLE = `
  :root { color-scheme: light dark; --line: #8884; --muted: #888; --accent: #2563eb; }
  * { box-sizing: border-box; }
  body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; }
  h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
  h2 { font-size: 1.1rem; margin: 0 0 0.5rem; }
  p.lead { color: var(--muted); margin-top: 0; }
  section { border: 1px solid var(--line); border-radius: 8px; padding: 1rem 1.25rem; margin: 1rem 0; }
  dl { display: grid; grid-template-columns: max-content 1fr; gap: 0.35rem 1rem; margin: 0; }
  dt { color: var(--muted); }
  dd { margin: 0; font-variant-numeric: tabular-nums; }
  .views { font-size: 2rem; font-weight: 600; }
  .warn { color: #b45309; }
  form, .buttons { display: flex; gap: 0.5rem; flex-wrap: wrap; }
  input { flex: 1; min-width: 10rem; padding: 0.45rem 0.6rem; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
  button { padding: 0.45rem 0.9rem; border: 1px solid var(--line); border-radius: 6px; background: none; font: inherit; cursor: pointer; }
  button.primary { background: var(--accent); border-color: var(--accent); color: white; }
  ul.devices { list-style: none; padding: 0; margin: 0 0 0.75rem; }
  ul.devices li { display: flex; align-items: center; gap: 0.75rem; padding: 0.4rem 0; border-bottom: 1px solid var(--line); }
  ul.devices li span { flex: 1; }
  ul.devices small { color: var(--muted); }
  pre { background: #8881; padding: 0.75rem; border-radius: 6px; overflow-x: auto; font-size: 0.85rem; margin: 0; }
`;

const SCRIPT = `
  const REASONS = {
    malformed: "the cookie could not be parsed",
    bad_seal: "its seal did not verify: tampered with, or sealed with a secret this Worker does not know",
    unknown_key: "it was sealed with a key this Worker does not list any more",
    expired: "it reached its absolute lifetime (SESSION_MAX_AGE)",
    idle: "it was idle longer than SESSION_IDLE_TIMEOUT",
    revoked: "it was logged out (revoked)",
    revocation_unavailable: "the revocation store could not be asked, so it counts as anonymous for now",
    too_large: "it was larger than the cookie limits allow",
    unsupported_version: "it was written by a newer version of the library",
    store_unavailable: "the server-side store could not be asked, so it counts as anonymous for now",
    invalid_data: "its data did not fit the app's schema, so the data was reset (you stay logged in)",
  };
  const $ = (id) => document.getElementById(id);
  let state = null;

  async function call(method, path, body) {
    const init = { method, headers: {} };
    if (body !== undefined) {
      init.headers["content-type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    const response = await fetch(path, init);
    const json = await response.json().catch(() => null);
    $("last").textContent = method + " " + path + " → " + response.status + "\\n" + JSON.stringify(json, null, 2);
    return json;
  }

  const time = (ms) => (ms == null ? "—" : new Date(ms).toLocaleString());
  function left(ms) {
    if (ms == null) return "";
    const s = Math.max(0, Math.round((ms - Date.now()) / 1000));
    const parts = [[86400, "d"], [3600, "h"], [60, "m"], [1, "s"]];
    for (const [size, unit] of parts) if (s >= size || unit === "s") return " (in " + Math.floor(s / size) + unit + ")";
  }

  function render() {
    if (!state) return;
    $("user").textContent = state.user ?? "anonymous";
    $("views").textContent = state.views;
    $("id").textContent = state.id + "…" + (state.isNew ? " (new)" : "");
    $("issued").textContent = time(state.issuedAt);
    $("expires").textContent = time(state.expiresAt) + left(state.expiresAt);
    $("idle").textContent = state.idleExpiresAt == null ? "no idle timeout" : time(state.idleExpiresAt) + left(state.idleExpiresAt);
    $("reason").textContent = state.invalidReason ? state.invalidReason + ": " + REASONS[state.invalidReason] : "—";
    $("reason").className = state.invalidReason ? "warn" : "";
    $("stored").textContent = state.stored ? Object.keys(state.stored).length + " keys" : "nothing";
    $("stored-in").textContent =
      state.storedIn === "store" ? "the server-side store (the cookie holds a sealed pointer)" : "the cookie";
    $("logout-all").disabled = !state.user;
    $("note-saved").textContent = state.note == null ? "none yet" : state.note;
    $("auth-at").textContent = state.authAt == null ? "not logged in" : time(state.authAt);
    const fresh = state.freshUntil != null && state.freshUntil > Date.now();
    $("fresh").textContent =
      state.freshUntil == null ? "log in first" : fresh ? "yes" + left(state.freshUntil) : "no: log in again to confirm it is you";
    $("fresh").className = state.freshUntil != null && !fresh ? "warn" : "";
  }

  // The HTML form's CSRF token: derived from the session id, so it changes when you log in.
  async function csrf() {
    const response = await fetch("/api/csrf");
    if (response.ok) $("csrf").value = (await response.json()).token;
  }

  async function refresh() {
    const me = await call("GET", "/api/me");
    if (me && "views" in me) state = me;
    render();
    await Promise.all([devices(), cart(), csrf()]);
  }

  // The cart, from the server-side store. SKUs are shown as text.
  async function cart() {
    const list = $("cart");
    list.replaceChildren();
    const response = await fetch("/api/cart");
    if (!response.ok) return;
    const { items } = await response.json();
    for (const [sku, qty] of Object.entries(items)) {
      const item = document.createElement("li");
      item.dataset.sku = sku;
      const text = document.createElement("span");
      text.textContent = qty + " × " + sku;
      const remove = document.createElement("button");
      remove.type = "button";
      remove.className = "remove";
      remove.textContent = "Remove";
      remove.addEventListener("click", async () => {
        await call("DELETE", "/api/cart/" + encodeURIComponent(sku));
        await refresh();
      });
      item.append(text, remove);
      list.append(item);
    }
  }

  // "Your devices", from the session registry. Labels come from User-Agents: set as text, never HTML.
  async function devices() {
    const list = $("devices");
    list.replaceChildren();
    $("revoke-others").disabled = !(state && state.user);
    if (!state || !state.user) return;
    const response = await fetch("/api/sessions");
    if (!response.ok) return;
    const { sessions } = await response.json();
    for (const device of sessions) {
      const item = document.createElement("li");
      item.dataset.handle = device.id;
      const text = document.createElement("span");
      text.textContent = device.label + (device.current ? " (this device)" : "");
      const seen = document.createElement("small");
      seen.textContent = "since " + time(device.createdAt) + ", seen " + time(device.lastSeenAt);
      text.append(document.createElement("br"), seen);
      const end = document.createElement("button");
      end.type = "button";
      end.className = "end";
      end.textContent = device.current ? "Log out" : "End";
      end.addEventListener("click", async () => {
        await call("DELETE", "/api/sessions/" + encodeURIComponent(device.id));
        await refresh();
      });
      item.append(text, end);
      list.append(item);
    }
  }

  $("login").addEventListener("submit", async (event) => {
    event.preventDefault();
    await call("POST", "/api/login", { user: $("name").value });
    await refresh();
  });
  $("view").addEventListener("click", refresh);
  $("logout").addEventListener("click", async () => { await call("POST", "/api/logout"); await refresh(); });
  $("logout-all").addEventListener("click", async () => { await call("POST", "/api/logout-all"); await refresh(); });
  $("add").addEventListener("submit", async (event) => {
    event.preventDefault();
    await call("POST", "/api/cart", { sku: $("sku").value, qty: Number($("qty").value) });
    await refresh();
  });
  $("revoke-others").addEventListener("click", async () => {
    await call("POST", "/api/sessions/revoke-others");
    await refresh();
  });
  $("grow").addEventListener("click", async () => {
    // Random text does not compress: 60 KB of it is far past the cookie, so the session moves to the store.
    const bytes = crypto.getRandomValues(new Uint8Array(45000));
    await call("PUT", "/api/data", { blob: btoa(String.fromCharCode(...bytes)) });
    await refresh();
  });
  $("sensitive").addEventListener("click", async () => {
    const result = await call("POST", "/api/sensitive");
    $("sensitive-result").textContent = result && result.ok
      ? "Done: you authenticated recently enough."
      : result && result.error === "reauth_required"
        ? "Refused (reauth_required): log in again to confirm it is you, then retry."
        : "Refused: " + (result ? result.error : "no answer");
    await refresh();
  });
  $("shrink").addEventListener("click", async () => { await call("PUT", "/api/data", {}); await refresh(); });
  setInterval(render, 1000);
  refresh();
`;

export function page(nonce: string): string {
  const n = escapeHtml(nonce);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sealed-session demo</title>
<style nonce="${n}">${STYLE}</style>
</head>
<body>
<h1>sealed-session demo</h1>
<p class="lead">A session lives in an encrypted, signed cookie until it outgrows it or holds a cart; then its
data moves to a Durable Object of its own. The server also keeps a list of each user's logged-in sessions
(a Durable Object per user), so you can see and end them.</p>

<section>
  <dl>
    <dt>User</dt><dd id="user">…</dd>
    <dt>Views</dt><dd class="views" id="views">…</dd>
    <dt>Session id</dt><dd id="id">…</dd>
    <dt>Issued</dt><dd id="issued">…</dd>
    <dt>Expires</dt><dd id="expires">…</dd>
    <dt>Idle deadline</dt><dd id="idle">…</dd>
    <dt>Last cookie rejected</dt><dd id="reason">…</dd>
    <dt>Stored data</dt><dd id="stored">…</dd>
    <dt>Data lives in</dt><dd id="stored-in">…</dd>
  </dl>
</section>

<section>
  <form id="login">
    <input id="name" name="user" placeholder="Your name" autocomplete="username" required maxlength="64">
    <button class="primary">Log in</button>
  </form>
  <p class="buttons">
    <button id="view" type="button">Count a view</button>
    <button id="logout" type="button">Log out</button>
    <button id="logout-all" type="button">Log out everywhere</button>
    <button id="grow" type="button">Grow session (≈60 KB: to the store)</button>
    <button id="shrink" type="button">Shrink session</button>
  </p>
</section>

<section>
  <h2>Cart</h2>
  <ul class="devices" id="cart"></ul>
  <form id="add">
    <input id="sku" name="sku" placeholder="SKU, e.g. book" required maxlength="64" pattern="[A-Za-z0-9_-]+">
    <input id="qty" name="qty" type="number" min="1" max="999" value="1" required>
    <button class="primary">Add</button>
  </form>
</section>

<section>
  <h2>A note (an HTML form with a CSRF token)</h2>
  <form id="note-form" method="post" action="/form/note">
    <input type="hidden" name="_csrf" id="csrf" value="">
    <input id="note" name="note" placeholder="A short note" maxlength="200">
    <button class="primary">Save note</button>
  </form>
  <p>Saved note: <span id="note-saved">…</span></p>
</section>

<section>
  <h2>Sensitive action (needs a recent login)</h2>
  <dl>
    <dt>Last authentication</dt><dd id="auth-at">…</dd>
    <dt>Recent enough</dt><dd id="fresh">…</dd>
  </dl>
  <p class="buttons"><button id="sensitive" type="button">Do something sensitive</button></p>
  <p id="sensitive-result"></p>
</section>

<section>
  <h2>Your devices</h2>
  <ul class="devices" id="devices"></ul>
  <p class="buttons"><button id="revoke-others" type="button">Log out other devices</button></p>
</section>

<section>
  <pre id="last">…</pre>
</section>
<script nonce="${n}">${SCRIPT}</script>
</body>
</html>`;
}

export function errorPage(title: string, message: string, nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style nonce="${escapeHtml(nonce)}">body { font: 16px/1.5 system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; padding: 0 1rem; }</style>
</head>
<body>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>
</body>
</html>`;
}
