// Partita dashboard: a one-page app over the coordinator's REST API and Server-Sent Events.
// Plain ES2020, no framework, no build step, no network access beyond this coordinator.
// Routes: #/ (overview), #/jobs (all jobs), #/jobs/{id} (one job), #/workers, #/volunteers, #/submit.
'use strict';
(() => {
  // ------------------------------------------------------------------------------- helpers

  const app = document.getElementById('app');
  const KINDS = ['browser', 'java', 'local', 'relay'];
  const LIVE = new Set(['preparing', 'running']);
  const MIN_RENDER_MS = 250; // at most 4 repaints per second per page
  const EVENTS_PER_RENDER = 300; // event log entries added per render
  const MAX_LOG_NODES = 2000; // entries of the event log kept in the page
  const MAX_ERROR_ROWS = 1000; // rows of the errors table kept in the page

  // ------------------------------------------------------------------------------- access
  // The API token (docs/security.md) is kept in sessionStorage: asked for once per tab by the login
  // page, or taken from a #token=... link the server prints (a fragment never reaches a server).
  const TOKEN_KEY = 'partita.token';
  (() => {
    const m = /(?:^#|&)token=([^&]+)/.exec(location.hash);
    if (m) {
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(m[1]));
      history.replaceState(null, '', location.pathname + location.search + '#/');
    }
  })();
  const token = () => sessionStorage.getItem(TOKEN_KEY);
  /** url with the token as ?access_token= (EventSource and img cannot send headers). */
  function withToken(url) {
    const t = token();
    return t ? url + (url.includes('?') ? '&' : '?') + 'access_token=' + encodeURIComponent(t) : url;
  }
  function authHeaders(headers) {
    const t = token();
    if (t) headers.authorization = 'Bearer ' + t;
    return headers;
  }

  /** Creates an element: h('div', {class: 'x', id: 'y', onclick: fn, 'data-a': 1}, 'text', child). */
  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    if (attrs) {
      for (const [k, v] of Object.entries(attrs)) {
        if (v == null || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (k in el && !k.includes('-') && k !== 'list' && k !== 'form') el[k] = v;
        else el.setAttribute(k, v === true ? '' : String(v));
      }
    }
    // Nested arrays of children (a map that returns [separator, node]) flatten at any depth: an
    // array left in would be appended as its String(), e.g. ",http://…" for ['', <a>].
    for (const c of children.flat(Infinity)) {
      if (c == null || c === false) continue;
      el.append(c instanceof Node ? c : String(c));
    }
    return el;
  }

  function setText(el, text) {
    const s = text == null ? '' : String(text);
    if (el.textContent !== s) el.textContent = s;
  }

  function setAttr(el, name, value) {
    const s = String(value);
    if (el.getAttribute(name) !== s) el.setAttribute(name, s);
  }

  const nf = new Intl.NumberFormat('en-US');
  function fmtInt(n) {
    return n == null || !isFinite(n) ? '–' : nf.format(Math.round(n));
  }

  function fmtRate(r) {
    if (r == null || !isFinite(r)) return '–';
    if (r >= 100) return nf.format(Math.round(r)) + '/s';
    if (r >= 10) return r.toFixed(1) + '/s';
    if (r > 0) return r.toFixed(2) + '/s';
    return '0/s';
  }

  function fmtDuration(sec) {
    if (sec == null || !isFinite(sec) || sec < 0) return '–';
    if (sec < 1) return sec <= 0 ? '0 s' : '<1 s';
    if (sec < 60) return Math.round(sec) + ' s';
    const s = Math.round(sec);
    const d = Math.floor(s / 86400), hh = Math.floor((s % 86400) / 3600);
    const mm = Math.floor((s % 3600) / 60), ss = s % 60;
    const p2 = (x) => String(x).padStart(2, '0');
    if (d > 0) return `${d}d ${p2(hh)}h`;
    if (hh > 0) return `${hh}h ${p2(mm)}m`;
    return `${mm}m ${p2(ss)}s`;
  }

  function fmtBytes(b) {
    if (b == null || !isFinite(b) || b <= 0) return '–';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (b >= 10 || i === 0 ? Math.round(b) : b.toFixed(1)) + ' ' + units[i];
  }

  function toMillis(t) {
    if (t == null) return null;
    if (typeof t === 'number') return t;
    const ms = Date.parse(t);
    return isNaN(ms) ? null : ms;
  }

  function fmtTime(t, withMillis) {
    const ms = toMillis(t);
    if (ms == null) return '–';
    const d = new Date(ms);
    const p2 = (x) => String(x).padStart(2, '0');
    let s = `${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())}`;
    if (withMillis) s += '.' + String(d.getMilliseconds()).padStart(3, '0');
    return s;
  }

  function fmtDateTime(t) {
    const ms = toMillis(t);
    if (ms == null) return '–';
    const d = new Date(ms);
    const p2 = (x) => String(x).padStart(2, '0');
    return `${d.getFullYear()}-${p2(d.getMonth() + 1)}-${p2(d.getDate())} ${fmtTime(ms)}`;
  }

  function ago(t) {
    const ms = toMillis(t);
    return ms == null ? '–' : fmtDuration(Math.max(0, (Date.now() - ms) / 1000));
  }

  function jobTitle(job) {
    return job.name || job.function || job.id;
  }

  function jobLink(id) {
    return '#/jobs/' + encodeURIComponent(id);
  }

  function short(s, n) {
    s = String(s);
    return s.length > n ? s.slice(0, n - 1) + '…' : s;
  }

  /** fetch + JSON; throws an Error with status and the server's error body on non-2xx. */
  async function api(method, path, body) {
    const opts = { method, headers: authHeaders({ accept: 'application/json' }) };
    if (body !== undefined) {
      opts.headers['content-type'] = 'application/json';
      opts.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    let res;
    try {
      res = await fetch(path, opts);
    } catch (e) {
      const err = new Error('cannot reach the coordinator (' + e.message + ')');
      err.status = 0;
      throw err;
    }
    const text = await res.text();
    let data = null;
    if (text) {
      try { data = JSON.parse(text); } catch (e) { data = text; }
    }
    if (res.status === 401) loginPage(data && data.message);
    if (!res.ok) {
      const msg = data && typeof data === 'object' && data.message ? data.message : `${res.status} ${res.statusText}`;
      const err = new Error(msg);
      err.status = res.status;
      err.body = data && typeof data === 'object' ? data : null;
      throw err;
    }
    return data;
  }

  // The connection indicator in the top bar.
  const connEl = document.getElementById('conn');
  function setConn(state, title) {
    if (!connEl) return;
    setAttr(connEl, 'data-state', state);
    connEl.title = title || { live: 'Live updates', polling: 'Polling (live updates unavailable)',
      connecting: 'Connecting…', down: 'Coordinator unreachable', idle: '',
      degraded: 'The coordinator\'s store is unavailable: new tasks wait' }[state] || state;
  }

  /**
   * Everything a page starts (event sources, timers, listeners), stopped together when the page is
   * left. invalidate(part) schedules one render per animation frame at most every MIN_RENDER_MS.
   */
  class Scope {
    constructor() {
      this.alive = true;
      this.cleanups = [];
      this.dirty = new Set();
      this.renderFn = null;
      this.lastRender = -1e9;
      this.timer = 0;
      this.raf = 0;
    }

    onRender(fn) { this.renderFn = fn; }

    invalidate(part = 'all') {
      if (!this.alive) return;
      this.dirty.add(part);
      if (this.timer || this.raf) return;
      const wait = Math.max(0, this.lastRender + MIN_RENDER_MS - performance.now());
      this.timer = setTimeout(() => {
        this.timer = 0;
        this.raf = requestAnimationFrame(() => {
          this.raf = 0;
          if (!this.alive) return;
          this.lastRender = performance.now();
          const parts = this.dirty;
          this.dirty = new Set();
          try {
            this.renderFn && this.renderFn(parts);
          } catch (e) {
            console.warn('render failed', e); // eslint-disable-line no-console
          }
        });
      }, wait);
    }

    every(ms, fn) {
      const id = setInterval(() => { if (this.alive) fn(); }, ms);
      this.cleanups.push(() => clearInterval(id));
      return id;
    }

    later(ms, fn) {
      const id = setTimeout(() => { if (this.alive) fn(); }, ms);
      this.cleanups.push(() => clearTimeout(id));
      return id;
    }

    listen(target, type, fn, opts) {
      target.addEventListener(type, fn, opts);
      this.cleanups.push(() => target.removeEventListener(type, fn, opts));
    }

    /**
     * An EventSource with JSON handlers per event type. When the stream cannot be opened at all
     * (closed by the browser), fallback() is called every pollMs until a retry succeeds.
     * stopWhen() lets the page end the stream for good (a finished job).
     */
    stream(url, handlers, { fallback, pollMs = 2000, stopWhen } = {}) {
      let es = null, retryMs = 3000, pollId = 0, retryId = 0, stopped = false;
      const stopPolling = () => { if (pollId) { clearInterval(pollId); pollId = 0; } };
      const startPolling = () => {
        if (!fallback || pollId || !this.alive) return;
        setConn('polling');
        fallback();
        pollId = setInterval(() => { if (this.alive) fallback(); }, pollMs);
      };
      const open = () => {
        if (!this.alive || stopped) return;
        es = new EventSource(withToken(url));
        es.onopen = () => { retryMs = 3000; stopPolling(); setConn('live'); };
        for (const [type, fn] of Object.entries(handlers)) {
          es.addEventListener(type, (ev) => {
            if (!this.alive) return;
            let data;
            try { data = JSON.parse(ev.data); } catch (e) { return; }
            fn(data);
          });
        }
        es.onerror = () => {
          if (!this.alive) return;
          if (stopWhen && stopWhen()) {
            stopped = true;
            es.close();
            setConn('idle');
            return;
          }
          if (es.readyState === EventSource.CLOSED) {
            // Not a stream (old coordinator, error status): poll, and try again later.
            startPolling();
            if (!fallback) setConn('down');
            retryId = setTimeout(open, retryMs);
            retryMs = Math.min(60000, retryMs * 2);
          } else {
            setConn('connecting');
          }
        };
      };
      open();
      this.cleanups.push(() => {
        stopped = true;
        if (es) es.close();
        stopPolling();
        clearTimeout(retryId);
      });
      return { close: () => { stopped = true; if (es) es.close(); stopPolling(); clearTimeout(retryId); } };
    }

    dispose() {
      this.alive = false;
      clearTimeout(this.timer);
      cancelAnimationFrame(this.raf);
      for (const fn of this.cleanups.splice(0)) {
        try { fn(); } catch (e) { /* ignore */ }
      }
    }
  }

  /**
   * Updates tbody in place to one row per item (keyed), so that elements a user or a test holds
   * stay valid across refreshes. create(item) returns a <tr>; update(tr, item) fills it.
   */
  function syncRows(tbody, items, key, create, update) {
    const existing = new Map();
    for (const tr of Array.from(tbody.children)) {
      if (tr.dataset.key != null) existing.set(tr.dataset.key, tr);
      else tr.remove();
    }
    let prev = null;
    for (const item of items) {
      const k = String(key(item));
      let tr = existing.get(k);
      if (tr) existing.delete(k);
      else { tr = create(item); tr.dataset.key = k; }
      update(tr, item);
      const want = prev ? prev.nextSibling : tbody.firstChild;
      if (want !== tr) tbody.insertBefore(tr, want);
      prev = tr;
    }
    for (const tr of existing.values()) tr.remove();
  }

  function badge(status) {
    return h('span', { class: 'badge', 'data-status': status || '', text: status || '–' });
  }

  function setBadge(el, status) {
    setAttr(el, 'data-status', status || '');
    setText(el, status || '–');
  }

  function progressOf(job) {
    const total = job.partitions || 0;
    const done = (job.counts && job.counts.done) || 0;
    return { total, done, frac: total > 0 ? Math.min(1, done / total) : (job.status === 'done' ? 1 : 0) };
  }

  function bar(big) {
    const fill = h('span');
    const el = h('div', { class: 'bar' + (big ? ' big' : ''), role: 'progressbar', 'aria-valuemin': 0, 'aria-valuemax': 100 }, fill);
    return el;
  }

  function setBar(el, job) {
    const p = progressOf(job);
    const pct = (p.frac * 100).toFixed(p.frac > 0 && p.frac < 0.001 ? 2 : 1);
    el.firstChild.style.width = (p.frac * 100) + '%';
    setAttr(el, 'aria-valuenow', pct);
    setAttr(el, 'data-status', job.status || '');
    return p;
  }

  function etaText(job) {
    if (!LIVE.has(job.status)) {
      const c = toMillis(job.createdAt), f = toMillis(job.finishedAt);
      return c != null && f != null ? 'took ' + fmtDuration((f - c) / 1000) : '–';
    }
    return job.etaSeconds == null ? '–' : fmtDuration(job.etaSeconds);
  }

  // ------------------------------------------------------------------------------- charts

  function niceCeil(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    const m = v / p;
    for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) {
      if (m <= step + 1e-9) return step * p;
    }
    return 10 * p;
  }

  /**
   * Draws tasks per second over [start, end] (epoch seconds, inclusive) from a Map second → count,
   * binned to the canvas width, as a filled area with a light grid and labels.
   */
  function drawRateChart(canvas, history, start, end, opts = {}) {
    const dpr = window.devicePixelRatio || 1;
    const cssW = Math.max(50, canvas.clientWidth), cssH = Math.max(50, canvas.clientHeight);
    const W = Math.round(cssW * dpr), H = Math.round(cssH * dpr);
    if (canvas.width !== W) canvas.width = W;
    if (canvas.height !== H) canvas.height = H;
    const ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, cssW, cssH);
    const padL = 44, padR = 8, padT = 10, padB = 20;
    const plotW = cssW - padL - padR, plotH = cssH - padT - padB;
    start = Math.floor(start);
    end = Math.floor(end);
    if (end < start) end = start;
    const span = end - start + 1;
    const binSec = Math.max(1, Math.ceil(span / Math.max(1, Math.floor(plotW / 3))));
    const bins = Math.ceil(span / binSec);
    const values = new Float64Array(bins);
    for (const [sec, count] of history) {
      if (sec < start || sec > end) continue;
      values[Math.floor((sec - start) / binSec)] += count;
    }
    let max = 0;
    for (let i = 0; i < bins; i++) {
      // The last bin may be shorter than binSec.
      const len = Math.min(binSec, span - i * binSec);
      values[i] /= len;
      if (values[i] > max) max = values[i];
    }
    const yMax = niceCeil(max * 1.05);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#5f6b7a';
    ctx.strokeStyle = '#e6eaef';
    ctx.lineWidth = 1;
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'right';
    for (let k = 0; k <= 4; k++) {
      const y = Math.round(padT + plotH - (k / 4) * plotH) + 0.5;
      ctx.beginPath();
      ctx.moveTo(padL, y);
      ctx.lineTo(padL + plotW, y);
      ctx.stroke();
      const v = (yMax * k) / 4;
      ctx.fillText(v >= 1000 ? (v / 1000).toFixed(v % 1000 ? 1 : 0) + 'k' : String(+v.toFixed(2)), padL - 6, y);
    }
    ctx.textBaseline = 'alphabetic';
    const xOf = (i) => padL + (bins <= 1 ? plotW : (i / (bins - 1)) * plotW);
    const yOf = (v) => padT + plotH - (v / yMax) * plotH;
    if (bins > 0) {
      ctx.beginPath();
      ctx.moveTo(xOf(0), padT + plotH);
      for (let i = 0; i < bins; i++) ctx.lineTo(xOf(i), yOf(values[i]));
      ctx.lineTo(xOf(bins - 1), padT + plotH);
      ctx.closePath();
      ctx.fillStyle = opts.fill || 'rgba(47,111,237,0.18)';
      ctx.fill();
      ctx.beginPath();
      for (let i = 0; i < bins; i++) {
        if (i === 0) ctx.moveTo(xOf(i), yOf(values[i]));
        else ctx.lineTo(xOf(i), yOf(values[i]));
      }
      ctx.strokeStyle = opts.stroke || '#2f6fed';
      ctx.lineWidth = 1.5;
      ctx.stroke();
    }
    // x labels: start, middle, end
    ctx.fillStyle = '#5f6b7a';
    const label = opts.relative
      ? (sec) => (sec >= end ? 'now' : '−' + (end - sec >= 90 ? Math.round((end - sec) / 60) + ' min' : fmtDuration(end - sec)))
      : (sec) => fmtTime(sec * 1000);
    const ticks = [[start, 'left'], [start + Math.floor(span / 2), 'center'], [end, 'right']];
    for (const [sec, align] of ticks) {
      ctx.textAlign = align;
      const x = align === 'left' ? padL : align === 'right' ? padL + plotW : padL + plotW / 2;
      ctx.fillText(label(sec), x, cssH - 5);
    }
    canvas.dataset.empty = String(max === 0);
    if (max === 0 && opts.emptyText) {
      ctx.textAlign = 'center';
      ctx.fillText(opts.emptyText, padL + plotW / 2, padT + plotH / 2);
    }
  }

  function pruneHistory(history, keepFrom) {
    for (const sec of history.keys()) {
      if (sec < keepFrom) history.delete(sec);
    }
  }

  // ------------------------------------------------------------------------------- partition map

  const STATE_NAMES = ['pending', 'running', 'done', 'failed', 'retried'];
  const STATE_RGB = [[0xd9, 0xd9, 0xd9], [0xf5, 0xa6, 0x23], [0x2e, 0x9d, 0x4f], [0xd0, 0x02, 0x1b], [0x7b, 0x61, 0xff]];
  const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const packRgb = (r, g, b) => (LITTLE_ENDIAN ? ((255 << 24) | (b << 16) | (g << 8) | r) : ((r << 24) | (g << 16) | (b << 8) | 255)) >>> 0;
  const STATE_PX = STATE_RGB.map(([r, g, b]) => packRgb(r, g, b));
  const WHITE_PX = packRgb(255, 255, 255);

  const STATE_BLEND = STATE_RGB; // a pixel of many partitions blends its states' colours by count

  /**
   * The partition map: a view of partitions [lo, hi) drawn into an ImageData of cols×rows pixels,
   * scaled by a whole number of canvas pixels per map pixel (cell), never wider than its card.
   *
   * While the view has few enough partitions, one map pixel is one partition (side = ceil(sqrt(L)),
   * partition lo+i at (i % side, floor(i / side))), as large cells for small jobs. Beyond what fits
   * (the view's square would be wider than the card), one pixel stands for a range of `per`
   * consecutive partitions, row by row, coloured by the mix of their states (the colours blended by
   * count), so a 10,000,000-partition job is a picture of the card's width and at most MAX_H rows.
   * Zooming narrows [lo, hi); deltas are typed-array fills on the codes, and a paint recomputes only
   * the pixels whose partitions changed.
   */
  class PartitionMap {
    constructor(canvas, wrap) {
      this.canvas = canvas;
      this.wrap = wrap;
      this.ctx = canvas.getContext('2d', { alpha: false });
      this.n = -1;
      this.lo = 0;
      this.hi = 0;
      this.per = 1;
      this.cols = 1;
      this.rows = 1;
      this.cell = 1;
      this.codes = new Uint8Array(0);
      this.off = document.createElement('canvas');
      this.offCtx = null;
      this.img = null;
      this.px = null;
      this.dirtyLo = Infinity;
      this.dirtyHi = -1;
      this.full = true;
      this.layoutKey = '';
      this.exposed = { side: 0, cell: 1, per: 1, lo: 0, hi: 0, codes: this.codes };
      window.partitaMap = this.exposed;
    }

    get ready() { return this.n >= 0; }

    reset(n) {
      this.n = n;
      this.codes = new Uint8Array(n);
      this.lo = 0;
      this.hi = n;
      this.layoutKey = '';
      this.exposed.codes = this.codes;
      this.layout();
    }

    /** Shows partitions [lo, hi) (clamped; at least one). */
    view(lo, hi) {
      if (this.n <= 0) return;
      lo = Math.max(0, Math.min(this.n - 1, Math.floor(lo)));
      hi = Math.max(lo + 1, Math.min(this.n, Math.ceil(hi)));
      if (lo === this.lo && hi === this.hi) return;
      this.lo = lo;
      this.hi = hi;
      this.layoutKey = '';
      this.layout();
    }

    get zoomed() { return this.lo > 0 || this.hi < this.n; }

    /** Applies a map message: {partitions, full, runs: [start, length, code, ...]}. */
    apply(msg) {
      const n = Number(msg.partitions);
      if (!(n >= 0)) return;
      if (n !== this.n) this.reset(n);
      else if (msg.full) this.markAll();
      const runs = msg.runs || [];
      const codes = this.codes;
      let lo = this.dirtyLo, hi = this.dirtyHi;
      for (let k = 0; k + 2 < runs.length; k += 3) {
        const s = Math.max(0, runs[k] | 0);
        const e = Math.min(n, s + (runs[k + 1] | 0));
        if (e <= s) continue;
        const code = runs[k + 2] | 0;
        codes.fill(code >= 0 && code < STATE_PX.length ? code : 0, s, e);
        if (s < lo) lo = s;
        if (e - 1 > hi) hi = e - 1;
      }
      this.dirtyLo = lo;
      this.dirtyHi = hi;
    }

    markAll() {
      this.full = true;
      this.dirtyLo = 0;
      this.dirtyHi = Math.max(0, this.n - 1);
    }

    /** Sizes the canvas to its card: no CSS scaling; map pixels are whole canvas pixels. */
    layout() {
      if (this.n < 0) return;
      const avail = Math.max(1, Math.floor(this.wrap.clientWidth));
      const key = avail + ':' + this.lo + ':' + this.hi;
      if (key === this.layoutKey) return;
      this.layoutKey = key;
      const L = Math.max(0, this.hi - this.lo);
      const maxH = Math.max(160, Math.min(avail, PartitionMap.MAX_H));
      const side = Math.max(1, Math.ceil(Math.sqrt(L)));
      if (side <= avail && Math.ceil(L / side) <= Math.max(maxH, side)) {
        // one pixel per partition, as large square cells as fit (small jobs fill up to 640 px)
        this.per = 1;
        this.cols = side;
        this.rows = Math.max(1, Math.ceil(L / side));
        this.cell = Math.max(1, Math.floor(Math.min(avail, Math.max(side, 640)) / side));
      } else {
        this.cols = avail;
        this.per = Math.max(1, Math.ceil(L / (avail * maxH)));
        this.rows = Math.max(1, Math.ceil(Math.ceil(L / this.per) / avail));
        this.cell = 1;
      }
      this.off.width = this.cols;
      this.off.height = this.rows;
      this.offCtx = this.off.getContext('2d');
      this.img = this.offCtx.createImageData(this.cols, this.rows);
      this.px = new Uint32Array(this.img.data.buffer);
      const width = this.cols * this.cell, height = this.rows * this.cell;
      this.canvas.width = width;
      this.canvas.height = height;
      this.canvas.style.width = width + 'px';
      this.canvas.style.height = height + 'px';
      Object.assign(this.exposed, { side: this.cols, cell: this.cell, per: this.per, lo: this.lo, hi: this.hi });
      this.markAll();
    }

    /** Recomputes map pixels [p0, p1] from the codes. */
    fillPixels(p0, p1) {
      const px = this.px, codes = this.codes, per = this.per, lo = this.lo, hi = this.hi;
      const total = this.cols * this.rows;
      if (per === 1) {
        for (let p = p0; p <= p1; p++) {
          const i = lo + p;
          px[p] = i < hi ? STATE_PX[codes[i]] : WHITE_PX;
        }
        return;
      }
      const count = [0, 0, 0, 0, 0];
      for (let p = p0; p <= p1 && p < total; p++) {
        const s = lo + p * per;
        if (s >= hi) { px[p] = WHITE_PX; continue; }
        const e = Math.min(hi, s + per);
        count[0] = count[1] = count[2] = count[3] = count[4] = 0;
        for (let i = s; i < e; i++) count[codes[i]]++;
        let r = 0, g = 0, b = 0, only = -1, kinds = 0;
        for (let c = 0; c < 5; c++) {
          if (!count[c]) continue;
          kinds++;
          only = c;
          r += count[c] * STATE_BLEND[c][0];
          g += count[c] * STATE_BLEND[c][1];
          b += count[c] * STATE_BLEND[c][2];
        }
        const len = e - s;
        px[p] = kinds === 1 ? STATE_PX[only] : packRgb(Math.round(r / len), Math.round(g / len), Math.round(b / len));
      }
    }

    paint() {
      if (this.n < 0 || (!this.full && this.dirtyHi < this.dirtyLo)) return false;
      const ctx = this.ctx, cols = this.cols, cell = this.cell;
      ctx.imageSmoothingEnabled = false;
      if (this.full) {
        ctx.fillStyle = '#ffffff';
        ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
      }
      const lo = Math.max(this.lo, this.full ? this.lo : this.dirtyLo);
      const hi = Math.min(this.hi - 1, this.full ? this.hi - 1 : this.dirtyHi);
      if (this.n > 0 && hi >= lo) {
        const p0 = this.full ? 0 : Math.floor((lo - this.lo) / this.per);
        const p1 = this.full ? cols * this.rows - 1 : Math.floor((hi - this.lo) / this.per);
        this.fillPixels(p0, p1);
        const y0 = Math.floor(p0 / cols), y1 = Math.min(this.rows - 1, Math.floor(p1 / cols));
        const h = y1 - y0 + 1;
        this.offCtx.putImageData(this.img, 0, 0, 0, y0, cols, h);
        ctx.drawImage(this.off, 0, y0, cols, h, 0, y0 * cell, cols * cell, h * cell);
      }
      this.full = false;
      this.dirtyLo = Infinity;
      this.dirtyHi = -1;
      return true;
    }

    /** Partitions per state code, of the whole job. */
    histogram() {
      return this.counts(0, this.n);
    }

    /** Partitions per state code in [s, e). */
    counts(s, e) {
      const counts = [0, 0, 0, 0, 0];
      const codes = this.codes;
      for (let i = s; i < e; i++) counts[codes[i]]++;
      return counts;
    }

    /** The partitions [s, e) under a canvas point, or null. */
    rangeAt(offsetX, offsetY) {
      if (this.n <= 0) return null;
      const x = Math.floor(offsetX / this.cell), y = Math.floor(offsetY / this.cell);
      if (x < 0 || y < 0 || x >= this.cols || y >= this.rows) return null;
      const s = this.lo + (y * this.cols + x) * this.per;
      if (s >= this.hi) return null;
      return [s, Math.min(this.hi, s + this.per)];
    }

    partitionAt(offsetX, offsetY) {
      const r = this.rangeAt(offsetX, offsetY);
      return r ? r[0] : -1;
    }
  }
  /** The most map rows drawn (canvas pixels), so that the map fits a screen. */
  PartitionMap.MAX_H = 600;

  /** "partitions 1,200–1,299: 80 done · 20 pending" (or one partition and its state). */
  function rangeText(map, s, e) {
    if (e - s === 1) return `partition ${fmtInt(s)}: ${STATE_NAMES[map.codes[s]] || map.codes[s]}`;
    const c = map.counts(s, e);
    const parts = [];
    for (let k = 0; k < c.length; k++) if (c[k]) parts.push(`${fmtInt(c[k])} ${STATE_NAMES[k]}`);
    return `partitions ${fmtInt(s)}–${fmtInt(e - 1)} (${fmtInt(e - s)}): ${parts.join(' · ')}`;
  }

  // ------------------------------------------------------------------------------- job tables

  function jobRowCreate(job) {
    const link = h('a', { class: 'job-name', href: jobLink(job.id), 'data-job-link': job.id });
    const tr = h('tr', { 'data-job': job.id },
      h('td', { 'data-col': 'job' }, link, h('div', { class: 'job-id', text: job.id }), h('div', { class: 'narrow-only' }, badge(job.status)),
        h('div', { class: 'job-waiting small', hidden: true })),
      h('td', { 'data-col': 'status', class: 'hide-narrow' }, badge(job.status)),
      h('td', { 'data-col': 'progress', class: 'progress-cell' }, bar(false),
        h('span', { class: 'small muted' }, h('span', { class: 'pct' }), h('span', { class: 'hide-narrow' }))),
      h('td', { 'data-col': 'rate', class: 'num' }),
      h('td', { 'data-col': 'eta', class: 'num' }),
      h('td', { 'data-col': 'created', class: 'nowrap muted small hide-narrow' }));
    return tr;
  }

  function jobRowUpdate(tr, job) {
    const [cJob, cStatus, cProg, cRate, cEta, cCreated] = tr.children;
    setText(cJob.firstChild, jobTitle(job));
    if (job.dataJob) cJob.firstChild.href = '#/data-jobs/' + encodeURIComponent(job.dataJob);
    setBadge(cJob.children[2].firstChild, job.status);
    cJob.children[3].hidden = !job.waiting;
    setText(cJob.children[3], job.waiting ? 'waiting: ' + job.waiting : '');
    setBadge(cStatus.firstChild, job.status);
    const p = setBar(cProg.firstChild, job);
    const [pct, counts] = cProg.lastChild.children;
    setText(pct, job.partitions == null
      ? (job.status === 'preparing' ? 'preparing…' : '–')
      : `${(p.frac * 100).toFixed(1)}%`);
    setText(counts, job.partitions == null ? '' : ` · ${fmtInt(p.done)} / ${fmtInt(p.total)}`);
    setText(cRate, LIVE.has(job.status) ? fmtRate(job.rate) : '–');
    setText(cEta, etaText(job));
    setText(cCreated, fmtDateTime(job.createdAt));
  }

  function jobsTable() {
    const tbody = h('tbody');
    const table = h('table', { id: 'jobs-table' },
      h('thead', null, h('tr', null,
        h('th', { text: 'Job' }), h('th', { class: 'hide-narrow', text: 'State' }), h('th', { text: 'Progress' }),
        h('th', { class: 'num', text: 'Rate' }), h('th', { class: 'num', text: 'ETA' }),
        h('th', { class: 'hide-narrow', text: 'Created' }))),
      tbody);
    return { el: h('div', { class: 'table-wrap' }, table), tbody };
  }

  // ------------------------------------------------------------------------------- overview

  function pageOverview(scope) {
    document.title = 'Partita';
    const kindEls = {};
    const kindStat = (kind) => {
      const b = h('b', { text: '0' });
      const s = h('span', { text: kind });
      const el = h('div', { class: 'stat', 'data-kind': kind }, b, s);
      kindEls[kind] = { el, b, s };
      return el;
    };
    const stat = (id, label) => h('div', { class: 'stat' }, h('b', { id, text: '–' }), h('span', { text: label }));
    const kindsBox = h('div', { class: 'stats', id: 'workers-by-kind' },
      stat('stat-workers', 'workers'), stat('stat-cores', 'cores'), KINDS.map(kindStat));
    const chart = h('canvas', { id: 'rate-chart', class: 'chart' });
    const rateNow = h('span', { class: 'muted', id: 'rate-now' });
    const jobs = jobsTable();
    const jobsEmpty = h('p', { class: 'empty', text: 'No jobs yet. ' }, h('a', { href: '#/submit', text: 'Submit one', 'data-write': true }), '.');
    const info = h('p', { class: 'muted small', id: 'overview-time' });

    app.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Overview' }), info),
      h('section', { class: 'card' }, h('h2', null, 'Workers ', h('a', { class: 'small', href: '#/workers', text: 'details' })), kindsBox),
      h('div', { class: 'grid side' },
        h('section', { class: 'card' }, h('h2', null, 'Tasks per second ', rateNow), chart),
        h('section', { class: 'card' }, h('h2', { text: 'Queue' }),
          h('div', { class: 'stats' },
            stat('stat-queued', 'queued tasks'), stat('stat-running', 'running tasks'),
            stat('stat-rate', 'tasks/s now'), stat('stat-completed', 'tasks completed')))),
      h('section', { class: 'card', style: 'margin-top:16px' },
        h('div', { class: 'row spread' }, h('h2', { text: 'Jobs' }), h('a', { class: 'small', href: '#/jobs', text: 'all jobs' })),
        jobs.el, jobsEmpty));

    const st = { ov: null, history: new Map(), serverSkewMs: 0, polled: false };

    scope.stream('/api/stream', {
      overview: (data) => {
        st.ov = data;
        // The top bar's dot also says when the store fails (dispatch is paused meanwhile).
        if (data.store === 'degraded') setConn('degraded', 'Store unavailable: ' + (data.storeProblem || ''));
        else if (connEl && connEl.getAttribute('data-state') === 'degraded') setConn('live');
        if (data.time) st.serverSkewMs = data.time - Date.now();
        for (const [sec, count] of data.history || []) st.history.set(sec, count);
        pruneHistory(st.history, Math.floor((data.time || Date.now()) / 1000) - 900);
        scope.invalidate();
      },
    }, { fallback: pollOverview });

    // Without the stream (older coordinator): build the same overview from the REST endpoints.
    async function pollOverview() {
      try {
        const [health, jobList, workers] = await Promise.all([
          api('GET', '/api/health'), api('GET', '/api/jobs?limit=50'), api('GET', '/api/workers')]);
        const byKind = {};
        let cores = 0;
        for (const w of workers.items) {
          const k = byKind[w.kind] || (byKind[w.kind] = { count: 0, cores: 0 });
          k.count++;
          k.cores += (w.capabilities && w.capabilities.cores) || 0;
          cores += (w.capabilities && w.capabilities.cores) || 0;
        }
        const now = Date.now();
        st.history.set(Math.floor(now / 1000) - 1, health.tasksPerSecond || 0);
        st.ov = { time: now, workers: { total: workers.total, cores, byKind }, rate: health.tasksPerSecond,
          queued: health.queuedTasks, running: health.runningTasks, completed: health.tasksCompleted,
          history: [], jobs: jobList.items };
        scope.invalidate();
      } catch (e) {
        setConn('down');
      }
    }

    scope.every(5000, () => scope.invalidate()); // ages and the chart's time axis move on
    scope.listen(window, 'resize', () => scope.invalidate());

    scope.onRender(() => {
      const ov = st.ov;
      const nowSec = Math.floor((Date.now() + st.serverSkewMs) / 1000) - 1;
      drawRateChart(chart, st.history, nowSec - 599, nowSec,
        { relative: true, emptyText: ov ? 'no tasks completed in the last 10 minutes' : 'connecting…' });
      if (!ov) return;
      const w = ov.workers || { total: 0, cores: 0, byKind: {} };
      setText(document.getElementById('stat-workers'), fmtInt(w.total));
      setText(document.getElementById('stat-cores'), fmtInt(w.cores));
      const kinds = KINDS.concat(Object.keys(w.byKind || {}).filter((k) => !KINDS.includes(k)).sort());
      for (const kind of kinds) {
        if (!kindEls[kind]) kindsBox.append(kindStat(kind));
        const k = (w.byKind || {})[kind] || { count: 0, cores: 0 };
        const { b, s } = kindEls[kind];
        setText(b, fmtInt(k.count));
        setText(s, `${kind} · ${fmtInt(k.cores)} cores`);
        setAttr(kindEls[kind].el, 'data-count', k.count);
        setAttr(kindEls[kind].el, 'data-cores', k.cores);
      }
      setText(document.getElementById('stat-queued'), fmtInt(ov.queued));
      setText(document.getElementById('stat-running'), fmtInt(ov.running));
      setText(document.getElementById('stat-rate'), fmtRate(ov.rate));
      setText(document.getElementById('stat-completed'), fmtInt(ov.completed));
      setText(rateNow, '· ' + fmtRate(ov.rate) + ' now');
      setText(info, 'updated ' + fmtTime(ov.time || Date.now()));
      const list = ov.jobs || [];
      syncRows(jobs.tbody, list, (j) => j.id, jobRowCreate, jobRowUpdate);
      jobsEmpty.hidden = list.length > 0;
    });
    scope.invalidate();
  }

  // ------------------------------------------------------------------------------- all jobs

  function pageJobs(scope) {
    document.title = 'Jobs · Partita';
    const limit = 50;
    let offset = 0, total = 0, items = null, loading = false;
    const jobs = jobsTable();
    const prev = h('button', { class: 'secondary small', id: 'jobs-prev', text: '← Newer', onclick: () => { offset = Math.max(0, offset - limit); load(); } });
    const next = h('button', { class: 'secondary small', id: 'jobs-next', text: 'Older →', onclick: () => { offset += limit; load(); } });
    const range = h('span', { class: 'muted small' });
    const empty = h('p', { class: 'empty', text: 'No jobs yet.' });
    const error = h('div', { class: 'field-error top', 'data-field': '', role: 'alert' });
    app.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Jobs' }), h('a', { href: '#/submit', text: 'Submit a job', 'data-write': true })),
      error,
      h('section', { class: 'card' }, jobs.el, empty, h('div', { class: 'pager' }, range, prev, next)));

    async function load() {
      if (loading) return;
      loading = true;
      try {
        const page = await api('GET', `/api/jobs?offset=${offset}&limit=${limit}`);
        items = page.items;
        total = page.total;
        setText(error, '');
        scope.invalidate();
      } catch (e) {
        setText(error, e.message);
      } finally {
        loading = false;
      }
    }

    scope.onRender(() => {
      if (!items) return;
      syncRows(jobs.tbody, items, (j) => j.id, jobRowCreate, jobRowUpdate);
      empty.hidden = items.length > 0;
      setText(range, total ? `${fmtInt(offset + 1)}–${fmtInt(Math.min(total, offset + items.length))} of ${fmtInt(total)}` : '');
      prev.disabled = offset === 0;
      next.disabled = offset + limit >= total;
    });
    load();
    scope.every(2000, load);
  }

  // ------------------------------------------------------------------------------- workers

  function capsNode(caps) {
    caps = caps || {};
    const parts = [];
    const item = (label, value) => { if (value != null && value !== '') parts.push(h('span', null, label, ' ', h('b', { text: value }))); };
    item('cores', caps.cores);
    item('slots', caps.slots);
    item('memory', caps.memory ? fmtBytes(caps.memory) : null);
    item('runtimes', (caps.runtimes || []).join(', '));
    const engines = caps.engines && Object.entries(caps.engines).map(([k, v]) => `${k}: ${v}`).join('; ');
    item('engines', engines);
    item('features', (caps.features || []).join(', '));
    if (caps.onBattery != null) item('on battery', caps.onBattery ? 'yes' : 'no');
    if (caps.functions && caps.functions.length) item('functions', caps.functions.length);
    const out = h('div', { class: 'caps' });
    parts.forEach((p, i) => { if (i) out.append(' · '); out.append(p); });
    if (caps.userAgent) out.append(h('span', { class: 'ua', title: caps.userAgent, text: short(caps.userAgent, 160) }));
    return out;
  }

  function runningNode(running, combining) {
    const out = h('div', { class: 'small' });
    const entries = Object.entries(running || {});
    for (const [job, n] of entries) {
      out.append(h('div', null, h('a', { href: jobLink(job), text: job }), ': ', h('b', { text: fmtInt(n) })));
    }
    for (const [job, n] of Object.entries(combining || {})) {
      if (n) out.append(h('div', { class: 'muted' }, 'combining ', h('a', { href: jobLink(job), text: job }), ': ' + fmtInt(n)));
    }
    if (!out.childNodes.length) out.append(h('span', { class: 'muted', text: 'idle' }));
    return out;
  }

  function pageWorkers(scope) {
    document.title = 'Workers · Partita';
    const tbody = h('tbody');
    const summary = h('span', { class: 'sub', id: 'workers-summary' });
    const empty = h('p', { class: 'empty', text: 'No workers connected. Start one with ./partita worker, or open ' },
      h('a', { href: '/join', text: '/join' }), ' in a browser.');
    const error = h('div', { class: 'field-error top', 'data-field': '', role: 'alert' });
    app.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Workers' }), summary),
      error,
      h('section', { class: 'card' },
        h('div', { class: 'table-wrap' }, h('table', { id: 'workers-table' },
          h('thead', null, h('tr', null, ['Kind', 'Name', 'Capabilities', 'Remote', 'Done', 'Failed', 'Rate', 'Running', 'Connected']
            .map((t, i) => h('th', { class: i >= 4 && i <= 6 ? 'num' : null, text: t })))),
          tbody)),
        empty));
    let items = null;
    let signature = new Map();

    async function load() {
      try {
        const data = await api('GET', '/api/workers');
        items = data.items;
        setText(error, '');
        scope.invalidate();
      } catch (e) {
        setText(error, e.message);
      }
    }

    const cell = (col, cls) => h('td', { 'data-col': col, class: cls || null });
    scope.onRender(() => {
      if (!items) return;
      const sorted = items.slice().sort((a, b) => (a.kind || '').localeCompare(b.kind || '') || (a.name || '').localeCompare(b.name || '') || String(a.id).localeCompare(String(b.id)));
      syncRows(tbody, sorted, (w) => w.id,
        (w) => h('tr', { 'data-worker': w.id },
          cell('kind'), cell('name'), cell('capabilities'), cell('remote', 'small mono'), cell('done', 'num'),
          cell('failed', 'num'), cell('rate', 'num'), cell('running'), cell('connected', 'nowrap')),
        (tr, w) => {
          const c = tr.children;
          if (c[0].childNodes.length !== 2) c[0].replaceChildren(h('span'), h('div', { class: 'job-id', 'data-trust': '' }));
          setText(c[0].firstChild, w.kind);
          setText(c[0].lastChild, w.trust || '');
          c[0].lastChild.title = w.trust === 'untrusted' ? 'its answers are validated against other hosts\' answers'
            : 'its answers count as validated';
          if (!c[1].firstChild) c[1].append(h('b'), h('div', { class: 'job-id' }), h('span', { class: 'badge draining', 'data-draining': '', hidden: true, text: 'draining' }));
          setText(c[1].children[0], w.name || '–');
          setText(c[1].children[1], w.id);
          c[1].children[2].hidden = !w.draining;
          // Rebuild the structured cells only when they changed.
          const sig = JSON.stringify([w.capabilities, w.running, w.combining, w.jobs]);
          if (signature.get(w.id) !== sig) {
            signature.set(w.id, sig);
            c[2].replaceChildren(capsNode(w.capabilities));
            if (w.jobs && w.jobs.length) {
              c[2].append(h('div', { class: 'caps', 'data-only-for': '' }, 'only for ', w.jobs.map((j, i) => [i ? ', ' : '', h('a', { href: jobLink(j), text: j })])));
            }
            c[7].replaceChildren(runningNode(w.running, w.combining));
          }
          setText(c[3], w.remote || '–');
          setText(c[4], fmtInt(w.tasksDone));
          setText(c[5], fmtInt(w.tasksFailed));
          setText(c[6], fmtRate(w.rate));
          setText(c[8], ago(w.connectedAt));
          c[8].title = fmtDateTime(w.connectedAt);
          setAttr(tr, 'data-draining', !!w.draining);
        });
      const byKind = {};
      let cores = 0;
      for (const w of items) {
        byKind[w.kind] = (byKind[w.kind] || 0) + 1;
        cores += (w.capabilities && w.capabilities.cores) || 0;
      }
      setText(summary, `${fmtInt(items.length)} connected · ${fmtInt(cores)} cores` +
        (items.length ? ' · ' + Object.entries(byKind).map(([k, n]) => `${n} ${k}`).join(', ') : ''));
      empty.hidden = items.length > 0;
    });
    load();
    scope.every(2000, load);
  }

  // ------------------------------------------------------------------------------- volunteers

  function pageVolunteers(scope) {
    document.title = 'Volunteers · Partita';
    const tbody = h('tbody');
    const empty = h('p', { class: 'empty', text: 'No host has answered yet. Credit is granted for validated answers only.' });
    const error = h('div', { class: 'field-error top', 'data-field': '', role: 'alert' });
    app.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Volunteers' }),
        h('span', { class: 'sub', text: 'credit: seconds of validated computing' })),
      error,
      h('section', { class: 'card' },
        h('div', { class: 'table-wrap' }, h('table', { id: 'volunteers-table' },
          h('thead', null, h('tr', null, ['Volunteer', 'Credit', 'Validated', 'Unchecked', 'Invalid', 'Run', 'Errors', 'CPU s', 'Last seen']
            .map((t, i) => h('th', { class: i >= 1 && i <= 7 ? 'num' : null, text: t })))),
          tbody)),
        empty));
    let items = null;

    async function load() {
      try {
        items = (await api('GET', '/api/volunteers?limit=100')).items;
        setText(error, '');
        scope.invalidate();
      } catch (e) {
        setText(error, e.message);
      }
    }

    const cell = (col, cls) => h('td', { 'data-col': col, class: cls || null });
    scope.onRender(() => {
      if (!items) return;
      syncRows(tbody, items, (v) => v.id,
        (v) => h('tr', { 'data-volunteer': v.id },
          cell('name'), cell('credit', 'num'), cell('validated', 'num'), cell('unchecked', 'num'), cell('invalid', 'num'),
          cell('run', 'num'), cell('errors', 'num'), cell('cpu', 'num'), cell('seen', 'nowrap')),
        (tr, v) => {
          const c = tr.children;
          if (c[0].childNodes.length !== 2) c[0].replaceChildren(h('b'), h('div', { class: 'job-id' }));
          setText(c[0].firstChild, v.name || 'anonymous');
          setText(c[0].lastChild, v.id);
          setText(c[1], (v.credit || 0).toFixed(1));
          setText(c[2], fmtInt(v.validated));
          setText(c[3], fmtInt(v.unchecked));
          setText(c[4], fmtInt(v.invalid));
          setText(c[5], fmtInt(v.run));
          setText(c[6], fmtInt(v.errors));
          setText(c[7], (v.cpuSeconds || 0).toFixed(1));
          setText(c[8], ago(v.updatedAt));
        });
      empty.hidden = items.length > 0;
    });
    load();
    scope.every(5000, load);
  }

  // ------------------------------------------------------------------------------- one job

  function span(cls, text) {
    const el = document.createElement('span');
    if (cls) el.className = cls;
    el.textContent = text;
    return el;
  }

  const SHOWN_EVENT_KEYS = new Set(['seq', 'at', 'type', 'job', 'partition', 'task', 'attempt', 'status', 'partitions',
    'done', 'millis', 'worker', 'error', 'message', 'logged', 'logError']);

  /** One entry of the event log. */
  function eventNode(ev) {
    const details = [];
    const add = (text, cls) => details.push(span(cls, text));
    if (ev.partition != null) add(`partition ${ev.partition}`);
    if (ev.task != null) add(`task ${ev.task}`);
    if (ev.attempt != null) add(`attempt ${ev.attempt}`);
    if (ev.status != null) add(`status ${ev.status}`);
    if (ev.partitions != null && ev.partitions >= 0) add(`${fmtInt(ev.partitions)} partitions`);
    if (ev.done != null) add(`done ${fmtInt(ev.done)}`);
    if (ev.millis != null) add(ev.millis < 1000 ? `in ${ev.millis} ms` : `in ${fmtDuration(ev.millis / 1000)}`);
    if (ev.worker != null) add(`worker ${ev.worker}`);
    for (const [k, v] of Object.entries(ev)) {
      if (!SHOWN_EVENT_KEYS.has(k) && v != null) add(`${k} ${typeof v === 'object' ? short(JSON.stringify(v), 200) : v}`);
    }
    if (ev.message != null) add(String(ev.message));
    if (ev.error != null) add(`error: ${ev.error}`, 'err');
    const el = document.createElement('div');
    el.className = 'ev';
    el.dataset.seq = ev.seq;
    el.dataset.type = ev.type;
    el.append(span('t', `#${ev.seq} ${fmtTime(ev.at, true)}`), ' ', span('ty', String(ev.type)), ' ');
    details.forEach((d, i) => { if (i) el.append(' · '); el.append(d); });
    const logged = ev.logged;
    if (logged && typeof logged === 'object') {
      for (const line of logged.printed || []) el.append(h('pre', { class: 'lg', text: String(line) }));
      if (logged.returned !== undefined && logged.returned !== null) {
        el.append(h('pre', { class: 'lg', text: '→ ' + short(JSON.stringify(logged.returned), 2000) }));
      }
    }
    if (ev.logError != null) el.append(h('pre', { class: 'err', text: 'logger failed: ' + ev.logError }));
    return el;
  }

  function pageJob(scope, id) {
    document.title = `Job ${id} · Partita`;
    const E = {};
    const mk = (name, tag, attrs, ...children) => (E[name] = h(tag, attrs, ...children));
    const stat = (id2, label) => h('div', { class: 'stat' }, mk(id2, 'b', { id: 'job-' + id2, text: '–' }), h('span', { text: label }));
    const legend = h('div', { class: 'legend', id: 'map-legend' },
      STATE_NAMES.map((name, code) => h('span', { 'data-code': code }, h('i'), name + ' ', h('b', { text: '0' }))));
    // the coordinator's --public-url when it has one (a phone cannot reach localhost)
    const publicBase = ((document.querySelector('meta[name="partita-public-url"]') || {}).content || location.origin).replace(/\/+$/, '');
    const absoluteJoin = publicBase + '/join/' + encodeURIComponent(id);

    app.replaceChildren(
      h('div', { class: 'page-head' },
        h('div', null,
          mk('title', 'h1', { id: 'job-title', text: id }),
          mk('sub', 'div', { class: 'sub' }, h('span', { class: 'mono', text: id }))),
        h('div', { class: 'row' },
          mk('status', 'span', { class: 'badge', id: 'job-status', 'data-status': '' }),
          mk('cancel', 'button', { class: 'danger', id: 'cancel', type: 'button', hidden: true, text: 'Cancel job', 'data-write': true }))),
      mk('cancelError', 'div', { class: 'field-error top', id: 'cancel-error', 'data-field': '' }),
      h('section', { class: 'card', id: 'job-progress' },
        h('div', { class: 'row spread' }, h('h2', { text: 'Progress' }), mk('pct', 'span', { class: 'muted', id: 'job-percent' })),
        mk('bar', 'div', { class: 'bar big', id: 'job-bar' }, h('span')),
        h('div', { class: 'stats', style: 'margin-top:12px' },
          stat('done', 'partitions done'), stat('running', 'running'), stat('failed', 'failed attempts'),
          stat('retried', 'retried'), stat('rate', 'tasks/s'), stat('eta', 'ETA')),
        mk('jobError', 'div', { class: 'job-error', id: 'job-error', hidden: true }),
        mk('reused', 'p', { class: 'small muted', id: 'job-reused', hidden: true }),
        mk('waiting', 'div', { class: 'notice waiting', id: 'job-waiting', hidden: true }),
        h('h2', { style: 'margin-top:14px' }, 'Throughput'),
        mk('chart', 'canvas', { id: 'job-rate-chart', class: 'chart' })),
      h('section', { class: 'card', id: 'map-card' },
        h('div', { class: 'row spread' }, h('h2', { text: 'Partitions' }), mk('mapInfo', 'span', { class: 'muted small', id: 'map-info' })),
        mk('mapTools', 'div', { class: 'row map-tools', hidden: true },
          mk('zoomIn', 'button', { type: 'button', class: 'secondary small', id: 'map-zoom-in', text: 'Zoom in', title: 'the middle quarter of the range shown' }),
          mk('zoomOut', 'button', { type: 'button', class: 'secondary small', id: 'map-zoom-out', text: 'Zoom out' }),
          mk('zoomAll', 'button', { type: 'button', class: 'secondary small', id: 'map-zoom-all', text: 'Whole job' }),
          h('span', { class: 'muted small', text: 'click to zoom in, drag to pick a range' })),
        mk('mapEmpty', 'p', { class: 'empty', text: 'Waiting for the partition count…' }),
        mk('mapWrap', 'div', { class: 'map-wrap' }, mk('map', 'canvas', { id: 'map', width: 1, height: 1 })),
        mk('mapHover', 'div', { id: 'map-hover' }),
        legend),
      h('div', { class: 'grid two' },
        h('section', { class: 'card' },
          h('h2', { text: 'Workers on this job' }),
          h('div', { class: 'table-wrap' }, h('table', { id: 'job-workers' },
            h('thead', null, h('tr', null, h('th', { text: 'Worker' }), h('th', { text: 'Kind' }),
              h('th', { class: 'num', text: 'Running' }), h('th', { class: 'num', text: 'Rate' }))),
            mk('workersBody', 'tbody'))),
          mk('workersEmpty', 'p', { class: 'empty', text: 'No worker holds a task of this job.' })),
        h('section', { class: 'card' },
          h('h2', null, 'Errors ', mk('errorsCount', 'span', { class: 'muted' })),
          h('div', { id: 'errors-list', class: 'table-wrap' }, h('table', { id: 'errors' },
            h('thead', null, h('tr', null, h('th', { text: 'Partition' }), h('th', { class: 'num', text: 'Attempt' }),
              h('th', { text: 'Error' }), h('th', { text: 'Worker' }))),
            mk('errorsBody', 'tbody'))),
          mk('errorsEmpty', 'p', { class: 'empty', text: 'No failed attempts.' }))),
      h('section', { class: 'card', style: 'margin-top:16px' },
        h('div', { class: 'row spread' }, h('h2', null, 'Event log ', mk('eventsCount', 'span', { class: 'muted' }))),
        mk('logMore', 'p', { class: 'muted small', hidden: true, style: 'margin:0 0 6px' }, mk('logMoreText', 'span'),
          h('a', { href: `/api/jobs/${encodeURIComponent(id)}/events?limit=500`, target: '_blank', rel: 'noopener', text: `/api/jobs/${id}/events` })),
        mk('log', 'div', { class: 'log', id: 'event-log', tabindex: 0 }),
        mk('logEmpty', 'p', { class: 'empty', text: 'No events yet.' })),
      h('div', { class: 'grid two' },
        h('section', { class: 'card', id: 'result' },
          h('h2', { text: 'Result' }),
          mk('resultStatus', 'p', { class: 'muted', text: 'Available once the job is done.' }),
          mk('resultImage', 'img', { id: 'result-image', alt: 'result image', hidden: true }),
          mk('resultPreview', 'pre', { class: 'preview', id: 'result-preview', hidden: true }),
          mk('resultLink', 'a', { id: 'result-download', href: `/api/jobs/${encodeURIComponent(id)}/result`, download: `${id}-result.json`, hidden: true, text: 'Download result (JSON)' })),
        h('section', { class: 'card', id: 'join' },
          h('h2', { text: 'Lend a browser' }),
          h('div', { class: 'join' },
            h('img', { id: 'join-qr', alt: 'QR code of the join link', width: 132, height: 132,
              src: '/api/qr.png?text=' + encodeURIComponent(absoluteJoin) }),
            h('div', null,
              h('p', { class: 'small muted', style: 'margin-top:0' }, 'Open this link on any device (or scan the code) to let its browser work on this job:'),
              h('a', { id: 'join-link', href: '/join/' + encodeURIComponent(id), target: '_blank', rel: 'noopener', text: absoluteJoin }))))),
      h('section', { class: 'card', style: 'margin-top:16px', id: 'job-details' },
        h('h2', { text: 'Details' }),
        mk('details', 'dl', { class: 'kv' }),
        h('form', { id: 'rerun-form', style: 'margin-top:16px', novalidate: true, 'data-write': true },
          h('div', { class: 'field' },
            h('label', { for: 'rerun-params' }, 'Parameters ', h('span', { class: 'muted', text: '(JSON object; edit and re-run as a new job)' })),
            mk('rerunParams', 'textarea', { id: 'rerun-params', name: 'params', spellcheck: false, rows: 6 }),
            mk('rerunError', 'div', { class: 'field-error', id: 'rerun-error', 'data-field': 'params' })),
          mk('rerun', 'button', { id: 'rerun', type: 'submit', text: 'Re-run with these parameters' }))));

    const map = new PartitionMap(E.map, E.mapWrap);
    E.mapWrap.hidden = true;
    const st = {
      job: null, history: new Map(), workers: [], events: new Map(), maxSeq: 0, pendingEvents: new Map(),
      failed: [], resultFor: null, paramsFilled: false, mapSeen: false, mapPolling: true,
    };

    // ---- data in
    const onJob = (job) => {
      const wasLive = st.job && LIVE.has(st.job.status);
      st.job = job;
      if (wasLive && !LIVE.has(job.status)) scope.invalidate('result');
      scope.invalidate('job');
    };
    const onMap = (msg) => {
      st.mapSeen = true;
      map.apply(msg);
      scope.invalidate('map');
    };
    const onHistory = (list) => {
      for (const [sec, count] of list || []) st.history.set(sec, count);
      scope.invalidate('chart');
    };
    const onWorkers = (list) => {
      st.workers = list || [];
      scope.invalidate('workers');
    };
    const onEvents = (list) => {
      for (const ev of list || []) {
        if (ev == null || ev.seq == null) continue;
        const known = st.events.get(ev.seq);
        if (known && (known === ev || JSON.stringify(known) === JSON.stringify(ev))) continue;
        st.events.set(ev.seq, ev);
        st.pendingEvents.set(ev.seq, ev);
        if (ev.seq > st.maxSeq) st.maxSeq = ev.seq;
      }
      scope.invalidate('events');
    };

    const stream = scope.stream(`/api/jobs/${encodeURIComponent(id)}/stream`,
      { job: onJob, map: onMap, history: onHistory, workers: onWorkers, events: onEvents },
      { fallback: pollJob, stopWhen: () => st.job && !LIVE.has(st.job.status) && (st.mapSeen || st.job.partitions == null) });

    // First paint without waiting for the stream, and a clear message for unknown ids.
    api('GET', `/api/jobs/${encodeURIComponent(id)}`).then((job) => { if (!st.job) onJob(job); }).catch((e) => {
      if (e.status === 404) noSuchJob();
    });

    function noSuchJob() {
      stream.close();
      setConn('idle');
      document.title = 'No such job · Partita';
      app.replaceChildren(h('div', { class: 'page-head' }, h('h1', { text: 'No such job' })),
        h('div', { class: 'notice', id: 'job-not-found' }, `There is no job with id ${id}. `,
          h('a', { href: '#/jobs', text: 'All jobs' }), '.'));
    }

    // The stream replays the log from its start, but paced; page through the existing log over
    // REST at once as well (entries are keyed by seq, so the overlap costs nothing).
    (async () => {
      let after = 0;
      try {
        for (let page = 0; page < 50 && scope.alive; page++) {
          const evs = await api('GET', `/api/jobs/${encodeURIComponent(id)}/events?after=${after}&limit=500`);
          onEvents(evs.events);
          if (!evs.events || evs.events.length < 500 || evs.next == null || evs.next <= after) break;
          after = evs.next;
        }
      } catch (e) { /* 404 is shown by the job request */ }
    })();

    // Without the stream (older coordinator): poll the REST endpoints.
    async function pollJob() {
      const base = `/api/jobs/${encodeURIComponent(id)}`;
      try {
        onJob(await api('GET', base));
        const evs = await api('GET', `${base}/events?after=${st.maxSeq}&limit=1000`);
        onEvents(evs.events);
        if (st.mapPolling && st.job.partitions != null) {
          try { onMap(await api('GET', `${base}/map`)); } catch (e) { if (e.status === 404) st.mapPolling = false; }
        }
        const ws = await api('GET', '/api/workers');
        onWorkers(ws.items.filter((w) => w.running && w.running[id]).map((w) => ({
          id: w.id, name: w.name, kind: w.kind, running: w.running[id], rate: w.rate })));
      } catch (e) {
        if (e.status === 404) noSuchJob();
      }
    }

    // ---- actions
    E.cancel.addEventListener('click', async () => {
      E.cancel.disabled = true;
      setText(E.cancelError, '');
      E.cancelError.removeAttribute('role');
      try {
        onJob(await api('DELETE', `/api/jobs/${encodeURIComponent(id)}`));
      } catch (e) {
        setText(E.cancelError, e.message);
        E.cancelError.setAttribute('role', 'alert');
      } finally {
        E.cancel.disabled = false;
      }
    });

    E.rerunParams.addEventListener('input', () => { st.paramsFilled = true; });
    scope.listen(document.getElementById('rerun-form') || E.rerun.form, 'submit', async (ev) => {
      ev.preventDefault();
      setText(E.rerunError, '');
      E.rerunError.removeAttribute('role');
      const text = E.rerunParams.value.trim();
      let params = {};
      if (text) {
        try {
          params = JSON.parse(text);
        } catch (e) {
          return showRerunError('params is not valid JSON: ' + e.message);
        }
        if (params === null || typeof params !== 'object' || Array.isArray(params)) {
          return showRerunError('params must be a JSON object, like {"n": 100}');
        }
      }
      E.rerun.disabled = true;
      try {
        const created = await api('POST', `/api/jobs/${encodeURIComponent(id)}/rerun`, { params });
        location.hash = jobLink(created.id);
      } catch (e) {
        const field = e.body && e.body.field;
        showRerunError((field && field !== 'params' ? field + ': ' : '') + e.message);
      } finally {
        E.rerun.disabled = false;
      }
    });
    function showRerunError(msg) {
      setText(E.rerunError, msg);
      E.rerunError.setAttribute('role', 'alert');
    }

    // Hover: the range under the pointer and its partitions per state; drag: that range; click: zoom.
    let drag = null;
    const hoverText = (ev) => {
      const r = map.rangeAt(ev.offsetX, ev.offsetY);
      if (!r) return '';
      if (drag) {
        const s = Math.min(drag[0], r[0]), e = Math.max(drag[1], r[1]);
        return 'release to show ' + rangeText(map, s, e);
      }
      return rangeText(map, r[0], r[1]);
    };
    E.map.addEventListener('mousemove', (ev) => setText(E.mapHover, hoverText(ev)));
    E.map.addEventListener('mouseleave', () => { drag = null; setText(E.mapHover, ''); });
    E.map.addEventListener('mousedown', (ev) => {
      if (ev.button !== 0) return;
      drag = map.rangeAt(ev.offsetX, ev.offsetY);
      ev.preventDefault();
    });
    E.map.addEventListener('mouseup', (ev) => {
      const from = drag;
      drag = null;
      const r = map.rangeAt(ev.offsetX, ev.offsetY);
      if (!from || !r) return;
      if (from[0] === r[0]) {
        // a click: four times closer around the point (a single partition cannot be zoomed into)
        const span = map.hi - map.lo;
        if (span <= 1 || (map.per === 1 && span <= 64)) return;
        const want = Math.max(64, Math.ceil(span / 4));
        zoomTo(r[0] - want / 2, r[0] + want / 2);
      } else {
        zoomTo(Math.min(from[0], r[0]), Math.max(from[1], r[1]));
      }
    });
    function zoomTo(lo, hi) {
      const span = Math.max(1, Math.round(hi - lo));
      lo = Math.max(0, Math.min(map.n - span, Math.round(lo)));
      map.view(lo, lo + span);
      scope.invalidate('map');
    }
    E.zoomIn.addEventListener('click', () => {
      const span = map.hi - map.lo, q = Math.max(1, Math.ceil(span / 4));
      zoomTo(map.lo + (span - q) / 2, map.lo + (span - q) / 2 + q);
    });
    E.zoomOut.addEventListener('click', () => {
      const span = map.hi - map.lo;
      zoomTo(map.lo - span * 1.5, map.hi + span * 1.5);
    });
    E.zoomAll.addEventListener('click', () => zoomTo(0, map.n));

    // The map follows its container's width (window resizes, a scrollbar appearing).
    if (window.ResizeObserver) {
      const ro = new ResizeObserver(() => { map.layout(); scope.invalidate('map'); });
      ro.observe(E.mapWrap);
      scope.cleanups.push(() => ro.disconnect());
    }
    scope.listen(window, 'resize', () => { map.layout(); scope.invalidate('map'); scope.invalidate('chart'); });
    scope.every(5000, () => { if (st.job && LIVE.has(st.job.status)) scope.invalidate('chart'); });

    // ---- rendering
    scope.onRender((parts) => {
      const all = parts.has('all');
      if (all || parts.has('job')) renderJob();
      if (all || parts.has('map') || parts.has('job')) renderMap();
      if (all || parts.has('chart') || parts.has('job')) renderChart();
      if (all || parts.has('workers')) renderWorkers();
      if (all || parts.has('events')) renderEvents();
      if (all || parts.has('result') || parts.has('job')) renderResult();
    });

    function renderJob() {
      const job = st.job;
      if (!job) return;
      document.title = `${jobTitle(job)} · Partita`;
      setText(E.title, jobTitle(job));
      setBadge(E.status, job.status);
      E.cancel.hidden = !LIVE.has(job.status);
      const p = setBar(E.bar, job);
      setText(E.pct, job.partitions == null ? (job.status === 'preparing' ? 'preparing…' : '')
        : `${fmtInt(p.done)} / ${fmtInt(p.total)} · ${(p.frac * 100).toFixed(1)}%`);
      const c = job.counts || {};
      setText(E.done, fmtInt(c.done));
      setText(E.running, fmtInt(c.running));
      setText(E.failed, fmtInt(c.failed));
      setText(E.retried, fmtInt(c.retried));
      setText(E.rate, LIVE.has(job.status) ? fmtRate(job.rate) : '–');
      setText(E.eta, etaText(job));
      const showError = job.error && !(job.status === 'cancelled' && job.error === 'cancelled');
      E.jobError.hidden = !showError;
      setText(E.jobError, showError ? job.error : '');
      E.waiting.hidden = !job.waiting;
      setText(E.waiting, job.waiting ? 'waiting: ' + job.waiting : '');
      const reusedSig = job.reused ? job.reused.from + '/' + job.reused.partitions : '';
      if (E.reused.dataset.sig !== reusedSig) {
        E.reused.dataset.sig = reusedSig;
        E.reused.hidden = !job.reused;
        E.reused.replaceChildren(...(job.reused ? ['reused ', h('b', { text: fmtInt(job.reused.partitions) }),
          ` partition${job.reused.partitions === 1 ? '' : 's'} of job `, h('a', { href: jobLink(job.reused.from), text: job.reused.from }),
          ' (same code, parameters and partitions): not computed again'] : []));
      }
      if (!st.paramsFilled && job.params !== undefined) {
        E.rerunParams.value = JSON.stringify(job.params || {}, null, 2);
        st.paramsFilled = true;
      } else if (!st.paramsFilled && job.paramsOmitted) {
        // large params are not repeated by the stream: read them once
        st.paramsFilled = true;
        api('GET', '/api/jobs/' + encodeURIComponent(job.id))
          .then((full) => { E.rerunParams.value = JSON.stringify(full.params || {}, null, 2); })
          .catch(() => {});
      }
      renderDetails(job);
    }

    let detailsSig = '';
    function renderDetails(job) {
      const sig = JSON.stringify([job.name, job.function, job.code, job.rerunOf, job.dataJob, job.options, job.params, job.createdAt, job.finishedAt, job.partitions]);
      if (sig === detailsSig) return;
      detailsSig = sig;
      const rows = [];
      const row = (k, v) => { if (v != null && v !== '') rows.push(h('dt', { text: k }), h('dd', null, v)); };
      row('id', h('span', { class: 'mono', text: job.id }));
      row('name', job.name);
      if (job.code && job.code.hash) {
        row('code', h('span', null, h('a', { class: 'mono', href: `/api/code/${encodeURIComponent(job.code.hash)}`, target: '_blank', rel: 'noopener', text: short(job.code.hash, 16) }),
          job.code.exports ? ` · exports ${job.code.exports.join(', ')}` : ''));
      } else {
        row('function', job.function);
      }
      if (job.rerunOf) row('re-run of', h('a', { href: jobLink(job.rerunOf), text: job.rerunOf }));
      if (job.dataJob) row('phase of', h('a', { id: 'job-data-job', href: '#/data-jobs/' + encodeURIComponent(job.dataJob), text: job.dataJob }));
      row('partitions', job.partitions == null ? 'not known yet' : fmtInt(job.partitions));
      row('created', fmtDateTime(job.createdAt));
      if (job.finishedAt) row('finished', fmtDateTime(job.finishedAt));
      if (job.options && Object.keys(job.options).length) {
        row('options', Object.entries(job.options).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' · '));
      }
      E.details.replaceChildren(...rows);
    }

    function renderMap() {
      const job = st.job;
      legend.hidden = !map.ready;
      if (!map.ready) {
        const known = job && job.partitions != null;
        setText(E.mapEmpty, known ? 'Loading the partition map…' : (job && !LIVE.has(job.status) ? 'This job has no partition map.' : 'Waiting for the partition count (the job is preparing)…'));
        E.mapEmpty.hidden = false;
        return;
      }
      if (E.mapWrap.hidden) {
        E.mapWrap.hidden = false;
        E.mapEmpty.hidden = true;
        map.layout();
      }
      map.paint();
      const counts = map.histogram();
      legend.querySelectorAll('[data-code]').forEach((el) => setText(el.querySelector('b'), fmtInt(counts[+el.dataset.code])));
      const span = map.hi - map.lo;
      E.mapTools.hidden = map.n <= 64;
      E.zoomAll.disabled = E.zoomOut.disabled = !map.zoomed;
      E.zoomIn.disabled = span <= 1;
      setText(E.mapInfo, (map.zoomed ? `partitions ${fmtInt(map.lo)}–${fmtInt(map.hi - 1)} of ${fmtInt(map.n)}` : `${fmtInt(map.n)} partitions`)
        + ` · ${map.cols}×${map.rows}`
        + (map.per > 1 ? ` · ${fmtInt(map.per)} partitions per pixel` : map.cell > 1 ? ` · ${map.cell}px cells` : ''));
    }

    function renderChart() {
      const job = st.job;
      let lo = Infinity, hi = -Infinity;
      for (const [sec, count] of st.history) {
        if (!count) continue;
        if (sec < lo) lo = sec;
        if (sec > hi) hi = sec;
      }
      const created = job ? toMillis(job.createdAt) : null;
      const finished = job ? toMillis(job.finishedAt) : null;
      if (created != null) lo = Math.min(lo, Math.floor(created / 1000));
      let end = hi;
      if (job && LIVE.has(job.status)) end = Math.max(isFinite(hi) ? hi : -Infinity, Math.floor(Date.now() / 1000) - 1);
      else if (finished != null) end = Math.max(isFinite(hi) ? hi : -Infinity, Math.floor(finished / 1000));
      if (!isFinite(lo) || !isFinite(end)) {
        const now = Math.floor(Date.now() / 1000);
        lo = now - 60;
        end = now;
      }
      if (end - lo < 60) lo = end - 60;
      let emptyText = job && job.status === 'preparing' ? 'preparing…' : 'no completions yet';
      if (job && !LIVE.has(job.status) && job.counts && job.counts.done > 0) {
        // finished before this coordinator started (or long ago): no per-second record is kept
        emptyText = `no per-second record kept: ${fmtInt(job.counts.done)} partitions, ${etaText(job)}`;
      }
      drawRateChart(E.chart, st.history, lo, end, { emptyText });
    }

    function renderWorkers() {
      const list = st.workers.slice().sort((a, b) => (b.running || 0) - (a.running || 0) || String(a.id).localeCompare(String(b.id)));
      syncRows(E.workersBody, list, (w) => w.id,
        (w) => h('tr', { 'data-worker': w.id },
          h('td', null, h('b'), h('div', { class: 'job-id' })), h('td'), h('td', { class: 'num' }), h('td', { class: 'num' })),
        (tr, w) => {
          const c = tr.children;
          setText(c[0].firstChild, w.name || w.id);
          setText(c[0].lastChild, w.id);
          setText(c[1], w.kind);
          setText(c[2], fmtInt(w.running));
          setText(c[3], fmtRate(w.rate));
        });
      E.workersEmpty.hidden = list.length > 0;
    }

    const evEls = new Map(); // seq → element of the event log
    const errEls = new Map(); // seq → row of the errors table

    function nearBottom(el) {
      return el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    }

    function renderEvents() {
      if (!st.pendingEvents.size) {
        E.logEmpty.hidden = st.events.size > 0;
        return;
      }
      const stick = nearBottom(E.log);
      const errList = E.errorsBody.closest('#errors-list');
      const errStick = nearBottom(errList);
      let pending = Array.from(st.pendingEvents.values()).sort((a, b) => a.seq - b.seq);
      // Only the newest MAX_LOG_NODES entries are shown; older pending ones only feed the errors.
      if (pending.length > MAX_LOG_NODES) {
        for (const ev of pending.slice(0, pending.length - MAX_LOG_NODES)) {
          st.pendingEvents.delete(ev.seq);
          if (ev.type === 'failed') addError(ev);
        }
        pending = pending.slice(pending.length - MAX_LOG_NODES);
      }
      // At most EVENTS_PER_RENDER per pass, oldest first; the rest waits for the next pass so that
      // a long log never blocks the page for long.
      const batch = pending.slice(0, EVENTS_PER_RENDER);
      if (pending.length > batch.length) scope.invalidate('events');
      const frag = document.createDocumentFragment();
      let lastSeq = E.log.lastElementChild ? Number(E.log.lastElementChild.dataset.seq) : -Infinity;
      for (const ev of batch) {
        st.pendingEvents.delete(ev.seq);
        if (ev.type === 'failed') addError(ev);
        const old = evEls.get(ev.seq);
        if (!old && ev.seq < lastSeq && E.log.childElementCount >= MAX_LOG_NODES
            && ev.seq < Number(E.log.firstElementChild.dataset.seq)) {
          continue; // older than everything shown of a full log
        }
        const node = eventNode(ev);
        evEls.set(ev.seq, node);
        if (old) {
          old.replaceWith(node);
        } else if (ev.seq > lastSeq) {
          frag.append(node);
          lastSeq = ev.seq;
        } else {
          // Out of order (rare): insert before the first later entry.
          E.log.append(frag);
          let after = null;
          for (const el of E.log.children) {
            if (Number(el.dataset.seq) > ev.seq) { after = el; break; }
          }
          E.log.insertBefore(node, after);
        }
      }
      E.log.append(frag);
      while (E.log.childElementCount > MAX_LOG_NODES) {
        const first = E.log.firstElementChild;
        evEls.delete(Number(first.dataset.seq));
        first.remove();
      }
      if (stick) E.log.scrollTop = E.log.scrollHeight;
      if (errStick) errList.scrollTop = errList.scrollHeight;
      const shown = E.log.childElementCount;
      setText(E.eventsCount, `(${fmtInt(st.events.size)})`);
      E.logMore.hidden = shown >= st.events.size;
      setText(E.logMoreText, `Showing the newest ${fmtInt(shown)} of ${fmtInt(st.events.size)} entries. The whole log: `);
      E.logEmpty.hidden = st.events.size > 0;
    }

    let errorCount = 0;
    function addError(ev) {
      const key = String(ev.seq);
      const tr = errEls.get(ev.seq);
      const fresh = h('tr', { 'data-seq': key, 'data-partition': ev.partition != null ? ev.partition : null },
        h('td', { class: 'nowrap', text: ev.partition != null ? `partition ${ev.partition}` : ev.task != null ? `task ${ev.task}` : '–' }),
        h('td', { class: 'num', text: ev.attempt != null ? ev.attempt : '–' }),
        h('td', { class: 'err', text: ev.error != null ? String(ev.error) : '–' }),
        h('td', { class: 'small', text: ev.worker != null ? String(ev.worker) : '–' }));
      errEls.set(ev.seq, fresh);
      if (tr) {
        tr.replaceWith(fresh);
      } else {
        errorCount++;
        E.errorsBody.append(fresh);
        while (E.errorsBody.childElementCount > MAX_ERROR_ROWS) {
          const first = E.errorsBody.firstElementChild;
          errEls.delete(Number(first.dataset.seq));
          first.remove();
        }
      }
      const rows = E.errorsBody.childElementCount;
      setText(E.errorsCount, rows < errorCount ? `(newest ${fmtInt(rows)} of ${fmtInt(errorCount)})` : `(${fmtInt(errorCount)})`);
      E.errorsEmpty.hidden = errorCount > 0;
    }

    function renderResult() {
      const job = st.job;
      if (!job) return;
      const done = job.status === 'done';
      E.resultLink.hidden = !done;
      if (!done) {
        setText(E.resultStatus, LIVE.has(job.status) ? 'Available once the job is done.'
          : job.status === 'cancelled' ? 'No result: the job was cancelled.'
            : `No result: the job ${job.status === 'failed' ? 'failed' : 'is ' + job.status}.`);
        E.resultStatus.hidden = false;
        return;
      }
      if (st.resultFor === job.id) return;
      st.resultFor = job.id;
      setText(E.resultStatus, 'Loading the result…');
      loadResult();
    }

    async function loadResult() {
      const url = `/api/jobs/${encodeURIComponent(id)}/result`;
      try {
        const res = await fetch(url, { headers: authHeaders({}) });
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        const length = Number(res.headers.get('content-length') || 0);
        let text, truncated = false;
        if (length > 32 * 1024 * 1024 && res.body) {
          // Only the beginning of a very large result.
          const reader = res.body.getReader();
          const chunks = [];
          let size = 0;
          while (size < 64 * 1024) {
            const { value, done } = await reader.read();
            if (done) break;
            chunks.push(value);
            size += value.length;
          }
          reader.cancel().catch(() => {});
          text = new TextDecoder().decode(concatBytes(chunks));
          truncated = true;
        } else {
          text = await res.text();
        }
        if (!scope.alive) return;
        let value, parsed = false;
        if (!truncated) {
          try { value = JSON.parse(text); parsed = true; } catch (e) { /* show as text */ }
        }
        const image = parsed && value && typeof value === 'object' && value.image && typeof value.image === 'object'
          && value.image.width && value.image.height && Array.isArray(value.image.pixels);
        let preview;
        if (image) {
          E.resultImage.src = withToken(`/api/jobs/${encodeURIComponent(id)}/result.png`);
          E.resultImage.hidden = false;
          const shown = Object.assign({}, value, { image: { width: value.image.width, height: value.image.height, pixels: `[${fmtInt(value.image.pixels.length)} pixels]` } });
          preview = JSON.stringify(shown, null, 2);
        } else {
          preview = parsed ? JSON.stringify(value, null, 2) : text;
        }
        const max = 20000;
        if (preview.length > max) { preview = preview.slice(0, max); truncated = true; }
        setText(E.resultPreview, preview + (truncated ? '\n… (truncated; download for the whole result)' : ''));
        E.resultPreview.hidden = false;
        setText(E.resultStatus, `JSON, ${fmtBytes(length || text.length)}${image ? ` · image ${value.image.width}×${value.image.height}` : ''}`);
      } catch (e) {
        setText(E.resultStatus, 'Cannot load the result: ' + e.message);
        st.resultFor = null;
      }
    }

    scope.invalidate();
  }

  function concatBytes(chunks) {
    const size = chunks.reduce((s, c) => s + c.length, 0);
    const out = new Uint8Array(size);
    let at = 0;
    for (const c of chunks) { out.set(c, at); at += c.length; }
    return out;
  }

  // ------------------------------------------------------------------------------- data

  /** A simple table: columns [{label, num}], one row per item built by cells(item) → [node|text]. */
  function simpleTable(id, columns) {
    const tbody = h('tbody');
    const table = h('table', { id },
      h('thead', null, h('tr', null, columns.map((c) => h('th', { class: c.num ? 'num' : null, text: c.label })))),
      tbody);
    return { el: h('div', { class: 'table-wrap' }, table), tbody };
  }

  function fillRows(tbody, items, key, cells) {
    syncRows(tbody, items, key, (item) => h('tr', { 'data-id': key(item) }),
      (tr, item) => {
        const sig = JSON.stringify(item);
        if (tr.dataset.sig === sig) return;
        tr.dataset.sig = sig;
        tr.replaceChildren(...cells(item).map((c) => (c instanceof Node && c.tagName === 'TD' ? c : h('td', null, c))));
      });
  }

  const num = (text) => h('td', { class: 'num', text });
  const dataJobLink = (j) => '#/data-jobs/' + encodeURIComponent(j.id);

  /** Datasets (list, upload, columns) and the MapReduce and query jobs over them. */
  function pageData(scope) {
    document.title = 'Data · Partita';
    const E = {};
    const error = h('div', { class: 'field-error top', 'data-field': '', role: 'alert' });
    const sets = simpleTable('datasets-table', [{ label: 'Dataset' }, { label: 'Format' }, { label: 'State' },
      { label: 'Lines', num: true }, { label: 'Size', num: true }, { label: 'Columns' }, { label: 'Created' }]);
    const djobs = simpleTable('data-jobs-table', [{ label: 'Job' }, { label: 'Kind' }, { label: 'Dataset' },
      { label: 'State' }, { label: 'Phase' }, { label: 'Output records', num: true }, { label: 'Created' }]);
    E.form = h('form', { id: 'upload-form', class: 'row', novalidate: true, 'data-write': true },
      h('span', null, h('label', { for: 'upload-file', text: 'File' }),
        E.file = h('input', { type: 'file', id: 'upload-file', name: 'file' })),
      h('span', null, h('label', { for: 'upload-format', text: 'Format' }),
        E.format = h('select', { id: 'upload-format', name: 'format' },
          ['text', 'csv', 'jsonl'].map((f) => h('option', { value: f, text: f })))),
      h('span', null, h('label', { for: 'upload-name', text: 'Name' }),
        E.name = h('input', { type: 'text', id: 'upload-name', name: 'name', placeholder: 'the file’s name', autocomplete: 'off' })),
      E.upload = h('button', { type: 'submit', id: 'upload', text: 'Upload' }),
      E.status = h('span', { class: 'muted small', id: 'upload-status' }));
    E.formError = h('div', { class: 'field-error', 'data-field': 'upload', id: 'upload-error' });
    app.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Data' }),
        h('span', { class: 'sub', text: 'datasets, and the MapReduce and query jobs that read them' })),
      error,
      h('section', { class: 'card' }, h('h2', { text: 'Datasets' }), sets.el,
        E.setsEmpty = h('p', { class: 'empty', text: 'No datasets yet.' }),
        h('h2', { style: 'margin-top:14px', 'data-write': true, text: 'Upload a dataset' }), E.form, E.formError),
      h('section', { class: 'card' }, h('h2', { text: 'MapReduce and query jobs' }), djobs.el,
        E.jobsEmpty = h('p', { class: 'empty', text: 'No MapReduce or query jobs yet.' })));

    E.file.addEventListener('change', () => {
      const f = E.file.files && E.file.files[0];
      if (!f) return;
      if (!E.name.value) E.name.value = f.name.replace(/\.[^.]*$/, '');
      const ext = (/\.([a-z]+)$/i.exec(f.name) || [])[1];
      if (ext && ['csv', 'jsonl'].includes(ext.toLowerCase())) E.format.value = ext.toLowerCase();
    });
    E.form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      setText(E.formError, '');
      const f = E.file.files && E.file.files[0];
      if (!f) { setText(E.formError, 'pick a file to upload'); return; }
      const q = `format=${encodeURIComponent(E.format.value)}&name=${encodeURIComponent(E.name.value.trim() || f.name)}`;
      E.upload.disabled = true;
      setText(E.status, 'Uploading ' + fmtBytes(f.size) + '…');
      try {
        const res = await fetch('/api/datasets?' + q, { method: 'POST', body: f,
          headers: authHeaders({ 'content-type': 'application/octet-stream', accept: 'application/json' }) });
        const body = await res.json().catch(() => null);
        if (!res.ok) throw new Error((body && body.message) || `${res.status} ${res.statusText}`);
        location.hash = '#/data/' + encodeURIComponent(body.id);
      } catch (e) {
        setText(E.formError, e.message);
      } finally {
        if (scope.alive) { E.upload.disabled = false; setText(E.status, ''); }
      }
    });

    let items = null, jobs = null;
    async function load() {
      try {
        const [d, m, q] = await Promise.all([api('GET', '/api/datasets'), api('GET', '/api/mapreduce'), api('GET', '/api/queries')]);
        items = d.items || [];
        jobs = (m.items || []).concat(q.items || []).sort((a, b) => (b.createdAt || 0) - (a.createdAt || 0));
        setText(error, '');
        scope.invalidate();
      } catch (e) {
        setText(error, e.message);
      }
    }
    scope.onRender(() => {
      if (!items) return;
      fillRows(sets.tbody, items, (d) => d.id, (d) => [
        h('td', null, h('a', { class: 'job-name', href: '#/data/' + encodeURIComponent(d.id), text: d.name || d.id }), h('div', { class: 'job-id', text: d.id })),
        d.format, badge(d.status), num(fmtInt(d.lines)), num(fmtBytes(d.bytes)),
        h('td', { class: 'small', text: (d.columns || []).join(', ') }), h('td', { class: 'nowrap small muted', text: fmtDateTime(d.createdAt) })]);
      E.setsEmpty.hidden = items.length > 0;
      fillRows(djobs.tbody, jobs, (j) => j.id, (j) => [
        h('td', null, h('a', { class: 'job-name', href: dataJobLink(j), text: j.name || j.id }), h('div', { class: 'job-id', text: j.id })),
        j.kind, h('td', null, h('a', { href: '#/data/' + encodeURIComponent(j.dataset), text: j.dataset })),
        badge(j.status), j.phase || '–', num(j.output ? fmtInt(j.output.records) : '–'),
        h('td', { class: 'nowrap small muted', text: fmtDateTime(j.createdAt) })]);
      E.jobsEmpty.hidden = jobs.length > 0;
    });
    load();
    scope.every(3000, load);
  }

  /** One dataset: its description and columns. */
  function pageDataset(scope, id) {
    document.title = `Dataset ${id} · Partita`;
    const kv = h('dl', { class: 'kv', id: 'dataset-details' });
    const error = h('div', { class: 'field-error top', 'data-field': '', role: 'alert' });
    const title = h('h1', { id: 'dataset-title', text: id });
    const cols = h('div', { id: 'dataset-columns', class: 'caps' });
    app.replaceChildren(h('div', { class: 'page-head' }, title, h('a', { href: '#/data', text: 'All data' })), error,
      h('section', { class: 'card' }, h('h2', { text: 'Dataset' }), kv, h('h2', { style: 'margin-top:14px', text: 'Columns' }), cols));
    async function load() {
      try {
        const d = await api('GET', '/api/datasets/' + encodeURIComponent(id));
        setText(title, d.name || id);
        document.title = `${d.name || id} · Partita`;
        const rows = [];
        const row = (k, v) => { if (v != null && v !== '') rows.push(h('dt', { text: k }), h('dd', null, v)); };
        row('id', h('span', { class: 'mono', text: d.id }));
        row('format', d.format);
        row('state', badge(d.status));
        row('source', d.source);
        row('lines', fmtInt(d.lines));
        row('size', fmtBytes(d.bytes));
        row('splits', d.splits == null ? null : fmtInt(d.splits));
        row('created', fmtDateTime(d.createdAt));
        kv.replaceChildren(...rows);
        cols.replaceChildren(...((d.columns || []).length
          ? d.columns.map((c, i) => [i ? ' · ' : '', h('b', { text: c })])
          : [h('span', { class: 'muted', text: d.format === 'text' ? 'text: one record per line, no columns' : 'none found' })]).flat());
        if (d.status === 'ready') return true;
      } catch (e) {
        setText(error, e.status === 404 ? `There is no dataset with id ${id}.` : e.message);
        return true;
      }
      return false;
    }
    load().then((final) => { if (!final) scope.every(2000, load); });
  }

  /** A MapReduce or query job: phases, counters, skipped records, output preview and download. */
  function pageDataJob(scope, id) {
    document.title = `Data job ${id} · Partita`;
    const E = {};
    const error = h('div', { class: 'field-error top', 'data-field': '', role: 'alert' });
    app.replaceChildren(
      h('div', { class: 'page-head' },
        h('div', null, E.title = h('h1', { id: 'data-job-title', text: id }), h('div', { class: 'sub mono', text: id })),
        h('div', { class: 'row' }, E.status = h('span', { class: 'badge', id: 'data-job-status' }),
          E.cancel = h('button', { class: 'danger', id: 'data-job-cancel', type: 'button', hidden: true, text: 'Cancel', 'data-write': true }))),
      error,
      h('section', { class: 'card' }, h('h2', { text: 'Phases' }), E.phases = h('div', { id: 'data-job-phases' }),
        E.jobError = h('div', { class: 'job-error', id: 'data-job-error', hidden: true })),
      h('div', { class: 'grid two' },
        h('section', { class: 'card' }, h('h2', { text: 'Counters' }), E.counters = h('div', { id: 'data-job-counters' })),
        h('section', { class: 'card' }, h('h2', { text: 'Skipped records' }), E.skipped = h('div', { id: 'data-job-skipped' }))),
      h('section', { class: 'card', style: 'margin-top:16px' }, h('h2', { text: 'Output' }),
        E.outStatus = h('p', { class: 'muted', id: 'data-job-output-status', text: 'Available once the job is done.' }),
        E.preview = h('pre', { class: 'preview', id: 'data-job-output', hidden: true }),
        E.download = h('a', { id: 'data-job-download', hidden: true, text: 'Download the output (JSON lines)' })),
      h('section', { class: 'card' }, h('h2', { text: 'Details' }), E.details = h('dl', { class: 'kv', id: 'data-job-details' })));
    let kindPath = null, job = null, previewed = false;
    E.cancel.addEventListener('click', async () => {
      try { job = await api('DELETE', `/api/${kindPath}/${encodeURIComponent(id)}`); render(); } catch (e) { setText(error, e.message); }
    });
    async function load() {
      try {
        if (!kindPath) {
          for (const k of ['mapreduce', 'queries']) {
            try { job = await api('GET', `/api/${k}/${encodeURIComponent(id)}`); kindPath = k; break; } catch (e) { if (e.status !== 404) throw e; }
          }
          if (!kindPath) { setText(error, `There is no MapReduce or query job with id ${id}.`); return; }
        } else {
          job = await api('GET', `/api/${kindPath}/${encodeURIComponent(id)}`);
        }
        render();
      } catch (e) {
        setText(error, e.message);
      }
    }
    function counterTable(obj, tid) {
      const entries = Object.entries(obj || {});
      if (!entries.length) return h('p', { class: 'empty', text: 'None.' });
      const rows = [];
      for (const [phase, v] of entries) {
        if (v && typeof v === 'object' && !Array.isArray(v)) {
          for (const [k, n] of Object.entries(v)) rows.push([phase, k, n]);
        } else {
          rows.push(['', phase, v]);
        }
      }
      return h('div', { class: 'table-wrap' }, h('table', { id: tid },
        h('thead', null, h('tr', null, h('th', { text: 'Phase' }), h('th', { text: 'Counter' }), h('th', { class: 'num', text: 'Value' }))),
        h('tbody', null, rows.map(([p, k, n]) => h('tr', { 'data-counter': (p ? p + '.' : '') + k },
          h('td', { text: p }), h('td', { text: k }),
          h('td', { class: 'num', text: typeof n === 'number' ? fmtInt(n) : typeof n === 'object' ? short(JSON.stringify(n), 200) : String(n) }))))));
    }
    function render() {
      if (!job) return;
      setText(E.title, (job.name || id) + ' · ' + job.kind);
      document.title = `${job.name || id} · Partita`;
      setBadge(E.status, job.status);
      E.cancel.hidden = ['done', 'failed', 'cancelled'].includes(job.status);
      const phases = [];
      for (const [name, jid] of Object.entries(job.jobs || {})) {
        phases.push(h('div', { 'data-phase': name }, h('b', { text: name }), ' phase: ', h('a', { href: jobLink(jid), text: jid })));
      }
      E.phases.replaceChildren(h('p', { class: 'small' }, 'now: ', h('b', { id: 'data-job-phase', text: job.phase || '–' }),
        ` · dataset `, h('a', { href: '#/data/' + encodeURIComponent(job.dataset), text: job.dataset }),
        job.reducers != null ? ` · ${job.reducers} reducers` : '', job.splits != null ? ` · ${fmtInt(job.splits)} splits` : ''), ...phases);
      E.jobError.hidden = !job.error;
      setText(E.jobError, job.error || '');
      E.counters.replaceChildren(counterTable(job.counters, 'data-job-counters-table'));
      E.skipped.replaceChildren(counterTable(job.skipped, 'data-job-skipped-table'));
      const rows = [];
      const row = (k, v) => { if (v != null && v !== '') rows.push(h('dt', { text: k }), h('dd', null, v)); };
      row('id', h('span', { class: 'mono', text: job.id }));
      row('kind', job.kind);
      row('function', job.function);
      if (job.plan) row('plan', h('pre', { class: 'preview', text: JSON.stringify(job.plan, null, 2) }));
      row('created', fmtDateTime(job.createdAt));
      if (job.finishedAt) row('finished', fmtDateTime(job.finishedAt));
      E.details.replaceChildren(...rows);
      if (job.status === 'done' && !previewed) {
        previewed = true;
        preview();
      } else if (job.status !== 'done') {
        setText(E.outStatus, ['failed', 'cancelled'].includes(job.status) ? `No output: the job ${job.status === 'failed' ? 'failed' : 'was cancelled'}.` : 'Available once the job is done.');
      }
    }
    async function preview() {
      const url = `/api/${kindPath}/${encodeURIComponent(id)}/output`;
      E.download.href = withToken(url);
      E.download.setAttribute('download', id + '.jsonl');
      E.download.hidden = false;
      try {
        const res = await fetch(url, { headers: authHeaders({}) });
        if (!res.ok) throw new Error(`${res.status} ${res.statusText}`);
        const reader = res.body.getReader();
        const chunks = [];
        let size = 0, more = false;
        while (size < 32 * 1024) {
          const { value, done } = await reader.read();
          if (done) break;
          chunks.push(value);
          size += value.length;
        }
        if (size >= 32 * 1024) { more = true; reader.cancel().catch(() => {}); }
        const text = new TextDecoder().decode(concatBytes(chunks));
        const lines = text.split('\n').filter((l) => l !== '');
        const shown = lines.slice(0, 50);
        setText(E.preview, shown.join('\n') + (more || lines.length > 50 ? '\n… (first records; download for the whole output)' : ''));
        E.preview.hidden = false;
        const out = job.output || {};
        setText(E.outStatus, `${fmtInt(out.records)} records in ${fmtInt(out.parts)} part${out.parts === 1 ? '' : 's'}, ${fmtBytes(out.bytes)}`);
      } catch (e) {
        setText(E.outStatus, 'Cannot load the output: ' + e.message);
        previewed = false;
      }
    }
    load();
    scope.every(2000, () => { if (!job || !['done', 'failed', 'cancelled'].includes(job.status)) load(); });
  }

  // ------------------------------------------------------------------------------- calls

  /** Grid calls and the call cache (live calls, hit rate, per function) and registered functions. */
  function pageCalls(scope) {
    document.title = 'Calls · Partita';
    const stat = (sid, label) => h('div', { class: 'stat' }, h('b', { id: sid, text: '–' }), h('span', { text: label }));
    const error = h('div', { class: 'field-error top', 'data-field': '', role: 'alert' });
    const per = simpleTable('cache-functions', [{ label: 'Function' }, { label: 'Hit rate', num: true }, { label: 'Hits', num: true },
      { label: 'Misses', num: true }, { label: 'Merged', num: true }, { label: 'Executions', num: true }, { label: 'Failures', num: true },
      { label: 'Entries', num: true }, { label: 'Size', num: true }]);
    const fns = simpleTable('functions-table', [{ label: 'Function' }, { label: 'Runtime' }, { label: 'Version' }, { label: 'Pure' }, { label: 'Timeout' }]);
    const perEmpty = h('p', { class: 'empty', text: 'No calls yet.' });
    const fnsEmpty = h('p', { class: 'empty', text: 'No functions registered. POST /api/functions registers a JavaScript function; Java workers bring theirs.' });
    app.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Calls' }), h('span', { class: 'sub', text: 'grid calls, the call cache and the functions they run' })),
      error,
      h('section', { class: 'card' }, h('h2', { text: 'Calls now' }),
        h('div', { class: 'stats' }, stat('calls-live', 'live calls'), stat('calls-queued', 'queued'), stat('calls-running', 'running'),
          stat('calls-suspended', 'waiting on calls'))),
      h('section', { class: 'card' }, h('h2', { text: 'Cache' }),
        h('div', { class: 'stats' }, stat('cache-hit-rate', 'hit rate'), stat('cache-hits', 'hits'), stat('cache-misses', 'misses'),
          stat('cache-entries', 'entries'), stat('cache-bytes', 'size'), stat('cache-reused', 'job partitions reused')),
        h('h2', { style: 'margin-top:14px', text: 'Per function' }), per.el, perEmpty),
      h('section', { class: 'card' }, h('h2', { text: 'Registered functions' }), fns.el, fnsEmpty));
    const rate = (hits, misses) => (hits + misses > 0 ? (100 * hits / (hits + misses)).toFixed(1) + '%' : '–');
    let stats = null, functions = null;
    async function load() {
      try {
        [stats, functions] = await Promise.all([api('GET', '/api/cache/stats'), api('GET', '/api/functions')]);
        setText(error, '');
        scope.invalidate();
      } catch (e) {
        setText(error, e.message);
      }
    }
    scope.onRender(() => {
      if (!stats) return;
      const c = stats.calls || {};
      setText(document.getElementById('calls-live'), fmtInt(c.live));
      setText(document.getElementById('calls-queued'), fmtInt(c.queued));
      setText(document.getElementById('calls-running'), fmtInt(c.running));
      setText(document.getElementById('calls-suspended'), fmtInt(c.suspended));
      setText(document.getElementById('cache-hit-rate'), rate(stats.hits || 0, stats.misses || 0));
      setText(document.getElementById('cache-hits'), fmtInt(stats.hits));
      setText(document.getElementById('cache-misses'), fmtInt(stats.misses));
      setText(document.getElementById('cache-entries'), fmtInt(stats.entries));
      setText(document.getElementById('cache-bytes'), fmtBytes(stats.bytes) + (stats.maxBytes ? ' of ' + fmtBytes(stats.maxBytes) : ''));
      setText(document.getElementById('cache-reused'), fmtInt(stats.reusedPartitions));
      const list = Object.entries(stats.functions || {}).map(([name, f]) => Object.assign({ name }, f)).sort((a, b) => a.name.localeCompare(b.name));
      fillRows(per.tbody, list, (f) => f.name, (f) => [h('td', { class: 'mono', text: f.name }), num(rate(f.hits || 0, f.misses || 0)),
        num(fmtInt(f.hits)), num(fmtInt(f.misses)), num(fmtInt(f.merged)), num(fmtInt(f.executions)), num(fmtInt(f.failures)),
        num(fmtInt(f.entries)), num(fmtBytes(f.bytes))]);
      perEmpty.hidden = list.length > 0;
      const fl = (functions && functions.items) || [];
      fillRows(fns.tbody, fl, (f) => f.name + '@' + f.version, (f) => [h('td', { class: 'mono', text: f.name }), f.runtime, h('td', { class: 'mono small', text: short(f.version || '', 20) }),
        f.pure ? 'yes' : 'no', f.timeout]);
      fnsEmpty.hidden = fl.length > 0;
    });
    load();
    scope.every(2000, load);
  }

  // ------------------------------------------------------------------------------- submit

  function pageSubmit(scope) {
    document.title = 'Submit a job · Partita';
    const E = {};
    const err = (field) => h('div', { class: 'field-error', 'data-field': field });
    const field = (label, input, fieldName, hint) => h('div', { class: 'field', 'data-for': fieldName },
      h('label', { for: input.id }, label, hint ? h('span', { class: 'muted', text: ' ' + hint }) : null), input, err(fieldName));
    const opt = (name, label, placeholder, inputmode) =>
      field(label, E['opt-' + name] = h('input', { id: 'opt-' + name, name: 'options.' + name, type: 'text', placeholder, inputmode, autocomplete: 'off' }), 'options.' + name);

    E.form = h('form', { id: 'submit-form', novalidate: true, autocomplete: 'off' },
      err(''),
      h('div', { class: 'field', 'data-for': 'code.source' },
        h('div', { class: 'row spread', style: 'margin-bottom:4px' },
          h('label', { for: 'code-source', style: 'margin:0' }, 'JavaScript module ', h('span', { class: 'muted', text: '(exports compute, optionally prepare, combine, collect, log)' }))),
        h('div', { class: 'file-row' },
          h('span', null, h('label', { for: 'example', text: 'Example' }),
            E.example = h('select', { id: 'example' }, h('option', { value: '', text: 'Loading…' }))),
          h('span', null, h('label', { for: 'code-file', text: 'or a file (.mjs, .js)' }),
            E.file = h('input', { type: 'file', id: 'code-file', accept: '.mjs,.js,text/javascript,application/javascript' }))),
        E.source = h('textarea', { id: 'code-source', name: 'code.source', spellcheck: false, rows: 14,
          placeholder: 'export function compute(i, ctx) {\n  return i * i;\n}\nexport function combine(a, b) {\n  return a + b;\n}' }),
        err('code.source')),
      h('div', { class: 'grid two' },
        h('div', null,
          field('Parameters', E.params = h('textarea', { id: 'params', name: 'params', spellcheck: false, rows: 6, placeholder: '{}' }), 'params', '(JSON object, passed as ctx.params)')),
        h('div', null,
          field('Partitions', E.partitions = h('input', { id: 'partitions', name: 'partitions', type: 'text', inputmode: 'numeric', placeholder: 'empty: the module’s prepare decides', autocomplete: 'off' }), 'partitions'),
          field('Name', E.name = h('input', { id: 'name', name: 'name', type: 'text', placeholder: 'optional', autocomplete: 'off' }), 'name'))),
      h('fieldset', { style: 'border:0;padding:0;margin:0' },
        h('legend', { class: 'muted small', style: 'padding:0;margin-bottom:6px', text: 'Options (empty = default)' }),
        h('div', { class: 'options' },
          opt('maxAttempts', 'Max attempts', 'default 3', 'numeric'),
          opt('taskTimeout', 'Task timeout', 'e.g. PT60S'),
          opt('priority', 'Priority', 'default 0', 'numeric'),
          opt('fanIn', 'Fan-in', 'default', 'numeric'))),
      h('div', { class: 'row', style: 'margin-top:6px' },
        E.submit = h('button', { id: 'submit', type: 'submit', text: 'Submit job' }),
        E.status = h('span', { class: 'muted small', id: 'submit-status' })));

    app.replaceChildren(
      h('div', { class: 'page-head' }, h('h1', { text: 'Submit a job' }),
        h('span', { class: 'sub', text: 'Same as ./partita submit: the module runs on every worker that can run JavaScript.' })),
      h('section', { class: 'card' }, E.form));

    // Examples
    let examples = [];
    api('GET', '/api/examples').then((list) => {
      examples = Array.isArray(list) ? list : (list && list.items) || [];
      E.example.replaceChildren(h('option', { value: '', text: examples.length ? '— pick one —' : 'none available' }),
        ...examples.map((ex, i) => h('option', { value: String(i), 'data-name': ex.name, text: ex.title ? `${ex.name}: ${short(ex.title, 60)}` : ex.name })));
    }).catch(() => {
      E.example.replaceChildren(h('option', { value: '', text: 'unavailable' }));
      E.example.disabled = true;
    });
    E.example.addEventListener('change', () => {
      const ex = examples[Number(E.example.value)];
      if (!ex || E.example.value === '') return;
      E.source.value = ex.source || '';
      E.params.value = ex.params == null ? '{}' : JSON.stringify(ex.params, null, 2);
      E.partitions.value = ex.partitions == null ? '' : String(ex.partitions);
      E.name.value = ex.name || '';
      E.file.value = '';
      clearErrors();
    });
    E.file.addEventListener('change', async () => {
      const file = E.file.files && E.file.files[0];
      if (!file) return;
      try {
        E.source.value = await file.text();
        if (!E.name.value) E.name.value = file.name.replace(/\.(mjs|js)$/i, '');
        E.example.value = '';
        clearErrors();
      } catch (e) {
        showError('code.source', 'cannot read ' + file.name + ': ' + e.message);
      }
    });
    // Tab in the code textarea indents instead of leaving the field.
    E.source.addEventListener('keydown', (ev) => {
      if (ev.key === 'Tab' && !ev.shiftKey && !ev.ctrlKey && !ev.metaKey && !ev.altKey) {
        ev.preventDefault();
        const { selectionStart: s, selectionEnd: e, value } = E.source;
        E.source.value = value.slice(0, s) + '  ' + value.slice(e);
        E.source.selectionStart = E.source.selectionEnd = s + 2;
      }
    });

    function errorEl(fieldName) {
      return E.form.querySelector(`.field-error[data-field="${CSS.escape(fieldName)}"]`);
    }

    function clearErrors() {
      for (const el of E.form.querySelectorAll('.field-error')) {
        el.textContent = '';
        el.removeAttribute('role');
      }
      for (const el of E.form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
      for (const el of E.form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
      setText(E.status, '');
    }

    function showError(fieldName, message) {
      let el = fieldName ? errorEl(fieldName) : null;
      let text = message;
      if (!el) {
        el = errorEl('');
        if (fieldName) text = `${fieldName}: ${message}`;
      }
      el.textContent = text;
      el.setAttribute('role', 'alert');
      const wrap = el.closest('.field');
      if (wrap && fieldName) {
        wrap.classList.add('invalid');
        const input = wrap.querySelector(`[name="${CSS.escape(fieldName)}"]`);
        if (input) {
          input.setAttribute('aria-invalid', 'true');
          if (!E.form.contains(document.activeElement) || document.activeElement === E.submit) input.focus({ preventScroll: true });
        }
      }
      el.scrollIntoView({ block: 'nearest' });
    }

    const intOrRaw = (s) => (/^[-+]?\d+$/.test(s) ? Number(s) : s);

    E.form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearErrors();
      const body = {};
      const name = E.name.value.trim();
      if (name) body.name = name;
      body.code = { language: 'js', source: E.source.value };
      const paramsText = E.params.value.trim();
      if (paramsText) {
        let params;
        try {
          params = JSON.parse(paramsText);
        } catch (e) {
          return showError('params', 'params is not valid JSON: ' + e.message);
        }
        if (params === null || typeof params !== 'object' || Array.isArray(params)) {
          return showError('params', 'params must be a JSON object, like {"n": 100}');
        }
        body.params = params;
      } else {
        body.params = {};
      }
      const partitions = E.partitions.value.trim();
      if (partitions) body.partitions = intOrRaw(partitions);
      const options = {};
      for (const k of ['maxAttempts', 'priority', 'fanIn']) {
        const v = E['opt-' + k].value.trim();
        if (v) options[k] = intOrRaw(v);
      }
      const timeout = E['opt-taskTimeout'].value.trim();
      if (timeout) options.taskTimeout = timeout;
      if (Object.keys(options).length) body.options = options;

      E.submit.disabled = true;
      setText(E.status, 'Submitting…');
      try {
        const created = await api('POST', '/api/jobs', body);
        setText(E.status, '');
        location.hash = jobLink(created.id);
      } catch (e) {
        setText(E.status, '');
        const f = e.body && typeof e.body.field === 'string' ? e.body.field : '';
        showError(f, e.message);
      } finally {
        if (scope.alive) E.submit.disabled = false;
      }
    });
  }

  // ------------------------------------------------------------------------------- router

  let current = null;

  function notFoundPage(path) {
    document.title = 'Not found · Partita';
    app.replaceChildren(h('div', { class: 'card' }, h('h1', { text: 'Not found' }),
      h('p', null, `There is no page ${path}. `, h('a', { href: '#/', text: 'Go to the overview' }), '.')));
  }

  let loginShown = false;
  /** Asks for a token once; keeps it for this tab (sessionStorage) and reloads the page. */
  function loginPage(message) {
    if (loginShown) return;
    loginShown = true;
    if (current) current.dispose();
    current = new Scope();
    setConn('idle');
    document.title = 'Sign in · Partita';
    const input = h('input', { id: 'login-token', type: 'password', autocomplete: 'off', spellcheck: false,
      placeholder: 'pt_…', required: true });
    const form = h('form', { id: 'login-form', novalidate: true },
      h('label', { for: 'login-token' }, 'API token'), input,
      h('button', { id: 'login', type: 'submit', text: 'Sign in' }));
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      if (!t) return;
      sessionStorage.setItem(TOKEN_KEY, t);
      location.reload();
    });
    app.replaceChildren(h('div', { class: 'card', id: 'login-page' }, h('h1', { text: 'Sign in' }),
      h('p', { text: (token() ? 'This token was refused' + (message ? ' (' + message + ')' : '') + '. ' : '')
        + 'Paste an API token. On the coordinator\'s machine the admin token is in the data directory,'
        + ' file admin-token; \'partita token create\' makes others. It is kept in this tab only.' }),
      form));
    input.focus();
  }

  /** Read-only mode for viewers: elements marked data-write (submit, cancel, re-run) are hidden. */
  api('GET', '/api/me').then((me) => {
    if (me && me.role === 'viewer') document.body.classList.add('read-only');
  }).catch(() => {});

  function route() {
    if (loginShown) return;
    if (current) current.dispose();
    current = new Scope();
    setConn('idle');
    const raw = location.hash.replace(/^#/, '') || '/';
    const path = raw.split('?')[0].replace(/\/+$/, '') || '/';
    let nav = null;
    let m;
    if (path === '/') {
      nav = 'overview';
      pageOverview(current);
    } else if (path === '/jobs') {
      nav = 'jobs';
      pageJobs(current);
    } else if ((m = /^\/jobs\/([^/]+)$/.exec(path))) {
      nav = 'jobs';
      pageJob(current, decodeURIComponent(m[1]));
    } else if (path === '/workers') {
      nav = 'workers';
      pageWorkers(current);
    } else if (path === '/volunteers') {
      nav = 'volunteers';
      pageVolunteers(current);
    } else if (path === '/data') {
      nav = 'data';
      pageData(current);
    } else if ((m = /^\/data\/([^/]+)$/.exec(path))) {
      nav = 'data';
      pageDataset(current, decodeURIComponent(m[1]));
    } else if ((m = /^\/data-jobs\/([^/]+)$/.exec(path))) {
      nav = 'data';
      pageDataJob(current, decodeURIComponent(m[1]));
    } else if (path === '/calls') {
      nav = 'calls';
      pageCalls(current);
    } else if (path === '/submit') {
      nav = 'submit';
      pageSubmit(current);
    } else {
      notFoundPage(path);
    }
    for (const a of document.querySelectorAll('#nav a')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    window.scrollTo(0, 0);
  }

  window.addEventListener('hashchange', route);
  route();
})();
