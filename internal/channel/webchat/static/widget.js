/*! charla web chat widget: plain ES2020, no dependencies, served at /widget.js.
 * <script src="https://charla.example.com/widget.js" data-channel="CHANNEL_ID" async></script>
 * Customer and agent text is only ever rendered as text (textContent / text nodes), never as HTML. */
(() => {
  "use strict";

  // ---- Pure helpers (no DOM); exported for Node tests when loaded outside a browser ----
  const RANK = { queued: 1, sent: 2, delivered: 3, read: 4, failed: 5 };
  const H = {
    baseFromSrc(src) {
      const u = new URL(src);
      return u.origin + u.pathname.replace(/\/widget\.js$/, "").replace(/\/+$/, "");
    },
    wsURL: (base, ch, tok) => base.replace(/^http/i, "ws") + "/widget/" + encodeURIComponent(ch) + "/ws?token=" + encodeURIComponent(tok),
    // Absolute http(s) URL or null; relative URLs resolve against the base URL.
    safeURL(url, base) {
      if (typeof url !== "string" || !url.trim()) return null;
      try {
        const u = new URL(url, base + "/");
        return u.protocol === "http:" || u.protocol === "https:" ? u.href : null;
      } catch { return null; }
    },
    size(n) {
      n = Number(n);
      if (!Number.isFinite(n) || n < 0) return "";
      if (n < 1024) return Math.round(n) + " B";
      let i = -1;
      do { n /= 1024; i++; } while (n >= 1024 && i < 2);
      return (n < 10 ? +n.toFixed(1) : Math.round(n)) + " " + ["KB", "MB", "GB"][i];
    },
    color(c) {
      c = typeof c === "string" ? c.trim() : "";
      return /^#(?:[0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$/i.test(c) || /^(?:rgb|hsl)a?\([\d\s.,%/+-]+\)$/i.test(c) ? c : "#2563eb";
    },
    // White or near-black, whichever contrasts better with a hex background.
    textColor(c) {
      const m = /^#([0-9a-f]{3,8})$/i.exec(c || "");
      if (!m) return "#fff";
      const h = m[1].length < 6 ? m[1].slice(0, 3).replace(/./g, "$&$&") : m[1];
      const lin = (i) => { const v = parseInt(h.slice(i, i + 2), 16) / 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      const L = 0.2126 * lin(0) + 0.7152 * lin(2) + 0.0722 * lin(4);
      return 1.05 / (L + 0.05) >= (L + 0.05) / 0.05 ? "#fff" : "#111827";
    },
    time: (m) => { const t = Date.parse(m && m.created_at); return Number.isNaN(t) ? Infinity : t; },
    rank: (s) => RANK[s] || 0,
    // Merge by id (newer copy wins, but a status never goes backwards); chronological, stable.
    merge(old, incoming) {
      const map = new Map(old.map((m) => [String(m.id), m]));
      for (const m of incoming || []) {
        if (!m || m.id == null) continue;
        const id = String(m.id), prev = map.get(id);
        map.set(id, prev && H.rank(prev.status) > H.rank(m.status) ? { ...m, status: prev.status } : m);
      }
      return [...map.values()].sort((a, b) => H.time(a) - H.time(b) || 0);
    },
    unseen: (msgs) => msgs.filter((m) => m.direction === "outgoing" && m.status !== "read" && m.status !== "failed").length,
    tick: (s) => ({ queued: ["…", "Sending"], sent: ["✓", "Sent"], delivered: ["✓✓", "Delivered"], read: ["✓✓", "Read"], failed: ["!", "Not delivered"] })[s] || ["", ""],
    // Split text into plain and http(s) link segments; the caller renders both as text.
    linkify(text) {
      const out = [], re = /\bhttps?:\/\/[^\s<>"'`]+/gi;
      let last = 0, m;
      while ((m = re.exec(text))) {
        const url = m[0].replace(/[.,;:!?)\]}]+$/, "");
        if (m.index > last) out.push({ text: text.slice(last, m.index) });
        out.push(H.safeURL(url, "https://x") ? { text: url, href: url } : { text: url });
        last = re.lastIndex = m.index + url.length;
      }
      if (last < text.length) out.push({ text: text.slice(last) });
      return out;
    },
    fmtTime(iso, now = new Date()) {
      const d = new Date(iso);
      if (!iso || Number.isNaN(d.getTime())) return null;
      const t = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
      const day = d.toDateString() === now.toDateString() ? "" : d.toLocaleDateString([], { month: "short", day: "numeric" }) + " ";
      return { text: day + t, full: d.toLocaleString() };
    },
  };

  if (typeof document === "undefined") {
    if (typeof module === "object" && module && module.exports) module.exports = H;
    return;
  }
  if (window.Charla && window.Charla.version) return; // loaded twice

  const script = document.currentScript ||
    [...document.getElementsByTagName("script")].find((s) => /\/widget\.js(?:[?#]|$)/.test(s.src || ""));
  if (!script || !script.src) return console.warn("charla: widget.js script tag not found");
  const base = H.baseFromSrc(script.src);
  const channel = script.getAttribute("data-channel") || new URL(script.src).searchParams.get("channel");
  if (!channel) return console.warn("charla: data-channel missing on the widget.js script tag");
  const API = base + "/widget/" + encodeURIComponent(channel);
  const KEY = "charla_visitor_" + channel;
  const T = {
    open: "Open chat", close: "Close chat", connecting: "Connecting…", failed: "Could not connect to the chat.",
    network: "Network problem. Check your connection and try again.", tooLarge: "File too large",
    expired: "Your session expired. Please send your message again.",
  };

  let memToken = null; // used when localStorage is unavailable (privacy modes, sandboxed frames)
  const store = {
    get() { try { return localStorage.getItem(KEY) || memToken; } catch { return memToken; } },
    set(v) { memToken = v; try { localStorage.setItem(KEY, v); } catch { /* memory only */ } },
    del() { memToken = null; try { localStorage.removeItem(KEY); } catch { /* ignore */ } },
  };

  const svg = (d) => `<svg viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"><path d="${d}"/></svg>`;
  const X = svg("M18 6 6 18M6 6l12 12");
  const CSS = `:host{all:initial}*{box-sizing:border-box}[hidden]{display:none!important}
.w{--c:#2563eb;--ct:#fff;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;color:#0f172a}
button,input,textarea{font:inherit;color:inherit;margin:0}button{cursor:pointer}button:disabled{opacity:.55;cursor:default}
:focus-visible{outline:2px solid #2563eb;outline-offset:2px}
.launch{position:fixed;right:20px;bottom:20px;z-index:2147483000;width:56px;height:56px;padding:0;border:0;border-radius:50%;background:var(--c);color:var(--ct);box-shadow:0 4px 16px rgba(0,0,0,.25);display:grid;place-items:center;transition:transform .15s}
.launch:hover{transform:scale(1.06)}.launch svg{width:26px;height:26px}
.launch .ix,.open .launch .ic{display:none}.open .launch .ix{display:block}
.badge{position:absolute;top:-3px;right:-3px;min-width:22px;height:22px;padding:0 5px;border:2px solid #fff;border-radius:11px;background:#ef4444;color:#fff;font-size:11px;font-weight:700;line-height:18px;text-align:center}
.panel{position:fixed;right:20px;bottom:88px;z-index:2147483000;width:360px;height:520px;max-width:calc(100vw - 40px);max-height:calc(100vh - 108px);display:flex;flex-direction:column;background:#fff;border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.22);overflow:hidden;animation:cin .18s ease-out}
@keyframes cin{from{opacity:0;transform:translateY(12px)}}
.hd{display:flex;align-items:center;gap:8px;padding:12px 10px 12px 16px;background:var(--c);color:var(--ct)}
.hd h2{flex:1;margin:0;font-size:16px;font-weight:600;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.ib{flex:none;width:36px;height:36px;padding:0;border:0;border-radius:10px;background:none;color:#64748b;display:grid;place-items:center}
.ib:hover{background:rgba(127,127,127,.18)}.ib svg{width:20px;height:20px}.hd .ib{color:inherit}
.scroll{flex:1;overflow-y:auto;overscroll-behavior:contain;padding:14px 12px 6px;background:#f8fafc}
ol{list-style:none;margin:0;padding:0}
.m{display:flex;flex-direction:column;align-items:flex-start;margin:0 0 10px}.m.in{align-items:flex-end}
.who{margin:0 6px 2px;font-size:12px;color:#64748b}
.bubble{max-width:82%;padding:8px 12px;border:1px solid #e2e8f0;border-radius:16px 16px 16px 4px;background:#fff;white-space:pre-wrap;overflow-wrap:anywhere}
.in .bubble{border-color:transparent;border-radius:16px 16px 4px 16px;background:var(--c);color:var(--ct)}
.bubble a{color:inherit}.text:empty{display:none}
.files{display:flex;flex-direction:column;gap:6px}.text:not(:empty)+.files{margin-top:6px}
.thumb img{display:block;max-width:100%;max-height:200px;border-radius:10px;background:#e2e8f0}
.file{display:block;padding:6px 10px;border-radius:10px;background:rgba(127,127,127,.14);text-decoration:none}
.file b{font-weight:600;text-decoration:underline}.file small{opacity:.75;white-space:nowrap}
.meta{display:flex;gap:6px;margin:3px 6px 0;font-size:11px;color:#94a3b8}
.tk{font-weight:700;letter-spacing:-3px;padding-right:3px}.tk.read{color:#2563eb}.tk.failed{color:#dc2626;letter-spacing:0}
.more{display:block;margin:0 auto 12px;padding:4px 12px;border:1px solid #cbd5e1;border-radius:999px;background:#fff;font-size:12px;color:#475569}
.note{padding:10px;font-size:13px;text-align:center;color:#64748b}
.note button{margin-left:6px;padding:0;border:0;background:none;color:#2563eb;text-decoration:underline}
.pre{display:flex;flex-direction:column;gap:10px;margin:4px 0 10px;padding:14px;border:1px solid #e2e8f0;border-radius:12px;background:#fff}
.pre p{margin:0}.pre label{display:flex;flex-direction:column;gap:4px;font-size:13px;color:#334155}
.pre input{padding:8px 10px;border:1px solid #cbd5e1;border-radius:8px;background:#fff}
.btn{padding:9px 12px;border:0;border-radius:8px;background:var(--c);color:var(--ct);font-weight:600}
.err{padding:6px 12px;border-top:1px solid #fecaca;background:#fef2f2;color:#b91c1c;font-size:13px}
.chip{display:flex;align-items:center;gap:6px;padding:2px 8px 2px 12px;border-top:1px solid #e2e8f0;font-size:12px}
.chip span{flex:1;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.comp{display:flex;align-items:flex-end;gap:6px;padding:8px;border-top:1px solid #e2e8f0}
textarea{flex:1;min-height:38px;max-height:120px;padding:8px 10px;border:1px solid #cbd5e1;border-radius:10px;background:#fff;line-height:1.4;resize:none;outline:none}
textarea:focus{border-color:var(--c);box-shadow:0 0 0 1px var(--c)}
.send,.send:hover{background:var(--c);color:var(--ct)}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);opacity:0}
@media (max-width:480px){.panel{inset:0;width:100%;height:100%;max-width:none;max-height:none;border-radius:0}.open .launch{display:none}}
@media (prefers-reduced-motion:reduce){.panel{animation:none}.launch{transition:none}}`;

  // Static markup only: every dynamic value is filled in later with textContent.
  const HTML = `<div class="w">
<section class="panel" id="charla-panel" data-charla="panel" role="dialog" aria-modal="false" aria-labelledby="charla-title" hidden>
<header class="hd"><h2 id="charla-title"></h2><button type="button" class="ib x" aria-label="${T.close}">${X}</button></header>
<div class="scroll">
<button type="button" class="more" hidden>Load earlier messages</button>
<div class="m out" data-charla="greeting" hidden><div class="who"></div><div class="bubble"></div></div>
<ol data-charla="messages" role="log" aria-live="polite" aria-label="Messages"></ol>
<form class="pre" data-charla="prechat" hidden><p>Please tell us who you are to start the chat.</p>
<label>Name<input name="name" data-charla="prechat-name" autocomplete="name" maxlength="100"></label>
<label><span></span><input name="email" type="email" data-charla="prechat-email" autocomplete="email" maxlength="254"></label>
<button type="submit" class="btn" data-charla="prechat-submit">Start chat</button></form>
<div class="note" role="status" hidden><span></span><button type="button" hidden>Try again</button></div>
</div>
<div class="err" role="alert" hidden></div>
<div class="chip" hidden><span></span><button type="button" class="ib" aria-label="Remove attachment">${X}</button></div>
<form class="comp" hidden>
<button type="button" class="ib clip" aria-label="Attach a file">${svg("m21 11.5-8.6 8.6a5.3 5.3 0 0 1-7.5-7.5l8.6-8.6a3.5 3.5 0 0 1 5 5l-8.6 8.6a1.8 1.8 0 0 1-2.5-2.5l8-8")}</button>
<input type="file" class="sr" data-charla="file" tabindex="-1" aria-hidden="true">
<textarea data-charla="input" rows="1" placeholder="Write a message…" aria-label="Message"></textarea>
<button type="submit" class="ib send" data-charla="send" aria-label="Send message">${svg("M22 2 11 13M22 2l-7 20-4-9-9-4z")}</button>
</form></section>
<button type="button" class="launch" data-charla="launcher" aria-label="${T.open}" aria-expanded="false" aria-controls="charla-panel" hidden><span class="ic">${svg("M21 12a8.5 8.5 0 0 1-12.4 7.5L3 21l1.5-5.2A8.5 8.5 0 1 1 21 12z")}</span><span class="ix">${X}</span><span class="badge" aria-hidden="true" hidden></span></button>
</div>`;

  const host = document.createElement("div");
  host.id = "charla-widget";
  host.style.setProperty("all", "initial", "important");
  const root = host.attachShadow({ mode: "open" });
  let tt = null; // pages enforcing Trusted Types must allow the policy name "charla"
  try { tt = window.trustedTypes && trustedTypes.createPolicy("charla", { createHTML: (s) => s }); } catch { /* not allowed */ }
  const staticHTML = (s) => (tt ? tt.createHTML(s) : s); // only ever given the constant template above
  try {
    const sheet = new CSSStyleSheet(); // constructed sheets are not blocked by the page's CSP style-src
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
    root.innerHTML = staticHTML(HTML);
  } catch {
    root.innerHTML = staticHTML(`<style>${CSS}</style>${HTML}`);
  }
  const q = (s) => root.querySelector(s);
  const hook = (n) => q(`[data-charla="${n}"]`);
  const E = {
    w: q(".w"), launcher: hook("launcher"), badge: q(".badge"), panel: hook("panel"), title: q("h2"), x: q(".x"),
    scroll: q(".scroll"), more: q(".more"), greet: hook("greeting"), list: hook("messages"),
    pre: hook("prechat"), name: hook("prechat-name"), email: hook("prechat-email"), emailLabel: q(".pre span"),
    note: q(".note"), noteText: q(".note span"), retry: q(".note button"), err: q(".err"),
    chip: q(".chip"), chipText: q(".chip span"), chipX: q(".chip button"),
    comp: q(".comp"), clip: q(".clip"), file: hook("file"), input: hook("input"), send: hook("send"),
  };
  const el = (tag, cls, text, props) => {
    const e = Object.assign(document.createElement(tag), props);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  };
  const NEW_TAB = { target: "_blank", rel: "noopener noreferrer nofollow" };

  // phase: idle → (prechat →) connecting → chat, or error.
  const S = { cfg: null, phase: "idle", open: false, token: null, msgs: [], hasMore: false, gen: 0, sending: false,
    ws: null, fails: 0, timer: 0, els: new Map(), stick: true, err: "", waiters: [], expiries: 0 };

  // ---- HTTP ----
  async function api(method, path, { body, form, token } = {}) {
    const headers = {};
    if (token) headers.Authorization = "Bearer " + token;
    if (body !== undefined) { headers["Content-Type"] = "application/json"; form = JSON.stringify(body); }
    let res, data = null;
    try {
      res = await fetch(API + path, { method, headers, body: form, mode: "cors", credentials: "omit" });
    } catch {
      throw Object.assign(new Error(T.network), { status: 0 });
    }
    try { data = JSON.parse(await res.text()); } catch { /* empty or not JSON */ }
    if (!res.ok) {
      const m = data?.error?.message;
      throw Object.assign(new Error(res.status === 413 ? T.tooLarge : typeof m === "string" && m ? m : `Something went wrong (HTTP ${res.status}).`),
        { status: res.status, code: data?.error?.code });
    }
    return data;
  }
  async function authed(method, path, opts) {
    const tok = S.token;
    try {
      return await api(method, path, { ...opts, token: tok });
    } catch (e) {
      if (e.status === 401 && tok && tok === S.token) { expired(tok); e.message = T.expired; }
      throw e;
    }
  }

  // ---- Session ----
  function setPhase(p) {
    S.phase = p;
    if (p !== "connecting") S.waiters.splice(0).forEach((r) => r(p === "chat"));
    view();
  }
  const whenChat = () => S.phase === "connecting" ? new Promise((r) => S.waiters.push(r)) : Promise.resolve(S.phase === "chat");

  function begin() {
    if (!S.cfg || S.phase === "connecting" || S.phase === "chat") return;
    const tok = store.get();
    if (tok) return startSession({ token: tok });
    if (S.cfg.prechat_form?.enabled) return setPhase("prechat");
    startSession({});
  }
  async function startSession(body) {
    const g = ++S.gen;
    setPhase("connecting");
    try {
      const r = await api("POST", "/session", { body });
      if (g !== S.gen) return;
      if (typeof r?.token !== "string" || !r.token) throw new Error(T.failed);
      S.token = r.token;
      store.set(r.token);
      S.visitor = r.visitor || null;
      setPhase("chat");
      await sync(true);
      if (g === S.gen) connect();
    } catch (e) {
      if (g !== S.gen) return;
      if (e.status === 401 && body.token) { reset(body.token); return begin(); } // stale token: start over
      S.err = e.message || T.failed;
      setPhase("error");
    }
  }
  function reset(badToken) {
    S.gen++;
    if (badToken && store.get() === badToken) store.del();
    if (S.ws) { S.ws.onclose = null; S.ws.close(); }
    clearTimeout(S.timer);
    Object.assign(S, { token: null, msgs: [], hasMore: false, ws: null, fails: 0 });
    setPhase("idle");
    render();
  }
  function expired(tok) {
    reset(tok);
    if (++S.expiries > 3) { S.err = T.failed; return setPhase("error"); } // server keeps rejecting fresh tokens
    if (S.open) begin();
  }

  // Fetch the newest page. After a reconnect, walk back (max 5 pages) until a known message fills the gap.
  async function sync(initial) {
    const g = S.gen;
    try {
      const first = !S.msgs.length, have = new Set(S.msgs.map((m) => String(m.id)));
      let got = [], before = "", more = false, known = first, pages = 0;
      do {
        const r = await authed("GET", "/messages" + (before ? "?before=" + encodeURIComponent(before) : ""));
        if (g !== S.gen) return;
        const ms = Array.isArray(r?.messages) ? r.messages : [];
        got = ms.concat(got);
        more = !!r?.has_more;
        known = known || ms.some((m) => have.has(String(m.id)));
        before = ms.length ? String(ms[0].id) : "";
      } while (!known && more && before && ++pages < 5);
      if (!known && more && got.length) S.msgs = S.msgs.filter((m) => H.time(m) >= H.time(got[0])); // gap too big: recent history only
      if (first || (!known && more)) S.hasMore = more;
      S.expiries = 0;
      merge(got, { bottom: first });
    } catch (e) {
      if (initial && e.status !== 401 && g === S.gen) showErr(e.message);
    }
  }

  // ---- WebSocket ----
  function connect() {
    if (S.ws || !S.token || S.phase !== "chat") return;
    const g = S.gen;
    let ws, opened = 0;
    try { ws = new WebSocket(H.wsURL(base, channel, S.token)); } catch { return retry(); }
    S.ws = ws;
    ws.onopen = () => { opened = Date.now(); if (g === S.gen) { sync(); markRead(); } };
    ws.onmessage = (e) => {
      let f;
      try { f = JSON.parse(e.data); } catch { return; }
      if (g === S.gen && f && typeof f === "object") onFrame(f);
    };
    ws.onclose = (e) => {
      if (S.ws === ws) S.ws = null;
      if (g !== S.gen) return;
      if (opened && Date.now() - opened > 10000) S.fails = 0;
      retry(e.code === 1008 || e.code === 4401);
    };
  }
  // Backoff 1s, 2s, 4s … 30s. After repeated failures or a policy close, probe over HTTP first: that
  // notices an expired token (401 → new session) and keeps messages coming if WebSockets are blocked.
  function retry(probe) {
    const g = S.gen, delay = Math.min(30000, 1000 * 2 ** Math.min(S.fails++, 5));
    clearTimeout(S.timer);
    S.timer = setTimeout(async () => {
      if (g !== S.gen) return;
      if (probe || S.fails > 2) await sync();
      if (g === S.gen) connect();
    }, delay);
  }
  function onFrame(f) {
    if (f.type === "message" && f.message?.id != null) {
      merge([f.message], { bottom: f.message.direction === "incoming" });
    } else if (f.type === "status" && f.id != null && RANK[f.status]) {
      const i = S.msgs.findIndex((m) => String(m.id) === String(f.id));
      if (i >= 0 && H.rank(f.status) >= H.rank(S.msgs[i].status)) {
        S.msgs[i] = { ...S.msgs[i], status: f.status };
        render();
      }
    } else if (f.type === "resync") {
      // The server dropped events for this socket: re-read the history to fill the gap.
      sync();
    }
  }
  function markRead() {
    if (!S.open || document.visibilityState !== "visible" || S.phase !== "chat" || S.ws?.readyState !== 1 || !H.unseen(S.msgs)) return;
    S.ws.send(JSON.stringify({ type: "read" }));
    S.msgs = S.msgs.map((m) => m.direction === "outgoing" && m.status !== "read" && m.status !== "failed" ? { ...m, status: "read" } : m);
    render();
  }

  // ---- Rendering ----
  function merge(list, opts) {
    S.msgs = H.merge(S.msgs, list);
    render(opts);
  }
  function view() {
    const p = S.phase, live = p === "chat" || p === "connecting";
    E.pre.hidden = p !== "prechat";
    E.comp.hidden = !live;
    E.note.hidden = p !== "connecting" && p !== "error";
    E.noteText.textContent = p === "error" ? S.err : T.connecting;
    E.retry.hidden = p !== "error";
    E.greet.hidden = !S.cfg?.greeting || (S.hasMore && p === "chat");
    E.more.hidden = !S.hasMore || p !== "chat";
    E.send.disabled = E.input.readOnly = S.sending;
    E.comp.setAttribute("aria-busy", String(S.sending));
    if (live) chip(); else E.chip.hidden = true;
  }
  function render({ bottom = false, keep = false } = {}) {
    const sc = E.scroll, oldH = sc.scrollHeight, oldTop = sc.scrollTop, seen = new Set();
    let prev = null, i = 0;
    for (const m of S.msgs) {
      const id = String(m.id);
      const named = m.direction !== "incoming" && !(prev && prev.direction !== "incoming" && prev.sender_name === m.sender_name);
      let node = S.els.get(id);
      if (!node || node._named !== named) {
        const fresh = msgNode(m, named);
        if (node) node.replaceWith(fresh);
        S.els.set(id, (node = fresh));
      } else if (node.dataset.status !== (m.status || "")) setStatus(node, m.status);
      const at = E.list.children[i++];
      if (at !== node) E.list.insertBefore(node, at || null);
      seen.add(id);
      prev = m;
    }
    for (const [id, node] of S.els) if (!seen.has(id)) { node.remove(); S.els.delete(id); }
    view();
    if (keep) sc.scrollTop = oldTop + sc.scrollHeight - oldH;
    else if (bottom || S.stick) toBottom();
    badge();
    markRead();
  }
  const toBottom = () => { E.scroll.scrollTop = E.scroll.scrollHeight; };

  function msgNode(m, named) {
    const visitor = m.direction === "incoming";
    const li = el("li", "m " + (visitor ? "in" : "out"), null, { _named: named });
    Object.assign(li.dataset, { charla: "message", id: String(m.id), direction: visitor ? "incoming" : "outgoing" });
    if (named) li.append(el("div", "who", m.sender_name || S.cfg?.name || ""));
    const bubble = el("div", "bubble"), body = el("div", "text");
    body.dataset.charla = "body";
    for (const s of H.linkify(m.body == null ? "" : String(m.body))) {
      body.append(s.href ? el("a", "", s.text, { href: s.href, ...NEW_TAB }) : document.createTextNode(s.text));
    }
    bubble.append(body);
    const atts = Array.isArray(m.attachments) ? m.attachments.filter(Boolean) : [];
    if (atts.length) bubble.append(el("div", "files"));
    for (const a of atts) bubble.lastChild.append(attNode(a));
    const meta = el("div", "meta"), t = H.fmtTime(m.created_at);
    if (t) meta.append(el("time", "", t.text, { dateTime: String(m.created_at), title: t.full }));
    if (visitor) meta.append(el("span", "tk"));
    li.append(bubble, meta);
    setStatus(li, m.status);
    return li;
  }
  function setStatus(li, status) {
    li.dataset.status = status || "";
    const tk = li.querySelector(".tk");
    if (!tk) return;
    const [sym, label] = H.tick(status);
    Object.assign(tk, { textContent: sym, className: "tk" + (RANK[status] ? " " + status : ""), title: label });
    tk.setAttribute("role", "img");
    tk.setAttribute("aria-label", label);
  }
  function attNode(a) {
    const url = H.safeURL(a.url, base), name = String(a.filename || "file"), size = H.size(a.size);
    const label = size ? `${name} (${size})` : name;
    if (!url) return el("span", "file", label);
    if (/^image\//i.test(String(a.content_type || ""))) {
      const img = el("img", "", null, { alt: name, src: url });
      img.addEventListener("load", () => S.stick && toBottom());
      return el("a", "thumb", null, { href: url, title: label, ...NEW_TAB }).appendChild(img).parentNode;
    }
    const link = el("a", "file", null, { href: url, title: label, ...NEW_TAB });
    link.append(el("b", "", name));
    if (size) link.append(" ", el("small", "", size));
    return link;
  }
  function badge() {
    const n = S.open ? 0 : H.unseen(S.msgs);
    E.badge.hidden = !n;
    E.badge.textContent = n > 9 ? "9+" : String(n);
    E.launcher.setAttribute("aria-label", S.open ? T.close : n ? `${T.open} (${n} unread)` : T.open);
  }
  function showErr(msg) {
    E.err.textContent = msg || "";
    E.err.hidden = !msg;
  }
  function chip() {
    const f = E.file.files?.[0];
    E.chip.hidden = !f;
    E.chipText.textContent = f ? `${f.name} (${H.size(f.size)})` : "";
  }
  function clearFile() { E.file.value = ""; chip(); }
  function autosize() {
    E.input.style.height = "auto";
    E.input.style.height = Math.min(E.input.scrollHeight + 2, 120) + "px";
  }

  // ---- Actions ----
  async function send() {
    const text = E.input.value.trim(), file = E.file.files?.[0];
    if (S.sending || (!text && !file)) return;
    S.sending = true; // also covers waiting for a session that is still connecting
    showErr("");
    view();
    try {
      if (!(await whenChat())) return;
      let opts = { body: { body: text } };
      if (file) {
        opts = { form: new FormData() };
        if (text) opts.form.append("body", text);
        opts.form.append("file", file, file.name);
      }
      const m = await authed("POST", "/messages", opts);
      E.input.value = "";
      clearFile();
      autosize();
      if (m?.id != null) merge([m], { bottom: true });
    } catch (e) {
      showErr(e.message);
    } finally {
      S.sending = false;
      view();
    }
  }
  function openPanel() {
    if (!S.cfg || S.open) return;
    S.open = S.stick = true;
    E.panel.hidden = false;
    E.w.classList.add("open");
    E.launcher.setAttribute("aria-expanded", "true");
    begin();
    view();
    badge();
    toBottom();
    const phone = window.matchMedia?.("(pointer: coarse)").matches; // don't pop up the keyboard on phones
    (phone ? E.x : S.phase === "prechat" ? E.name : S.phase === "error" ? E.retry : E.input).focus();
    markRead();
  }
  function closePanel() {
    if (!S.open) return;
    const inside = E.panel.contains(root.activeElement);
    S.open = false;
    E.panel.hidden = true;
    E.w.classList.remove("open");
    E.launcher.setAttribute("aria-expanded", "false");
    badge();
    if (inside) E.launcher.focus();
  }

  // ---- Events ----
  const on = (t, ev, fn, o) => t.addEventListener(ev, fn, o);
  on(E.launcher, "click", () => (S.open ? closePanel() : openPanel()));
  on(E.x, "click", closePanel);
  on(root, "keydown", (e) => { if (e.key === "Escape" && S.open) { e.stopPropagation(); closePanel(); } });
  on(E.retry, "click", () => { begin(); if (S.phase === "prechat") E.name.focus(); });
  on(E.pre, "submit", (e) => {
    e.preventDefault();
    const name = E.name.value.trim(), email = E.email.value.trim(), body = {};
    if (!E.pre.checkValidity() || (S.cfg.prechat_form?.require_email && !email)) return E.pre.reportValidity() && E.email.focus();
    if (name) body.name = name;
    if (email) body.email = email;
    startSession(body).then(() => S.open && S.phase === "chat" && E.input.focus());
  });
  on(E.comp, "submit", (e) => { e.preventDefault(); send(); });
  on(E.input, "keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing && e.keyCode !== 229) { e.preventDefault(); send(); }
  });
  on(E.input, "input", autosize);
  on(E.input, "paste", (e) => { // pasted screenshot → attachment
    const f = e.clipboardData?.files?.[0];
    if (!f) return;
    try { const dt = new DataTransfer(); dt.items.add(f); E.file.files = dt.files; e.preventDefault(); chip(); } catch { /* unsupported */ }
  });
  on(E.clip, "click", () => E.file.click());
  on(E.file, "change", () => { chip(); E.input.focus(); });
  on(E.chipX, "click", () => { clearFile(); E.input.focus(); });
  on(E.scroll, "scroll", () => { S.stick = E.scroll.scrollHeight - E.scroll.scrollTop - E.scroll.clientHeight < 60; }, { passive: true });
  on(E.more, "click", async () => {
    const first = S.msgs[0], g = S.gen;
    if (!first) return;
    E.more.disabled = true;
    try {
      const r = await authed("GET", "/messages?before=" + encodeURIComponent(String(first.id)));
      if (g !== S.gen) return;
      S.hasMore = !!r?.has_more;
      merge(r?.messages || [], { keep: true });
    } catch (e) {
      showErr(e.message);
    } finally {
      E.more.disabled = false;
    }
  });
  const wake = () => { if (S.phase === "chat" && !S.ws) { clearTimeout(S.timer); connect(); } };
  on(document, "visibilitychange", () => { if (document.visibilityState === "visible") { wake(); markRead(); } });
  on(window, "online", wake);
  on(window, "storage", (e) => { // another tab started a session: adopt it
    if (e.key === KEY && e.newValue && !S.token && S.phase !== "connecting") begin();
  });

  // ---- Boot ----
  const mounted = new Promise((res) => {
    const mount = () => res(document.body.appendChild(host));
    if (document.body) mount(); else on(document, "DOMContentLoaded", mount, { once: true });
  });
  async function loadConfig() {
    for (let i = 0; ; i++) {
      try {
        return await api("GET", "/config");
      } catch (e) {
        if (i >= 2 || (e.status >= 400 && e.status < 500)) throw e;
        await new Promise((r) => setTimeout(r, 1000 * 2 ** i));
      }
    }
  }
  function applyConfig(cfg) {
    S.cfg = cfg = cfg && typeof cfg === "object" ? cfg : {};
    const color = H.color(cfg.color), req = !!cfg.prechat_form?.require_email;
    E.w.style.setProperty("--c", color);
    E.w.style.setProperty("--ct", H.textColor(color));
    E.title.textContent = cfg.name || "Chat";
    E.greet.firstChild.textContent = cfg.name || "";
    E.greet.lastChild.textContent = cfg.greeting || "";
    E.email.required = req;
    E.emailLabel.textContent = req ? "Email" : "Email (optional)";
    E.launcher.hidden = false;
    view();
  }

  const ready = Promise.all([mounted, loadConfig()]).then(([, cfg]) => {
    applyConfig(cfg);
    if (store.get()) begin(); // returning visitor: resume now so replies and the unread badge arrive while closed
    return S.cfg;
  });
  ready.catch((e) => console.warn("charla: chat unavailable:", e?.message));
  const later = (fn) => () => (S.cfg ? Promise.resolve(fn()) : ready.then(fn, () => {})); // synchronous once ready
  window.Charla = { version: 1, ready, open: later(openPanel), close: closePanel, toggle: later(() => (S.open ? closePanel() : openPanel())) };
})();
