/*
 * Partita volunteer worker: <script src="https://HOST/volunteer.js" async></script> turns the
 * visitors of a page into workers of the Partita coordinator at HOST, once they agree. Tasks run
 * in Web Workers of an opaque-origin iframe of HOST (HOST/sandbox.html loads this same file with
 * data-sandbox), one Web Worker per job, at a capped CPU share, never on the page's thread nor in
 * its origin (docs/volunteers.md, "Isolation"). Options (data attributes on the script tag):
 *   data-job="ID"        only work on this job
 *   data-tenant="lab"    only work on that tenant's jobs (a lab's own volunteers)
 *   data-cpu="0.5"       share of wall time each Web Worker may be busy, 0 < x <= 1
 *   data-workers="4"     at most this many Web Workers at once (and at most cores - 1)
 *   data-hidden="pause"  pause while the page is hidden ("run" keeps working)
 *   data-autostart="true"  "false" waits for Partita.start()
 *   data-consent="ask"   ask the visitor first ("granted": the page asked them itself)
 *   data-on-battery="pause"  pause while the device is discharging ("run" keeps working)
 * API: Partita.start(), pause(), resume(), stop(), stats(), consent(), version; the events
 * "partita:stats" (every second) and "partita:consent" on document. Protocol: docs/protocol.md;
 * job modules: docs/javascript.md.
 * Grid calls: call tasks run a module's call(args, ctx); compute and call tasks may
 * `await ctx.call(fn, ...args)`, and a task waiting for its calls lets its Web Worker run other
 * tasks meanwhile (docs/volunteers.md, "Grid calls in browsers").
 * Data tasks: the map, reduce and merge tasks of MapReduce (runtime "js") and query jobs read their
 * split or runs from the coordinator, run its data engine (/data-engine.js) and write their output
 * back (the contract's "Worker protocol for data tasks"; the hello's feature "data").
 */
(function () {
  'use strict';
  var VERSION = '1.0.0';
  // Captured first: document.currentScript is null once this script has finished running.
  var SCRIPT = document.currentScript;

  function warn() {
    try {
      var args = Array.prototype.slice.call(arguments);
      args.unshift('[partita]');
      console.warn.apply(console, args);
    } catch (e) { /* nothing to do */ }
  }

  if (typeof window === 'undefined') return;
  if (SCRIPT && SCRIPT.hasAttribute('data-sandbox')) {
    try {
      sandboxMain();
    } catch (e) {
      warn('the sandbox cannot start:', e);
    }
    return;
  }
  if (window.Partita && window.Partita.version) {
    return; // loaded twice: the first copy does the work
  }

  try {
    main();
  } catch (e) {
    warn('cannot start:', e);
  }

  // ------------------------------------------------------------------------------------- worker
  // The body of every Web Worker. It is turned into text and started from a Blob URL, so it must
  // not use anything outside itself.
  function workerMain() {
    'use strict';
    // Job code shares this global with the harness (one Web Worker per job, so only its own job):
    // what the harness relies on is taken before any job code runs, and nested Workers are gone
    // (they would escape the CPU share, and outlive nothing: terminating this Worker ends them).
    var parse = JSON.parse;
    var stringify = JSON.stringify;
    var freeze = Object.freeze;
    var perf = self.performance;
    var perfNow = perf.now;
    var now = function () { return perfNow.call(perf); };
    var postMessage = self.postMessage.bind(self);
    var setTimeout = self.setTimeout.bind(self);
    var queueMicrotask = self.queueMicrotask.bind(self);
    var fetch = self.fetch.bind(self);
    ['Worker', 'SharedWorker'].forEach(function (name) {
      try {
        delete self[name];
        Object.defineProperty(self, name, {value: undefined, writable: false, configurable: false});
      } catch (e) {
        try { self[name] = undefined; } catch (e2) { /* nothing more to do */ }
      }
    });
    var realConsole = self.console;
    var SLICE = 8; // ms of work between reports
    var MAX_REPORT = 2000; // results per report
    var MAX_REPORT_CHARS = 1 << 20;
    var MAX_LOG_CALLS = 1000; // per call, like the GraalJS harness
    var MAX_LOG_CHARS = 4096;
    var MAX_LINES = 100; // per task, like Logged.java
    var MAX_LINE_CHARS = 1000;

    var base = '';
    var cap = 1;
    var maxOutput = 16 << 20;
    var jobs = new Map(); // id -> job
    var modules = new Map(); // hash -> Promise<module>
    var queue = [];
    var qh = 0;
    var active = false;
    var debt = 0; // ms to rest before more work, to hold the CPU share
    var lastEnd = now();
    // the report being built
    var frags = [];
    var lids = []; // the tasks of frags, in order
    var nDone = 0;
    var nOk = 0;
    var nFail = 0;
    var busy = 0;
    var chars = 0;
    var epoch = -1;
    var cur = null; // what the running call prints goes here
    var onlyJob = null; // the job this Web Worker is for

    var port = null;
    try {
      var channel = new MessageChannel();
      channel.port1.onmessage = function () { onWake(); };
      port = channel.port2;
    } catch (e) { port = null; }

    // ---- console and ctx.log: captured per task, bounded like the Java worker
    function text(v) {
      if (typeof v === 'string') return v;
      try {
        var s = stringify(v);
        return s === undefined ? String(v) : s;
      } catch (e) {
        try { return String(v); } catch (e2) { return '?'; }
      }
    }
    function print(line) {
      var l = cur;
      if (l === null) return;
      if (l.printed === null) l.printed = [];
      if (l.printed.length >= MAX_LINES) { l.dropped++; return; }
      l.printed.push(line.length > MAX_LINE_CHARS ? line.slice(0, MAX_LINE_CHARS) + '...' : line);
    }
    function log() {
      var l = cur;
      if (l === null || l.calls >= MAX_LOG_CALLS) return;
      l.calls++;
      var parts = [];
      for (var i = 0; i < arguments.length; i++) parts.push(text(arguments[i]));
      var s = parts.join(' ');
      if (s.length > MAX_LOG_CHARS) s = s.slice(0, MAX_LOG_CHARS) + '...';
      print(s);
    }
    function ctxLog(m) { log(m); }
    var fakeConsole = freeze({log: log, info: log, warn: log, error: log, debug: log, trace: log});
    try {
      Object.defineProperty(self, 'console', {value: fakeConsole, writable: true, configurable: true});
    } catch (e) {
      try { self.console = fakeConsole; } catch (e2) { /* keep the real one */ }
    }

    function Logged() {
      this.printed = null;
      this.dropped = 0;
      this.returned = null;
      this.calls = 0;
    }
    function logOf(l) {
      if (l === null || (l.printed === null && l.returned === null)) return undefined;
      var o = {};
      if (l.returned !== null) o.returned = l.returned;
      if (l.printed !== null) o.printed = l.printed;
      if (l.dropped > 0) o.droppedLines = l.dropped;
      return o;
    }

    // ---- values cross as JSON, as they do between Java and GraalJS
    function norm(v) {
      var s = stringify(v);
      return s === undefined ? null : parse(s);
    }
    function thenable(v) {
      return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof v.then === 'function';
    }
    function describe(e, job) {
      var s;
      try {
        if (e instanceof Error || (e !== null && typeof e === 'object' && typeof e.name === 'string' && 'message' in e)) {
          s = String(e);
        } else {
          s = text(e);
        }
      } catch (x) {
        s = 'an error that cannot be described';
      }
      if (job && job.mod && job.mod.url) {
        try {
          var stack = e && typeof e.stack === 'string' ? e.stack : '';
          var at = stack.indexOf(job.mod.url + ':');
          if (at >= 0) {
            var m = /^:(\d+):\d+/.exec(stack.slice(at + job.mod.url.length));
            if (m) s += ' (at line ' + m[1] + ')';
          }
        } catch (x) { /* no line then */ }
      }
      return s;
    }
    function Fail(message) { this.message = message; }

    // ---- module code: fetched once per hash, checked, imported from a Blob URL
    function hex(bytes) {
      var s = '';
      for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
      return s;
    }
    var K = new Uint32Array([
      0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
      0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
      0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
      0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
      0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
      0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
      0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
      0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
    // SHA-256 in plain JavaScript, for pages that are not secure contexts (no crypto.subtle).
    function sha256js(bytes) {
      var len = bytes.length;
      var total = ((len + 9 + 63) >>> 6) << 6;
      var buf = new Uint8Array(total);
      buf.set(bytes);
      buf[len] = 0x80;
      var dv = new DataView(buf.buffer);
      dv.setUint32(total - 4, (len * 8) >>> 0);
      dv.setUint32(total - 8, Math.floor(len / 0x20000000));
      var H = new Uint32Array([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
        0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
      var W = new Uint32Array(64);
      for (var off = 0; off < total; off += 64) {
        var i;
        for (i = 0; i < 16; i++) W[i] = dv.getUint32(off + i * 4);
        for (i = 16; i < 64; i++) {
          var x = W[i - 15], y = W[i - 2];
          var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
          var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
          W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
        }
        var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
        for (i = 0; i < 64; i++) {
          var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
          var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
          var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
          var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
          h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
        }
        H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
      }
      var out = new Uint8Array(32);
      var odv = new DataView(out.buffer);
      for (var k = 0; k < 8; k++) odv.setUint32(k * 4, H[k]);
      return hex(out);
    }
    function sha256(buffer) {
      var subtle = self.crypto && self.crypto.subtle;
      if (subtle && self.isSecureContext !== false) {
        return subtle.digest('SHA-256', buffer).then(
          function (d) { return hex(new Uint8Array(d)); },
          function () { return sha256js(new Uint8Array(buffer)); });
      }
      return Promise.resolve(sha256js(new Uint8Array(buffer)));
    }
    function loadModule(hash) {
      var p = modules.get(hash);
      if (p) return p;
      p = fetch(base + '/api/code/' + encodeURIComponent(hash), {credentials: 'omit'})
        .then(function (res) {
          if (!res.ok) throw new Fail('cannot fetch the module ' + hash + ': HTTP ' + res.status);
          return res.arrayBuffer();
        }, function (e) {
          throw new Fail('cannot fetch the module ' + hash + ': ' + describe(e));
        })
        .then(function (buffer) {
          return sha256(buffer).then(function (got) {
            if (got !== String(hash).toLowerCase()) {
              throw new Fail('the module fetched for ' + hash + ' has SHA-256 ' + got + ': refusing to run it');
            }
            var source = new TextDecoder().decode(buffer);
            var url = URL.createObjectURL(new Blob([source], {type: 'text/javascript'}));
            return import(url).then(function (ns) {
              var has = function (n) { return typeof ns[n] === 'function'; };
              return {ns: ns, url: url, prepare: has('prepare'), input: has('input'), compute: has('compute'),
                combine: has('combine'), collect: has('collect'), log: has('log'), call: has('call')};
            }, function (e) {
              throw new Fail('the module failed to load: ' + describe(e));
            });
          });
        });
      modules.set(hash, p);
      // a failure is remembered for a while (not for every task), then tried again
      p.catch(function () { setTimeout(function () { if (modules.get(hash) === p) modules.delete(hash); }, 10000); });
      return p;
    }

    // ---- data tasks: map and reduce over dataset splits, merge of their counters
    // The phase jobs of a MapReduce or query job (params.data) have tasks that read their input
    // from the coordinator (GET of capability URLs, valid while the lease is), run the data engine
    // (the coordinator's /data-engine.js, which defines PartitaData) and write their output back
    // (PUT); the task's own output is only counters. Runtime "js" runs the job module's map,
    // combine and reduce; runtime "query" runs the engine's query plan (params.data.plan).
    var IO_PARALLEL = 4; // requests at once per task
    var MAX_SKIPPED = 10;
    var engine = null; // Promise<PartitaData>, loaded once per Web Worker

    function loadEngine() {
      if (engine !== null) return engine;
      var url = base + '/data-engine.js';
      var p = new Promise(function (ok) {
        if (self.PartitaData) return ok(self.PartitaData);
        // a classic Web Worker imports the classic script as it is; importScripts throws in a
        // module Web Worker, which imports it from a Blob below
        try {
          importScripts(url);
        } catch (e) { /* a module worker, or it failed: the fetch below says why */ }
        ok(self.PartitaData || null);
      }).then(function (found) {
        if (found) return found;
        return fetch(url, {credentials: 'omit'}).then(function (res) {
          if (!res.ok) throw new Fail('cannot fetch the data engine ' + url + ': HTTP ' + res.status);
          return res.text();
        }, function (e) {
          throw new Fail('cannot fetch the data engine ' + url + ': ' + describe(e));
        }).then(function (source) {
          // imported like job modules (a page's CSP may forbid eval, not blob: modules, which the
          // Web Worker needs anyway); a top-level PartitaData binding is made global
          var blob = URL.createObjectURL(new Blob([source +
            "\n;if (typeof PartitaData !== 'undefined' && !globalThis.PartitaData) globalThis.PartitaData = PartitaData;\n"],
            {type: 'text/javascript'}));
          return import(blob).then(function () {
            URL.revokeObjectURL(blob);
            return self.PartitaData;
          }, function (e) {
            URL.revokeObjectURL(blob);
            throw new Fail('the data engine failed to load: ' + describe(e));
          });
        });
      }).then(function (d) {
        if (!d || typeof d.map !== 'function' || typeof d.queryMap !== 'function') {
          throw new Fail('the data engine at ' + url + ' did not define PartitaData');
        }
        return d;
      });
      engine = p;
      // a failure is remembered for a while (not for every task), then tried again
      p.catch(function () { setTimeout(function () { if (engine === p) engine = null; }, 10000); });
      return p;
    }

    // params.data of a job, or null (parsed once per descriptor)
    function dataOf(job) {
      if (job.data === undefined) {
        var params = parse(job.params);
        job.data = params !== null && typeof params === 'object' && params.data !== null &&
          typeof params.data === 'object' && !Array.isArray(params.data) ? params.data : null;
      }
      return job.data;
    }

    // A capability URL is a secret while its lease lasts: messages name it without its token.
    function shown(url) {
      return String(url).replace(/\/data\/[^/]+\//, '/data/\u2026/');
    }
    function absolute(url) {
      return /^[a-z][a-z0-9+.-]*:/i.test(url) ? url : base + (url.charAt(0) === '/' ? '' : '/') + url;
    }

    // Runs f(item, i) -> promise over items, at most IO_PARALLEL at once; a promise of the results in order.
    function inTurn(items, f) {
      return new Promise(function (ok, bad) {
        var out = new Array(items.length);
        var next = 0;
        var running = 0;
        var failed = false;
        var step = function () {
          if (failed) return;
          if (next >= items.length && running === 0) return ok(out);
          while (running < IO_PARALLEL && next < items.length) launch(next++);
        };
        var launch = function (i) {
          running++;
          Promise.resolve().then(function () { return f(items[i], i); }).then(function (v) {
            out[i] = v;
            running--;
            step();
          }, function (e) {
            failed = true;
            bad(e);
          });
        };
        step();
      });
    }

    // Fails with the status and what the coordinator said (a line of it).
    function refused(what, url, res) {
      return res.text().then(function (body) { return body; }, function () { return ''; }).then(function (body) {
        body = String(body).split('\n')[0].slice(0, 200);
        throw new Fail('cannot ' + what + ' ' + shown(url) + ': HTTP ' + res.status + (body ? ' (' + body + ')' : ''));
      });
    }

    function getText(url, io) {
      return fetch(absolute(url), {credentials: 'omit', cache: 'no-store'}).then(function (res) {
        if (!res.ok) return refused('read', url, res);
        return res.arrayBuffer();
      }, function (e) {
        throw new Fail('cannot read ' + shown(url) + ': ' + describe(e));
      }).then(function (buffer) {
        io.bytesIn += buffer.byteLength;
        return new TextDecoder().decode(buffer);
      });
    }

    function putText(url, text, io) {
      var body = new TextEncoder().encode(text);
      io.bytesOut += body.length;
      // no Content-Type: the body is the bytes, and a cross-origin PUT needs no allowed headers
      return fetch(absolute(url), {method: 'PUT', body: body, credentials: 'omit', cache: 'no-store'}).then(function (res) {
        if (!res.ok) return refused('write', url, res);
      }, function (e) {
        throw new Fail('cannot write ' + shown(url) + ': ' + describe(e));
      });
    }

    // The engine's own errors (a bad record: "line N: ..." of the contract) go to the coordinator
    // as they are; errors of job code as other tasks' (with the module's line).
    function dataMessage(e, job) {
      if (e instanceof Fail) return e.message;
      if (e instanceof Error && /^line \d+: /.test(e.message)) return e.message;
      return describe(e, job);
    }

    function dataFns(mod) {
      var ns = mod.ns;
      if (typeof ns.map !== 'function') throw new Fail("the module does not export a function 'map'");
      var fns = {map: ns.map};
      if (typeof ns.combine === 'function') fns.combine = ns.combine;
      if (typeof ns.reduce === 'function') fns.reduce = ns.reduce;
      return fns;
    }

    // A map or reduce task of a data job: read, run the engine, write; its output is the counters.
    function dataTask(t, job, data, t0) {
      var input = t.input;
      var query = job.runtime === 'query';
      if (!query && job.runtime !== 'js') {
        return failResult(t, job, "this worker runs data jobs of runtime 'js' or 'query', not '" + job.runtime + "'", t0, null);
      }
      if (input === null || typeof input !== 'object' || !Array.isArray(input.read) || typeof input.write !== 'string' ||
          input.read.length === 0 || (t.op === 'map' && input.read.length !== 1)) {
        return failResult(t, job, 'the ' + t.op + ' task has no valid input {read, write}', t0, null);
      }
      if (query && (data.plan === null || typeof data.plan !== 'object')) {
        return failResult(t, job, 'the query job has no plan', t0, null);
      }
      var io = {bytesIn: 0, bytesOut: 0};
      var code = query ? null : job.mod !== null ? Promise.resolve(job.mod) : job.code ? loadModule(job.code) : null;
      if (!query && code === null) return failResult(t, job, 'the job has no code', t0, null);
      cur = null;
      return Promise.all([loadEngine(), code, inTurn(input.read, function (url) { return getText(url, io); })])
        .then(function (got) {
          var E = got[0];
          if (!query) job.mod = got[1];
          var texts = got[2];
          var done;
          var outs;
          if (t.op === 'map') {
            var info = {};
            var split = data.split !== null && typeof data.split === 'object' ? data.split : {};
            for (var k in split) info[k] = split[k];
            info.firstLine = typeof input.firstLine === 'number' ? input.firstLine : 1;
            done = query ? E.queryMap(texts[0], info, data.plan) : E.map(texts[0], info, dataFns(job.mod), data.reducers | 0);
            outs = done.runs;
          } else {
            if (!query && typeof job.mod.ns.reduce !== 'function') {
              throw new Fail("the module does not export a function 'reduce'");
            }
            done = query ? E.queryReduce(texts, data.plan) : E.reduce(texts, dataFns(job.mod));
            outs = [done.output];
          }
          cur = null;
          if (!Array.isArray(outs) || outs.length === 0) throw new Fail('the data engine gave no output');
          var write = input.write;
          return inTurn(outs, function (text, r) { return putText(write + r, text, io); }).then(function () {
            var c = done.counters || {};
            var out = {
              attempts: [t.attempt],
              counters: {recordsIn: c.recordsIn || 0, recordsOut: c.recordsOut || 0, badRecords: c.badRecords || 0,
                keys: c.keys || 0, bytesIn: io.bytesIn, bytesOut: io.bytesOut, millis: Math.round(now() - t0)},
              skipped: Array.isArray(c.skipped) ? c.skipped.slice(0, MAX_SKIPPED) : []
            };
            return okResult(t, job, stringify(out), t0, null);
          });
        })
        .then(null, function (e) {
          cur = null;
          return failResult(t, job, dataMessage(e, job), t0, null);
        });
    }

    // The root of a data phase: the outputs of its map or reduce tasks (or of merges) in one.
    function mergeTask(t, job, t0) {
      var inputs = Array.isArray(t.inputs) ? t.inputs : [];
      var attempts = [];
      var counters = {};
      var skipped = [];
      for (var i = 0; i < inputs.length; i++) {
        var o = inputs[i];
        if (o === null || typeof o !== 'object') continue;
        if (Array.isArray(o.attempts)) attempts = attempts.concat(o.attempts);
        var c = o.counters;
        if (c !== null && typeof c === 'object') {
          for (var k in c) {
            if (typeof c[k] === 'number') counters[k] = (counters[k] || 0) + c[k];
          }
        }
        if (Array.isArray(o.skipped)) {
          for (var s = 0; s < o.skipped.length && skipped.length < MAX_SKIPPED; s++) skipped.push(o.skipped[s]);
        }
      }
      return okResult(t, job, stringify({attempts: attempts, counters: counters, skipped: skipped}), t0, null);
    }

    // ---- one task
    // A result is data ({lid, ok, v or e, ms, log, n: its size}): the page builds the frame from
    // it and from its own record of task lid, never from text made here.
    function okResult(t, job, json, t0, l) {
      nOk++;
      return {lid: t.lid, ok: true, v: parse(json), ms: Math.floor(now() - t0), log: logOf(l), n: json.length + 80};
    }
    function failResult(t, job, message, t0, l) {
      nFail++;
      var e = String(message);
      return {lid: t.lid, ok: false, e: e, ms: Math.floor(now() - t0), log: logOf(l), n: e.length + 80};
    }
    function encode(v, what) {
      var s;
      try {
        s = stringify(v);
      } catch (e) {
        throw new Fail(what + ' returned a value that is not JSON: ' + describe(e).split('\n')[0]);
      }
      if (s === undefined) return 'null';
      if (s.length > maxOutput || (s.length * 3 > maxOutput && new TextEncoder().encode(s).length > maxOutput)) {
        throw new Fail(what + ' returned ' + s.length + ' characters of JSON, more than the limit of ' + maxOutput);
      }
      return s;
    }
    function message(e, job) {
      return e instanceof Fail ? e.message : describe(e, job);
    }
    // call: ctx.call of the task (compute and call tasks), else one that says it is not available
    function ctxOf(job, partition, attempt, call) {
      return freeze({params: parse(job.params), partition: partition, attempt: attempt,
        partitions: job.partitions, log: ctxLog, call: call || noCalls});
    }

    // Runs task t (rt: its record, see Run); returns its result's JSON, or a promise of it.
    function runTask(t, t0, rt) {
      var job = jobs.get(t.job);
      if (job === undefined) return failResult(t, null, 'job descriptor missing', t0, null);
      if (t.op === 'merge') return mergeTask(t, job, t0);
      if (t.op === 'map' || t.op === 'reduce') {
        var data = dataOf(job);
        if (data === null) return failResult(t, job, 'a ' + t.op + ' task needs a data job (params.data)', t0, null);
        return dataTask(t, job, data, t0);
      }
      if (job.runtime !== 'js') return failResult(t, job, 'this worker runs JavaScript only', t0, null);
      if (job.mod === null) {
        if (!job.code) return failResult(t, job, 'the job has no code', t0, null);
        return loadModule(job.code).then(function (mod) {
          job.mod = mod;
          return runTask(t, t0, rt);
        }, function (e) {
          return failResult(t, job, message(e, null), t0, null);
        });
      }
      var mod = job.mod;
      var ns = mod.ns;
      try {
        switch (t.op) {
          case 'compute': return compute(t, job, mod, ns, t0, rt);
          case 'call': return callTask(t, job, mod, ns, t0, rt);
          case 'combine': return combine(t, job, mod, ns, t0);
          case 'prepare': {
            if (!mod.prepare) {
              return failResult(t, job, 'this module has no prepare step: give "partitions" in the job spec', t0, null);
            }
            cur = null;
            return settle(ns.prepare(parse(job.params)), function (v) {
              var json = encode(v, 'prepare');
              return okResult(t, job, json.charAt(0) === '[' ? '{"inputs":' + json + '}' : json, t0, null);
            }, function (e) { return failResult(t, job, message(e, job), t0, null); });
          }
          case 'log': {
            if (!mod.log) return failResult(t, job, 'this module has no log function', t0, null);
            var l = new Logged();
            cur = l;
            var r = ns.log(t.input === undefined ? null : t.input, ctxOf(job, -1, t.attempt));
            return settle(r, function (v) {
              cur = null;
              v = norm(v);
              if (v !== null) l.returned = v;
              return okResult(t, job, 'null', t0, l);
            }, function (e) { cur = null; return failResult(t, job, message(e, job), t0, l); });
          }
          default:
            return failResult(t, job, "unknown task op '" + t.op + "'", t0, null);
        }
      } catch (e) {
        cur = null;
        return failResult(t, job, message(e, job), t0, null);
      }
    }

    // Calls ok(value) or bad(error), synchronously unless v is a promise.
    function settle(v, ok, bad) {
      if (thenable(v)) {
        return Promise.resolve(v).then(function (x) {
          try { return ok(x); } catch (e) { return bad(e); }
        }, bad);
      }
      try { return ok(v); } catch (e) { return bad(e); }
    }

    function compute(t, job, mod, ns, t0, rt) {
      if (!mod.compute) return failResult(t, job, "the module does not export a function 'compute'", t0, null);
      var input = t.input;
      if (input === undefined || input === null) {
        if (mod.input) {
          cur = null;
          try {
            input = ns.input(parse(job.params), t.index);
          } catch (e) {
            return failResult(t, job, message(e, job), t0, null);
          }
          if (thenable(input)) {
            return Promise.resolve(input).then(function (v) {
              return computeWith(t, job, mod, ns, t0, norm(v), rt);
            }, function (e) { return failResult(t, job, message(e, job), t0, null); });
          }
          try { input = norm(input); } catch (e) { return failResult(t, job, message(e, job), t0, null); }
        } else {
          input = t.index;
        }
      }
      return computeWith(t, job, mod, ns, t0, input, rt);
    }

    function computeWith(t, job, mod, ns, t0, input, rt) {
      var l = new Logged();
      rt.l = l;
      cur = l;
      var out;
      try {
        out = ns.compute(input, ctxOf(job, t.index, t.attempt, callsOf(rt)));
      } catch (e) {
        return computeFailed(t, job, mod, ns, t0, l, e);
      }
      if (thenable(out)) {
        return Promise.resolve(out).then(function (v) {
          cur = l;
          return computeDone(t, job, mod, ns, t0, l, v);
        }, function (e) {
          cur = l;
          return computeFailed(t, job, mod, ns, t0, l, e);
        });
      }
      return computeDone(t, job, mod, ns, t0, l, out);
    }

    function computeDone(t, job, mod, ns, t0, l, v) {
      var json;
      try {
        json = encode(v, 'compute');
      } catch (e) {
        return computeFailed(t, job, mod, ns, t0, l, e);
      }
      if (!mod.log) {
        cur = null;
        return okResult(t, job, json, t0, l);
      }
      var event = {type: 'partition', job: t.job, partition: t.index, attempt: t.attempt, output: parse(json)};
      return settle(callLogger(job, ns, event, t, l), function () {
        cur = null;
        return okResult(t, job, json, t0, l);
      }, function (e) { cur = null; return failResult(t, job, message(e, job), t0, l); });
    }

    function computeFailed(t, job, mod, ns, t0, l, e) {
      var msg = message(e, job);
      if (!mod.log) {
        cur = null;
        return failResult(t, job, msg, t0, l);
      }
      var event = {type: 'failed', job: t.job, partition: t.index, attempt: t.attempt, error: msg};
      return settle(callLogger(job, ns, event, t, l), function () {
        cur = null;
        return failResult(t, job, msg, t0, l);
      }, function () { cur = null; return failResult(t, job, msg, t0, l); });
    }

    // Runs the module's logger for a partition event; a logger that fails prints its error instead.
    function callLogger(job, ns, event, t, l) {
      cur = l;
      l.calls = 0;
      var r;
      try {
        r = ns.log(event, ctxOf(job, t.index, t.attempt));
      } catch (e) {
        print('log failed: ' + message(e, job));
        return null;
      }
      return settle(r, function (v) {
        cur = l;
        v = norm(v);
        if (v !== null) l.returned = v;
        return null;
      }, function (e) {
        cur = l;
        print('log failed: ' + message(e, job));
        return null;
      });
    }

    // A grid call: the module's call(args, ctx), args the array of arguments.
    function callTask(t, job, mod, ns, t0, rt) {
      if (!mod.call) return failResult(t, job, "the module does not export a function 'call'", t0, null);
      var args = Array.isArray(t.input) ? t.input : t.input === undefined || t.input === null ? [] : [t.input];
      var l = new Logged();
      rt.l = l;
      cur = l;
      var out;
      try {
        out = ns.call(args, freeze({params: {}, partition: -1, attempt: t.attempt, partitions: 0, log: ctxLog,
          call: callsOf(rt)}));
      } catch (e) {
        cur = null;
        return failResult(t, job, message(e, job), t0, l);
      }
      return settle(out, function (v) {
        cur = l;
        var json = encode(v, 'call');
        cur = null;
        return okResult(t, job, json, t0, l);
      }, function (e) { cur = null; return failResult(t, job, message(e, job), t0, l); });
    }

    function combine(t, job, mod, ns, t0) {
      var inputs = t.inputs || [];
      cur = null;
      if (mod.combine) {
        if (inputs.length === 0) return okResult(t, job, 'null', t0, null);
        var acc = inputs[0];
        var i = 1;
        var step = function () {
          for (; i < inputs.length; i++) {
            var r = ns.combine(acc, inputs[i]);
            if (thenable(r)) {
              i++;
              return Promise.resolve(r).then(function (v) { acc = norm(v); return step(); });
            }
            acc = norm(r);
          }
          return acc;
        };
        return settle(step(), function (v) { return okResult(t, job, encode(v, 'combine'), t0, null); },
          function (e) { return failResult(t, job, message(e, job), t0, null); });
      }
      if (mod.collect) {
        return settle(ns.collect(inputs, parse(job.params)),
          function (v) { return okResult(t, job, encode(v, 'collect'), t0, null); },
          function (e) { return failResult(t, job, message(e, job), t0, null); });
      }
      return okResult(t, job, encode(inputs, 'combine'), t0, null);
    }

    // ---- grid calls: ctx.call(fn, ...args) in compute and call tasks
    // Tasks take turns: one runs (current), the others wait for their calls. A task that waits for
    // calls (it has some unanswered once its code has yielded) is suspended: it gives the Web Worker
    // up, and the page tells the coordinator, which sends other work meanwhile. The answers of its
    // calls are held until all of them are in; then it is ready, and runs again when the running
    // task ends or is suspended in turn, before any task not yet started.
    var RUN = 1;
    var SUSPENDED = 2;
    var READY = 3;
    var OVER = 4;
    function Run(t) {
      this.t = t;
      this.t0 = now();
      this.seg = this.t0; // when it last started running
      this.state = RUN;
      this.pend = 0; // its calls not answered yet
      this.held = []; // the answers held for it: [waiter, answer, ...]
      this.l = null; // what it prints
    }
    var current = null; // the task that runs, or null
    var ready = []; // suspended tasks whose calls are all answered
    var parked = new Set(); // the suspended and ready tasks
    var waits = new Map(); // call number -> {rt, ok, bad}
    var callSeq = 0;
    var outCalls = [];
    var callsQueued = false;

    function noCalls() {
      throw new Error('ctx.call is not available in this function');
    }
    function tooLong(s) {
      return s.length > maxOutput || (s.length * 3 > maxOutput && new TextEncoder().encode(s).length > maxOutput);
    }
    // ctx.call of task rt: a promise of the callee's result (rejected with its error message).
    function callsOf(rt) {
      return function call(fn) {
        if (typeof fn !== 'string') throw new TypeError('ctx.call: the function name must be a string');
        if (rt.state === OVER) throw new Error('ctx.call: the task that calls ' + fn + ' is over');
        var args = [];
        for (var i = 1; i < arguments.length; i++) args.push(arguments[i]);
        var json;
        try {
          json = stringify(args);
        } catch (e) {
          throw new TypeError('ctx.call: the arguments of ' + fn + ' are not JSON: ' + describe(e).split('\n')[0]);
        }
        if (tooLong(json)) {
          throw new RangeError('ctx.call: the arguments of ' + fn + ' are ' + json.length +
            ' characters of JSON, more than the limit of ' + maxOutput);
        }
        var k = ++callSeq;
        var p = new Promise(function (ok, bad) { waits.set(k, {rt: rt, ok: ok, bad: bad}); });
        // a call the task does not await in the end (it failed before) is no unhandled rejection;
        // those who await it still get its error
        p.catch(function () { /* see above */ });
        var t = rt.t;
        outCalls.push({k: k, f: fn, a: json, e: t.e, lid: t.lid});
        if (!callsQueued) {
          callsQueued = true;
          queueMicrotask(flushCalls); // the calls made together go together
        }
        if (++rt.pend === 1) {
          if (rt.state === RUN) {
            wake(); // after its code yields: suspended, if the calls are still out
          } else if (rt.state === READY) {
            ready.splice(ready.indexOf(rt), 1); // (code run by a timer, say)
            rt.state = SUSPENDED;
          }
        }
        return p;
      };
    }
    function flushCalls() {
      callsQueued = false;
      if (outCalls.length === 0) return;
      postMessage({t: 'c', calls: outCalls});
      outCalls = [];
    }
    function onAnswers(list) {
      for (var i = 0; i < list.length; i++) {
        var a = list[i];
        var w = waits.get(a.k);
        if (w === undefined) continue;
        waits.delete(a.k);
        var rt = w.rt;
        if (rt.state === OVER) continue;
        rt.held.push(w, a);
        if (--rt.pend > 0) continue;
        if (rt.state === SUSPENDED) {
          rt.state = READY;
          ready.push(rt);
          kick();
        } else if (rt.state === RUN) {
          deliver(rt); // answered before it was suspended
        }
      }
    }
    function deliver(rt) {
      var held = rt.held;
      rt.held = [];
      for (var i = 0; i < held.length; i += 2) {
        var w = held[i];
        var a = held[i + 1];
        if (a.ok) w.ok(a.v === undefined ? null : a.v);
        else w.bad(new Error(a.e === undefined || a.e === null ? 'the call failed' : String(a.e)));
      }
    }
    function suspend(rt) {
      rt.state = SUSPENDED;
      current = null;
      cur = null;
      parked.add(rt);
      flushCalls();
      postMessage({t: 's', lid: rt.t.lid, ran: now() - rt.seg});
    }
    function resume(rt) {
      rt.state = RUN;
      parked.delete(rt);
      current = rt;
      rt.seg = now();
      report(0); // what ended before it, first
      postMessage({t: 'u', lid: rt.t.lid});
      cur = rt.l;
      deliver(rt); // it goes on once this turn is over
    }

    // ---- the loop: slices of work, each followed by a report and, under a CPU cap, a rest
    var looping = false;
    var resting = false;
    var woken = false;
    var sliceStart = -1;

    function add(frag, t) {
      if (t.e !== epoch) {
        report(0);
        epoch = t.e;
      }
      frags.push(frag);
      lids.push(t.lid);
      nDone++;
      chars += frag.n;
    }
    function report(rest) {
      if (nDone === 0 && !(rest > 0)) return;
      postMessage({t: 'r', e: epoch, n: nDone, l: lids, ok: nOk, f: nFail, b: busy, rs: frags, c: chars,
        s: rest || 0});
      frags = [];
      lids = [];
      nDone = nOk = nFail = 0;
      busy = 0;
      chars = 0;
    }
    // loop() once the running code and its microtasks are done
    function wake() {
      if (woken) return;
      woken = true;
      if (port !== null) port.postMessage(0);
      else setTimeout(onWake, 0);
    }
    function onWake() {
      woken = false;
      loop();
    }
    function restFor(ms) {
      resting = true;
      setTimeout(function () {
        resting = false;
        loop();
      }, ms);
    }
    function kick() {
      if (active) return;
      active = true;
      var start = now();
      debt = Math.max(0, debt - (start - lastEnd));
      lastEnd = start;
      if (debt > 0.5) {
        report(debt);
        restFor(debt);
      } else {
        wake();
      }
    }

    // Runs tasks while none is running: those ready again first, then new ones. A task that
    // returns a promise runs until it settles (finish() calls back) or is suspended (the wake() of
    // its first call calls back).
    function loop() {
      if (looping || resting) return;
      if (current !== null) {
        if (current.state !== RUN || current.pend === 0) return; // it waits for something else
        suspend(current);
      }
      active = true;
      if (sliceStart < 0) {
        sliceStart = now();
        debt = Math.max(0, debt - (sliceStart - lastEnd));
      }
      looping = true;
      try {
        while (current === null && (ready.length > 0 || qh < queue.length)) {
          if (now() - sliceStart >= SLICE || nDone >= MAX_REPORT || chars >= MAX_REPORT_CHARS) break;
          if (ready.length > 0) {
            resume(ready.shift());
          } else {
            var t = queue[qh];
            queue[qh++] = undefined;
            begin(t);
          }
        }
      } catch (e) {
        postMessage({t: 'w', m: 'worker loop failed: ' + describe(e)});
      } finally {
        looping = false;
      }
      if (qh >= queue.length) {
        queue = [];
        qh = 0;
      }
      if (current !== null) return; // a task runs on
      var end = now();
      if (cap < 1) debt += (end - sliceStart) * (1 / cap - 1);
      lastEnd = end;
      sliceStart = -1;
      if (ready.length > 0 || qh < queue.length) {
        report(debt > 0.5 ? debt : 0);
        if (debt > 0.5) restFor(debt);
        else wake();
      } else {
        report(0);
        active = false;
      }
    }

    function begin(t) {
      var rt = new Run(t);
      current = rt;
      cur = null;
      if (t.cf) {
        report(0);
        var pj = jobs.get(t.job);
        if (pj && pj.mod === null && pj.code && pj.runtime === 'js') {
          var go = function () {
            postMessage({t: 'm', lid: t.lid});
            rt.t0 = rt.seg = now();
            execute(rt);
          };
          loadModule(pj.code).then(function (mod) { pj.mod = mod; go(); }, go); // the task says why
          return;
        }
        postMessage({t: 'm', lid: t.lid});
      }
      execute(rt);
    }
    function execute(rt) {
      var r = runTask(rt.t, rt.t0, rt);
      if (r !== null && typeof r === 'object' && typeof r.lid === 'number') {
        finish(rt, r);
        return;
      }
      Promise.resolve(r).then(function (frag) { finish(rt, frag); }, function (e) {
        finish(rt, failResult(rt.t, null, message(e, null), rt.t0, null));
      });
    }
    function finish(rt, frag) {
      if (rt.state === OVER) return;
      var was = rt.state;
      rt.state = OVER;
      if (current === rt) {
        busy += now() - rt.seg;
        current = null;
        cur = null;
      } else {
        // suspended, yet it ended (something else than its calls let it go on)
        parked.delete(rt);
        if (was === READY) ready.splice(ready.indexOf(rt), 1);
        cur = current === null ? null : current.l;
      }
      add(frag, rt.t);
      if (rt.t.cf) report(0);
      if (current === null) loop(); // (while another runs, its report says this one too)
    }

    function setJob(info) {
      if (onlyJob !== null && info.id !== onlyJob) return; // one Web Worker per job
      var old = jobs.get(info.id);
      var job = {
        id: info.id,
        key: stringify(String(info.id)),
        runtime: info.runtime || 'java',
        code: info.code || null,
        params: stringify(info.params === undefined || info.params === null ? {} : info.params),
        partitions: typeof info.partitions === 'number' ? info.partitions : -1,
        mod: null,
        data: undefined // params.data, parsed when a data task needs it
      };
      if (old && old.code === job.code) job.mod = old.mod;
      jobs.set(info.id, job);
    }

    self.onmessage = function (ev) {
      var m = ev.data;
      try {
        switch (m.t) {
          case 'run': {
            var tasks = m.tasks;
            for (var i = 0; i < tasks.length; i++) queue.push(tasks[i]);
            kick();
            break;
          }
          case 'job':
            setJob(m.info);
            break;
          case 'drop': {
            var kept = [];
            var dropped = [];
            for (var k = qh; k < queue.length; k++) {
              var q = queue[k];
              if (m.all || q.job === m.job) dropped.push(q.lid);
              else kept.push(q);
            }
            queue = kept;
            qh = 0;
            // the suspended tasks of a cancelled job are given up (not those of a lost connection:
            // their calls fail, and they end)
            var gone = [];
            if (!m.all) {
              parked.forEach(function (rt) {
                if (rt.t.job !== m.job) return;
                if (rt.state === READY) ready.splice(ready.indexOf(rt), 1);
                rt.state = OVER;
                parked.delete(rt);
                gone.push(rt.t.lid);
              });
            }
            postMessage({t: 'd', lids: dropped, gone: gone});
            break;
          }
          case 'a':
            onAnswers(m.answers);
            break;
          case 'forget':
            jobs.delete(m.job);
            break;
          case 'init':
            base = m.base;
            onlyJob = typeof m.job === 'string' ? m.job : null;
            cap = m.cpu > 0 && m.cpu <= 1 ? m.cpu : 1;
            if (m.maxOutput > 0) maxOutput = m.maxOutput;
            postMessage({t: 'ready'});
            break;
          case 'limit':
            if (m.maxOutput > 0) maxOutput = m.maxOutput;
            break;
        }
      } catch (e) {
        try { realConsole.warn('[partita] worker:', e); } catch (x) { /* ignore */ }
      }
    };
  }

  // ------------------------------------------------------------------------------------ sandbox
  // The document of the opaque-origin iframe (/sandbox.html, its CSP sandboxes it and allows
  // connections to the coordinator only): it starts, feeds and ends the Web Workers the page asks
  // for, and passes on what they say. It holds no state of its own worth taking.
  function sandboxMain() {
    var up = window.parent;
    var workers = new Map(); // number -> Worker
    var url = URL.createObjectURL(new Blob(['(' + workerMain.toString() + ')();\n'], {type: 'text/javascript'}));
    var maxTask = Number(SCRIPT.getAttribute('data-max-task-millis'));
    function tell(m) {
      try {
        up.postMessage(m, '*');
      } catch (e) {
        warn('cannot pass on a message of a Web Worker:', e);
      }
    }
    window.addEventListener('message', function (ev) {
      if (ev.source !== up) return;
      var m = ev.data;
      if (m === null || typeof m !== 'object') return;
      var w = workers.get(m.w);
      if (m.t === 'post') {
        if (w) w.postMessage(m.m);
      } else if (m.t === 'kill') {
        if (w) w.terminate(); // its nested work, if any, ends with it
        workers.delete(m.w);
      } else if (m.t === 'spawn' && typeof m.w === 'number' && !w) {
        var id = m.w;
        try {
          // classic: Chromium refuses a module Web Worker from a Blob URL of an opaque origin
          // ("cross-origin redirects of the top-level worker script"); import() works in both
          w = new Worker(url, {name: String(m.name)});
        } catch (e) {
          tell({t: 'error', w: id, m: 'cannot start a Web Worker: ' + e});
          return;
        }
        workers.set(id, w);
        w.onmessage = function (e) { tell({t: 'msg', w: id, m: e.data}); };
        w.onmessageerror = function () { /* not cloneable: dropped */ };
        w.onerror = function (e) {
          if (e && e.preventDefault) e.preventDefault();
          tell({t: 'error', w: id, m: e && e.message ? String(e.message).slice(0, 1000) : ''});
        };
      }
    });
    tell({t: 'sandbox', maxTaskMillis: maxTask > 0 ? maxTask : 0});
  }

  // A tiny worker that ticks: timers of hidden pages are throttled, messages from workers are not.
  function tickerMain() {
    setInterval(function () { postMessage(0); }, 250);
  }

  // --------------------------------------------------------------------------------- main thread
  function main() {
    var script = SCRIPT;
    if (!script || !script.src || script.src.indexOf('volunteer.js') < 0) {
      var found = document.querySelectorAll('script[src*="volunteer.js"]');
      script = found.length ? found[found.length - 1] : script;
    }
    if (!script || !script.src) {
      warn('cannot find my own <script> tag, so I do not know where the coordinator is');
      return;
    }
    var src = new URL(script.src, location.href);
    var dir = src.pathname.replace(/\/[^/]*$/, '');
    var BASE = src.origin + dir;
    var WS_URL = (src.protocol === 'https:' ? 'wss://' : 'ws://') + src.host + dir + '/ws/worker';

    // ---- the volunteer's key: a secret this page's origin keeps, so that the coordinator's record of
    // this volunteer (validated answers, credit) follows it across visits (docs/verification.md).
    var VOLUNTEER_KEY_NAME = 'partita-volunteer:' + BASE;
    function volunteerKey() {
      try {
        var k = window.localStorage.getItem(VOLUNTEER_KEY_NAME);
        if (k && /^[A-Za-z0-9_-]{16,64}$/.test(k)) return k;
        var bytes = new Uint8Array(18);
        window.crypto.getRandomValues(bytes);
        k = btoa(String.fromCharCode.apply(null, bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
        window.localStorage.setItem(VOLUNTEER_KEY_NAME, k);
        return k;
      } catch (e) {
        return null; // no storage: the record is kept by address
      }
    }
    function wsUrl() {
      var k = volunteerKey();
      var q = [];
      if (k) q.push('volunteer=' + encodeURIComponent(k));
      if (TENANT) q.push('tenant=' + encodeURIComponent(TENANT));
      return q.length ? WS_URL + '?' + q.join('&') : WS_URL;
    }
    var credit = null;
    var creditAt = 0;
    function refreshCredit() {
      var id = conn && conn.welcome ? conn.welcome.volunteer : null;
      if (!id || typeof fetch !== 'function') return;
      fetch(BASE + '/api/volunteers/' + encodeURIComponent(id), {credentials: 'omit'})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (v) { if (v && typeof v.credit === 'number') credit = v.credit; })
        .catch(function () { /* shown again next time */ });
    }

    // ---- settings
    function attr(name) {
      var v = script.getAttribute('data-' + name);
      return v === null ? null : String(v).trim();
    }
    var JOB = null;
    var job = attr('job');
    if (job !== null && job !== '') {
      if (/^[A-Za-z0-9_-]{1,64}$/.test(job)) JOB = job;
      else warn('data-job="' + job + '" is not a job id; working on any job');
    }
    var TENANT = null;
    var tenant = attr('tenant');
    if (tenant !== null && tenant !== '') {
      if (/^[A-Za-z0-9._@-]{1,64}$/.test(tenant)) TENANT = tenant;
      else warn('data-tenant="' + tenant + '" is not a tenant name; working for any tenant');
    }
    var CPU = 0.5;
    var cpu = attr('cpu');
    if (cpu !== null && cpu !== '') {
      var c = Number(cpu);
      if (c > 0 && c <= 1) CPU = c;
      else warn('data-cpu="' + cpu + '" must be a number with 0 < x <= 1; using ' + CPU);
    }
    var MAX_WORKERS = 4;
    var workersAttr = attr('workers');
    if (workersAttr !== null && workersAttr !== '') {
      var w = Number(workersAttr);
      if (Number.isInteger(w) && w >= 1 && w <= 1024) MAX_WORKERS = w;
      else warn('data-workers="' + workersAttr + '" must be a whole number >= 1; using ' + MAX_WORKERS);
    }
    var HIDDEN = 'pause';
    var hidden = attr('hidden');
    if (hidden !== null && hidden !== '') {
      if (hidden === 'pause' || hidden === 'run') HIDDEN = hidden;
      else warn('data-hidden="' + hidden + '" must be "pause" or "run"; using "pause"');
    }
    var AUTOSTART = true;
    var auto = attr('autostart');
    if (auto !== null && auto !== '') {
      if (auto === 'true' || auto === 'false') AUTOSTART = auto === 'true';
      else warn('data-autostart="' + auto + '" must be "true" or "false"; using "true"');
    }
    // consent: "ask" shows the prompt unless the visitor answered it before; "granted" is for
    // pages that asked themselves (the join page)
    var CONSENT = 'ask';
    var consentAttr = attr('consent');
    if (consentAttr !== null && consentAttr !== '') {
      if (consentAttr === 'ask' || consentAttr === 'granted') CONSENT = consentAttr;
      else warn('data-consent="' + consentAttr + '" must be "ask" or "granted"; using "ask"');
    }
    var ON_BATTERY = 'pause';
    var batteryAttr = attr('on-battery');
    if (batteryAttr !== null && batteryAttr !== '') {
      if (batteryAttr === 'pause' || batteryAttr === 'run') ON_BATTERY = batteryAttr;
      else warn('data-on-battery="' + batteryAttr + '" must be "pause" or "run"; using "pause"');
    }
    var cores = navigator.hardwareConcurrency || 1;
    var SLOTS = Math.max(1, Math.min(MAX_WORKERS, cores - 1));

    var MAX_CREDITS = 8192;
    var RESULTS_PER_MESSAGE = 4096;
    var TICK = 250;
    var DRAIN_MILLIS = 5000;
    var DOOMED_GRACE = 1000; // a cancelled task may run this long before its worker is replaced
    // When a Web Worker is replaced because one of its unreported tasks ran too long, they run again
    // one by one to find which; those that finished the first time took less than a slice (8 ms),
    // so a task of them that runs this long again is the one that hung.
    var PROBE_LIMIT = 500;
    var PROBE_SPAN = 100;
    // Pausing waits this long more for tasks that wait for grid calls (stopping does not)
    var WAITING_DRAIN_MILLIS = 60000;
    var LOST = 'the connection to the coordinator was lost';
    // No task runs longer than this in a browser, whatever its job's taskTimeout (the coordinator
    // may say otherwise: the sandbox page tells, see WebPages)
    var MAX_TASK_MILLIS = 60000;
    var MAX_SLOTS = SLOTS * 4; // Web Workers of all jobs together
    var IDLE_MILLIS = 10000; // a job's Web Worker without tasks this long is ended
    var OVER_LIMIT = 2000; // ms of work past its CPU share (decaying) that ends a Web Worker
    // A harness never speaks of tasks its Web Worker does not hold: job code that forges messages
    // does. Past this many, its Web Worker is ended and this tab fails the job's tasks.
    var STRIKES = 50;
    var banned = new Set(); // jobs whose code broke that rule here

    // ---- state
    var started = false;
    var stopped = false;
    var userPaused = false;
    var hiddenPaused = false;
    var conn = null;
    var epochSeq = 0;
    var backoff = 1000;
    var reconnectTimer = null;
    var jobs = new Map(); // id -> {info, ver, cancelled}
    var jobVer = 0;
    var queue = [];
    var qh = 0;
    var lidSeq = 0;
    var slots = [];
    var doneCount = 0;
    var stats = {tasks: 0, failed: 0, cpuMillis: 0, firstTaskAt: 0};
    // when tasks last came or ran; a connected volunteer with none for IDLE_AFTER has nothing to do
    var lastWorkAt = 0;
    var IDLE_AFTER = 3000;
    var busyRing = []; // [time, busy ms] per tick
    var busyTick = 0;
    var lastTick = now();
    var lastDone = 0;
    var battery = null;
    var batteryPaused = false;
    var batteryWatched = false;
    var clockStarted = false;
    var everReached = false;

    function now() { return performance.now(); }

    // ---- who we are
    function browserInfo() {
      var ua = navigator.userAgent || '';
      var m;
      var name = 'Browser';
      var engine = 'JavaScript';
      if ((m = /Edg(?:e|A|iOS)?\/(\d+)/.exec(ua))) { name = 'Edge ' + m[1]; engine = 'V8'; }
      else if ((m = /(?:OPR|Opera)\/(\d+)/.exec(ua))) { name = 'Opera ' + m[1]; engine = 'V8'; }
      else if ((m = /SamsungBrowser\/(\d+)/.exec(ua))) { name = 'Samsung Internet ' + m[1]; engine = 'V8'; }
      else if ((m = /(?:Firefox|FxiOS)\/(\d+)/.exec(ua))) { name = 'Firefox ' + m[1]; engine = /FxiOS/.test(ua) ? 'JavaScriptCore' : 'SpiderMonkey'; }
      else if ((m = /CriOS\/(\d+)/.exec(ua))) { name = 'Chrome ' + m[1]; engine = 'JavaScriptCore'; }
      else if ((m = /(?:Chrome|Chromium)\/(\d+)/.exec(ua))) { name = (/Chromium\//.test(ua) ? 'Chromium ' : 'Chrome ') + m[1]; engine = 'V8'; }
      else if ((m = /Version\/(\d+)[.\d]* (?:Mobile\/\S+ )?Safari\//.exec(ua))) { name = 'Safari ' + m[1]; engine = 'JavaScriptCore'; }
      var os = null;
      if (/Windows/.test(ua)) os = 'Windows';
      else if (/iPhone|iPad|iPod/.test(ua)) os = 'iOS';
      else if (/Android/.test(ua)) os = 'Android';
      else if (/CrOS/.test(ua)) os = 'ChromeOS';
      else if (/Mac OS X|Macintosh/.test(ua)) os = 'macOS';
      else if (/Linux/.test(ua)) os = 'Linux';
      if (/HeadlessChrome/.test(ua)) name = name.replace(/^Chrome/, 'Headless Chrome');
      return {name: os ? name + ' on ' + os : name, engine: engine + ' (' + name + ')'};
    }

    function hello(c) {
      var info = browserInfo();
      // data: map, reduce and merge tasks of data jobs (MapReduce of runtime js, and queries, which
      // the coordinator offers to any worker with this feature)
      var features = ['data'];
      if (typeof WebAssembly === 'object') features.push('wasm');
      if ('gpu' in navigator) features.push('webgpu');
      var h = {
        type: 'hello',
        protocol: 1,
        kind: 'browser',
        name: info.name,
        runtimes: ['js'],
        cores: cores,
        memory: Math.floor((Number(navigator.deviceMemory) || 0) * 1073741824),
        functions: [],
        slots: SLOTS,
        engines: {js: info.engine},
        features: features,
        userAgent: String(navigator.userAgent || '').slice(0, 1000)
      };
      if (battery && typeof battery.charging === 'boolean') h.onBattery = battery.charging === false;
      if (JOB) h.jobs = [JOB];
      send(c, h);
    }

    // ---- the sandbox: an opaque-origin iframe of the coordinator that holds the Web Workers
    // Job code never runs in this page's origin. The iframe (GET BASE/sandbox.html, served with a
    // CSP that also sandboxes it) creates one Web Worker per job and slot and relays their messages;
    // this page holds the connection and checks everything a Web Worker says against its own
    // records (docs/volunteers.md, "Isolation").
    var frame = null;
    var frameReady = false;
    var frameFailed = false;
    var workerSeq = 0;
    var brokenAt = -Infinity;
    var byWorker = new Map(); // worker number -> slot
    function openSandbox() {
      if (frame !== null) return;
      var parent = document.body || document.documentElement;
      frame = document.createElement('iframe');
      frame.setAttribute('sandbox', 'allow-scripts');
      frame.setAttribute('aria-hidden', 'true');
      frame.setAttribute('tabindex', '-1');
      frame.setAttribute('title', 'Partita sandbox');
      frame.className = 'partita-sandbox';
      frame.style.cssText = 'position:absolute!important;width:0!important;height:0!important;border:0!important;' +
        'left:-9999px!important;top:0!important;visibility:hidden!important;';
      frame.src = BASE + '/sandbox.html';
      window.addEventListener('message', function (ev) {
        if (frame === null || ev.source !== frame.contentWindow) return;
        var m = ev.data;
        if (m === null || typeof m !== 'object') return;
        try {
          if (m.t === 'sandbox') {
            frameReady = true;
            if (m.maxTaskMillis > 0) MAX_TASK_MILLIS = m.maxTaskMillis;
            pump();
            return;
          }
          var slot = byWorker.get(m.w);
          if (slot === undefined || slot.w !== m.w) return;
          if (m.t === 'error') slot.onError(m);
          else if (m.t === 'msg' && m.m !== null && typeof m.m === 'object') slot.onMessage(m.m);
        } catch (e) {
          warn('handling a sandbox message failed:', e);
        }
      });
      parent.appendChild(frame);
      setTimeout(function () {
        if (!frameReady) {
          frameFailed = true;
          warn('the sandbox ' + BASE + '/sandbox.html did not start (a Content-Security-Policy without frame-src ' +
            src.origin + '?); not working');
        }
      }, 15000);
    }
    function toSandbox(m) {
      if (frame !== null && frame.contentWindow) frame.contentWindow.postMessage(m, '*');
    }

    // A slot is one Web Worker of one job: a job's tasks run only in its own Web Workers.
    function Slot(job) {
      this.job = job;
      this.w = 0; // the number of its Web Worker, 0 when it has none
      this.ready = false;
      this.broken = false;
      this.lastUsed = now();
      this.owed = 0; // ms it should still rest under data-cpu, from what it reported
      this.owedAt = now();
      this.over = 0; // ms it worked when it should have rested (decaying)
      this.inflight = []; // tasks sent to it, unreported and not suspended, in the order they run
      this.suspended = new Map(); // lid -> task waiting for its grid calls (or ready to go on)
      this.known = new Map(); // job id -> version sent
      this.progressAt = 0; // the current task started no earlier than this
      this.rates = new Map(); // job id -> tasks per ms of work, measured here
      this.lastJob = null; // the job of the last task reported, and the mean time of that report's tasks
      this.lastAvg = 0;
      this.doomLid = -1;
      this.doomAt = 0;
      this.busyRing = []; // [time, busy ms] reported, for its measured share
      this.strikes = 0; // what it said of tasks it does not hold
      // Probing: after a Web Worker was replaced, its unreported tasks run again one at a time
      // (the running one is then known): null, or the tasks still to run.
      this.probe = null;
      this.probeBusy = 0;
      this.suspect = false;
      this.spawn();
    }
    Slot.prototype.spawn = function () {
      this.ready = false;
      this.strikes = 0;
      this.known = new Map();
      this.busyRing = [];
      var w = ++workerSeq;
      this.w = w;
      byWorker.set(w, this);
      toSandbox({t: 'spawn', w: w, name: 'partita-' + String(this.job).slice(0, 40)});
      this.post({t: 'init', base: BASE, cpu: CPU, job: this.job, maxOutput: maxOutput()});
    };
    Slot.prototype.onError = function (m) {
      if (!this.ready) {
        this.broken = true;
        brokenAt = now(); // no new Web Workers for a while
        warn('a Web Worker failed to start' + (m.m ? ': ' + m.m : ''));
      } else if (m.m) {
        warn('uncaught in job code:', String(m.m).slice(0, 500));
      }
    };
    Slot.prototype.post = function (m) {
      if (this.w) toSandbox({t: 'post', w: this.w, m: m});
    };
    Slot.prototype.kill = function () {
      if (this.w) {
        toSandbox({t: 'kill', w: this.w});
        byWorker.delete(this.w);
      }
      this.w = 0;
      var lost = this.inflight;
      this.inflight = [];
      this.doomLid = -1;
      // started, but they only waited here: they run again elsewhere (their calls' answers are not
      // lost: results are cached, running calls merged). The coordinator takes back only tasks
      // that are not suspended.
      var waiting = [];
      this.suspended.forEach(function (t) { waiting.push(t); });
      this.suspended = new Map();
      tellTasks('resume', waiting);
      giveBack(waiting);
      return lost;
    };
    Slot.prototype.onMessage = function (m) {
      switch (m.t) {
        case 'r': onReport(this, m); break;
        case 'm':
          this.progressAt = now();
          break;
        case 'd': onDropped(this, m.lids, m.gone); break;
        case 'c': onCalls(this, m.calls); break;
        case 's': onSuspended(this, m); break;
        case 'u': onResumed(this, m); break;
        case 'ready':
          this.ready = true;
          this.broken = false;
          pump();
          break;
        case 'w': warn(m.m); break;
      }
    };

    function maxOutput() {
      var limit = conn && conn.welcome && conn.welcome.maxMessageBytes > 0 ? conn.welcome.maxMessageBytes : 16777216;
      return Math.max(1024, Math.min(16777216, limit - 65536));
    }

    // A report of a Web Worker: the results of tasks it holds, as data. Anything else it says (a
    // task it does not hold, a result of another job) is dropped; the frame is built here.
    function onReport(slot, m) {
      var t = now();
      var rs = Array.isArray(m.rs) ? m.rs : [];
      var lids = [];
      for (var i = 0; i < rs.length; i++) {
        if (rs[i] !== null && typeof rs[i] === 'object' && typeof rs[i].lid === 'number') lids.push(rs[i].lid);
      }
      var b = typeof m.b === 'number' && m.b >= 0 && isFinite(m.b) ? m.b : 0;
      if (lids.length > 0) {
        var popped = takeDone(slot, lids);
        if (popped.length < lids.length) strike(slot, lids.length - popped.length, 'results');
        var byLid = new Map();
        for (var p = 0; p < popped.length; p++) byLid.set(popped[p].lid, popped[p]);
        var n = popped.length;
        if (n > 0) {
          var pj = popped[n - 1].job;
          var rate = n / Math.max(b, 0.01);
          var old = slot.rates.get(pj);
          slot.rates.set(pj, old === undefined ? rate : 0.7 * old + 0.3 * rate);
          slot.lastJob = pj;
          slot.lastAvg = b / n;
        }
        if (slot.probe !== null) slot.probeBusy += b;
        doneCount += n;
        addBusy(t, b);
        slot.busyRing.push([t, b]);
        var c = conn;
        var out = [];
        for (var k = 0; k < rs.length; k++) {
          var r = rs[k];
          var task = r !== null && typeof r === 'object' ? byLid.get(r.lid) : undefined;
          if (task === undefined) continue;
          byLid.delete(r.lid);
          var ok = r.ok === true;
          if (ok) stats.tasks++;
          else stats.failed++;
          if (!(c && c.open && task.e === c.epoch)) continue;
          var o = {job: task.job, level: task.level, index: task.index, attempt: task.attempt, ok: ok};
          if (ok) o.output = r.v === undefined ? null : r.v;
          else o.error = String(r.e).slice(0, 100000);
          o.millis = typeof r.ms === 'number' && r.ms >= 0 && isFinite(r.ms) ? Math.floor(r.ms) : 0;
          if (r.log !== null && typeof r.log === 'object' && !Array.isArray(r.log)) o.log = r.log;
          out.push(o);
        }
        if (out.length > 0) addResultObjects(c, out);
      } else if (b > 0) {
        addBusy(t, b);
        slot.busyRing.push([t, b]);
      }
      if (CPU < 1 && b > 0) measureShare(slot, t, b);
      var rest = typeof m.s === 'number' && m.s > 0 && isFinite(m.s) ? Math.min(m.s, 600000) : 0;
      slot.progressAt = t + rest;
      if (slot.probe !== null && slot.inflight.length === 0) nextProbe(slot);
      if (conn && conn.draining) checkDrained(conn);
      pump();
    }

    // After b ms of work a Web Worker owes b·(1/cpu − 1) ms of rest. Work it reports where it
    // should have rested counts against it; the watchdog ends a Web Worker over OVER_LIMIT.
    function measureShare(slot, t, b) {
      var since = Math.max(0, t - slot.owedAt);
      var free = since - slot.owed;
      slot.over = slot.over * Math.pow(0.5, since / 5000) + Math.max(0, b - Math.max(0, free) - 20);
      slot.owed = Math.max(0, -free) + b * (1 / CPU - 1);
      slot.owedAt = t;
    }

    function strike(slot, n, what) {
      slot.strikes += n;
      if (slot.strikes <= STRIKES || !slot.w) return;
      banned.add(slot.job);
      warn('a Web Worker of job ' + slot.job + ' sent ' + what + ' of tasks it does not hold; ending it, and ' +
        'this tab fails the job\'s tasks');
      failTasks(slot.kill(), BANNED);
      var rest = removeQueued(function (t) { return t.job === slot.job; });
      failTasks(rest, BANNED);
    }
    var BANNED = 'the job\'s code broke the rules of the browser harness (it sent messages about tasks it does ' +
      'not hold); this browser runs no more of it';
    function failTasks(tasks, error) {
      var c = conn;
      var out = [];
      for (var i = 0; i < tasks.length; i++) {
        var t = tasks[i];
        stats.failed++;
        doneCount++;
        if (c && c.open && t.e === c.epoch) {
          out.push({job: t.job, level: t.level, index: t.index, attempt: t.attempt, ok: false, error: error, millis: 0});
        }
      }
      if (out.length) addResultObjects(c, out);
    }

    function addBusy(t, ms) {
      stats.cpuMillis += ms;
      busyTick += ms;
      if (!stats.firstTaskAt) stats.firstTaskAt = t - ms;
    }

    // The tasks of a report (lids in the order they ended), from inflight or suspended.
    function takeDone(slot, lids) {
      var inf = slot.inflight;
      var n = lids.length;
      var k = 0;
      while (k < n && k < inf.length && inf[k].lid === lids[k]) k++;
      if (k === n) return inf.splice(0, n); // the usual: in the order they were sent
      var set = new Set(lids);
      var done = [];
      var keep = [];
      for (var i = 0; i < inf.length; i++) {
        if (set.has(inf[i].lid)) {
          done.push(inf[i]);
          set.delete(inf[i].lid);
        } else {
          keep.push(inf[i]);
        }
      }
      slot.inflight = keep;
      set.forEach(function (lid) {
        var t = slot.suspended.get(lid);
        if (t === undefined) return;
        // it ended while suspended (it went on without its calls): running again, then done
        slot.suspended.delete(lid);
        tellTasks('resume', [t]);
        done.push(t);
      });
      return done;
    }

    function removeInflight(slot, lid) {
      var inf = slot.inflight;
      for (var i = 0; i < inf.length; i++) {
        if (inf[i].lid === lid) return inf.splice(i, 1)[0];
      }
      return null;
    }

    // suspend or resume: tasks of the current connection only
    function tellTasks(type, tasks) {
      var c = conn;
      if (!c || !c.open) return;
      var refs = [];
      for (var i = 0; i < tasks.length; i++) {
        var t = tasks[i];
        if (t.e === c.epoch) refs.push({job: t.job, level: t.level, index: t.index, attempt: t.attempt});
      }
      if (refs.length) send(c, {type: type, tasks: refs});
    }

    // A task of the slot waits for its grid calls: its Web Worker runs others meanwhile, and the
    // coordinator, told, sends them (it does not count the task, nor its time).
    function onSuspended(slot, m) {
      var task = removeInflight(slot, m.lid);
      if (task === null) return;
      var t = now();
      var ran = m.ran > 0 ? m.ran : 0;
      task.ran = (task.ran || 0) + ran;
      addBusy(t, ran);
      slot.suspended.set(task.lid, task);
      slot.progressAt = t;
      tellTasks('suspend', [task]);
      if (slot.probe !== null && slot.inflight.length === 0) nextProbe(slot);
      if (conn && conn.draining) checkDrained(conn);
      pump();
    }

    // Its calls answered, a suspended task runs again (ahead of those not started).
    function onResumed(slot, m) {
      var task = slot.suspended.get(m.lid);
      if (task === undefined) return;
      slot.suspended.delete(m.lid);
      slot.inflight.unshift(task);
      slot.progressAt = now();
      tellTasks('resume', [task]);
    }

    // Grid calls made by the slot's tasks: to the coordinator, or refused at once when the
    // connection they were made on is gone.
    // The calling task is one the slot holds, found by its lid; the frame is built here from data.
    function onCalls(slot, list) {
      var c = conn;
      var refused = [];
      if (!Array.isArray(list)) return;
      for (var i = 0; i < list.length; i++) {
        var q = list[i];
        if (q === null || typeof q !== 'object') continue;
        var task = slot.suspended.get(q.lid);
        if (task === undefined) {
          for (var n = 0; n < slot.inflight.length; n++) {
            if (slot.inflight[n].lid === q.lid) task = slot.inflight[n];
          }
        }
        if (task === undefined) strike(slot, 1, 'grid calls');
        var args;
        try {
          args = JSON.parse(String(q.a));
        } catch (e) {
          args = null;
        }
        if (!c || !c.open || task === undefined || task.e !== c.epoch || !Array.isArray(args) || typeof q.f !== 'string') {
          refused.push({k: q.k, ok: false, e: LOST});
          continue;
        }
        var id = c.callSeq++;
        c.calls.set(id, {s: slot, w: slot.w, k: q.k});
        addCall(c, JSON.stringify({id: id, function: q.f, args: args,
          parent: {job: task.job, level: task.level, index: task.index, attempt: task.attempt}}));
      }
      if (refused.length) slot.post({t: 'a', answers: refused});
    }
    function addCall(c, json) {
      var bytes = json.length * 3 <= c.maxBytes ? json.length * 3 : new TextEncoder().encode(json).length;
      if (c.callsOut.length > 0 && c.callsBytes + bytes > c.maxBytes - 1024) flushCalls(c);
      c.callsOut.push(json);
      c.callsBytes += bytes;
      if (!c.callsQueued) {
        c.callsQueued = true;
        queueMicrotask(guard(function () {
          c.callsQueued = false;
          flushCalls(c);
        }));
      }
    }
    function flushCalls(c) {
      if (c.callsOut.length === 0) return;
      var body = c.callsOut.join(',');
      c.callsOut = [];
      c.callsBytes = 0;
      sendText(c, '{"type":"calls","calls":[' + body + ']}');
    }
    function onAnswers(c, m) {
      var list = m.answers || [];
      var out = new Map(); // slot -> answers
      for (var i = 0; i < list.length; i++) {
        var a = list[i];
        var q = c.calls.get(a.id);
        if (q === undefined) continue;
        c.calls.delete(a.id);
        if (q.s.w !== q.w) continue; // its Web Worker was replaced
        var to = out.get(q.s);
        if (!to) out.set(q.s, to = []);
        to.push(a.ok === true ? {k: q.k, ok: true, v: a.value} : {k: q.k, ok: false, e: a.error});
      }
      out.forEach(function (answers, s) { s.post({t: 'a', answers: answers}); });
    }
    // The connection is gone: its calls fail (the coordinator requeued their tasks).
    function failCalls(c) {
      var out = new Map();
      c.calls.forEach(function (q) {
        if (q.s.w !== q.w) return;
        var to = out.get(q.s);
        if (!to) out.set(q.s, to = []);
        to.push({k: q.k, ok: false, e: LOST});
      });
      c.calls.clear();
      c.callsOut = [];
      out.forEach(function (answers, s) { s.post({t: 'a', answers: answers}); });
    }

    function onDropped(slot, lids, gone) {
      if (gone) {
        for (var g = 0; g < gone.length; g++) slot.suspended.delete(gone[g]);
      }
      if (!lids.length) return;
      var set = new Set(lids);
      var keep = [];
      var back = [];
      for (var i = 0; i < slot.inflight.length; i++) {
        var t = slot.inflight[i];
        if (set.has(t.lid)) back.push(t);
        else keep.push(t);
      }
      slot.inflight = keep;
      giveBack(back);
      if (conn && conn.draining) checkDrained(conn);
      pump();
    }

    // Returns tasks unstarted (those of the current connection whose job is not over).
    function giveBack(tasks) {
      var c = conn;
      if (!c || !c.open || !tasks.length) return;
      var refs = [];
      for (var i = 0; i < tasks.length; i++) {
        var t = tasks[i];
        var j = jobs.get(t.job);
        if (t.e === c.epoch && !(j && j.cancelled)) refs.push({job: t.job, level: t.level, index: t.index, attempt: t.attempt});
      }
      if (refs.length) send(c, {type: 'return', tasks: refs});
    }

    // Hands queued tasks to Web Workers, a few milliseconds of work each.
    function busySlot(s) {
      return s.w !== 0 && (s.inflight.length > 0 || s.probe !== null);
    }

    // Hands queued tasks to their jobs' Web Workers, a few milliseconds of work each. A job has up
    // to SLOTS Web Workers of its own; at most SLOTS of all of them hold tasks at once (the lanes),
    // so several jobs do not multiply the CPU given.
    function pump() {
      if (qh >= queue.length || !frameReady) return;
      var lanes = 0;
      for (var i = 0; i < slots.length; i++) if (busySlot(slots[i])) lanes++;
      var turns = 0;
      while (qh < queue.length && turns++ < 64) {
        var job = queue[qh].job;
        var end = qh + 1;
        while (end < queue.length && queue[end].job === job) end++;
        var mine = [];
        for (var a = 0; a < slots.length; a++) {
          if (slots[a].job === job && slots[a].w && !slots[a].broken) mine.push(slots[a]);
        }
        if (mine.length < SLOTS && !stopped && now() - brokenAt > 10000) {
          if (slots.length + SLOTS - mine.length > MAX_SLOTS) reap(true);
          while (mine.length < SLOTS && slots.length < MAX_SLOTS) {
            var fresh = new Slot(job);
            slots.push(fresh);
            mine.push(fresh);
          }
        }
        for (var round = 0; round < 2 && qh < end; round++) {
          for (var m = 0; m < mine.length && qh < end; m++) {
            var s = mine[m];
            if (!s.w || !s.ready || s.probe !== null) continue;
            var wasBusy = busySlot(s);
            if (!wasBusy && lanes >= SLOTS) continue;
            // about 30 ms of work at the speed this job's tasks ran here; 2 while it is not known, 1
            // for tasks of 100 ms or more (a task waiting here uses up its lease)
            var rate = s.rates.get(job);
            var depth = rate === undefined ? 2 : rate < 0.01 ? 1 : Math.min(4096, Math.max(2, Math.ceil(rate * 30)));
            // first round: a fair share for each; second round: fill up
            if (round === 0) depth = Math.min(depth, Math.max(1, Math.ceil((end - qh) / mine.length)));
            var want = depth - s.inflight.length;
            if (want <= 0) continue;
            var n = Math.min(want, end - qh);
            var batch = queue.slice(qh, qh + n);
            for (var k = qh; k < qh + n; k++) queue[k] = undefined;
            qh += n;
            dispatch(s, batch, false);
            if (!wasBusy) lanes++;
          }
        }
        if (qh < end) break; // the rest of this job's tasks wait for its Web Workers
      }
      if (qh >= queue.length) {
        queue = [];
        qh = 0;
      } else if (qh > 4096 && qh * 2 > queue.length) {
        queue = queue.slice(qh);
        qh = 0;
      }
    }

    // Ends the Web Workers with nothing to do for a while (all idle ones when hurried) and forgets
    // the slots whose Web Worker is gone.
    function reap(hurry) {
      var t = now();
      var kept = [];
      for (var i = 0; i < slots.length; i++) {
        var s = slots[i];
        var idle = !busySlot(s) && s.suspended.size === 0;
        if (s.w && idle && (hurry || t - s.lastUsed > IDLE_MILLIS)) s.kill();
        if (s.w || s.inflight.length || s.suspended.size || s.probe !== null) kept.push(s);
      }
      slots = kept;
    }

    function dispatch(s, batch, careful) {
      for (var i = 0; i < batch.length; i++) {
        var t = batch[i];
        if (careful) t.cf = 1;
        var j = jobs.get(t.job);
        if (j && s.known.get(t.job) !== j.ver) {
          s.known.set(t.job, j.ver);
          s.post({t: 'job', info: j.info});
        }
      }
      if (s.inflight.length === 0) s.progressAt = now();
      s.lastUsed = now();
      for (var k = 0; k < batch.length; k++) s.inflight.push(batch[k]);
      s.post({t: 'run', tasks: batch});
    }

    function startProbe(s, tasks) {
      s.probe = tasks;
      s.probeBusy = 0;
      s.suspect = false;
      nextProbe(s);
    }
    function nextProbe(s) {
      var rest = s.probe;
      if (rest.length === 0 || s.probeBusy >= PROBE_SPAN) {
        // nothing left, or past the tasks that may have run before: the rest runs as usual
        s.probe = null;
        s.suspect = false;
        if (rest.length) {
          queue = rest.concat(queue.slice(qh));
          qh = 0;
        }
        return;
      }
      dispatch(s, [rest.shift()], true);
    }
    function failTimedOut(task, limit, running) {
      var c = conn;
      stats.failed++;
      doneCount++;
      if (c && c.open && task.e === c.epoch) {
        var json = JSON.stringify({job: task.job, level: task.level, index: task.index, attempt: task.attempt,
          ok: false, error: 'timed out after ' + limit + ' ms', millis: Math.floor(running)});
        addResults(c, json, 1, json.length);
      }
    }

    // Watches running tasks: past its job's time limit a task's worker is replaced.
    function watch() {
      var t = now();
      for (var i = 0; i < slots.length; i++) {
        var s = slots[i];
        if (!s.w) continue;
        if (s.over > OVER_LIMIT) {
          warn('a Web Worker of job ' + s.job + ' worked past its CPU share (data-cpu=' + CPU + '); ending it');
          s.over = 0;
          giveBack(s.kill());
          continue;
        }
        if (!s.inflight.length) continue;
        var first = s.inflight[0];
        var since = t - s.progressAt;
        if (since < 0) continue; // resting under the CPU cap
        var running = since + (first.ran || 0); // its time limit counts the time it ran, not waited
        var j = jobs.get(first.job);
        var c = conn;
        var doomed = !c || first.e !== c.epoch || (j && j.cancelled);
        if (doomed) {
          if (s.doomLid !== first.lid) {
            s.doomLid = first.lid;
            s.doomAt = t;
          } else if (t - s.doomAt > DOOMED_GRACE && running > DOOMED_GRACE) {
            var lost = s.kill();
            giveBack(lost.slice(1));
            s.spawn();
            if (s.probe !== null) nextProbe(s);
          }
          continue;
        }
        // the job's time limit, and never more than the browser's (MAX_TASK_MILLIS)
        var limit = j ? Math.min(MAX_TASK_MILLIS, Math.max(1, j.info.timeoutMillis || 0)) : 0;
        if (!limit) continue;
        if (s.probe !== null) {
          // one task at a time: this one runs. Those that ran before took less than a slice, so
          // one that runs this long is the one that hung: the others go back while their leases last.
          if (!s.suspect && running > Math.min(PROBE_LIMIT, limit * 0.2)) {
            s.suspect = true;
            giveBack(s.probe);
            s.probe = [];
          }
          if (running > limit) {
            s.kill();
            failTimedOut(first, limit, running);
            s.spawn();
            giveBack(s.probe);
            s.probe = null;
            s.suspect = false;
          }
          continue;
        }
        if (running > limit) {
          var u = s.kill();
          s.spawn();
          if (u.length === 1) {
            failTimedOut(u[0], limit, running);
          } else {
            startProbe(s, u); // which of the unreported tasks hung is not known
          }
        } else if (s.inflight.length > 1 && running > limit * 0.4 && first.job === s.lastJob &&
            running > 100 * s.lastAvg + 50) {
          // far longer than this job's tasks take: the tasks queued behind it would outlive their
          // leases; find the culprit now
          var v = s.kill();
          s.spawn();
          startProbe(s, v);
        }
      }
      reap(false);
      pump();
    }

    // ---- results
    // Results built here from data, one JSON.stringify for the lot (a result that cannot be
    // written, say a BigInt in its log, fails alone).
    function addResultObjects(c, list) {
      var text;
      try {
        text = JSON.stringify(list);
      } catch (e) {
        for (var i = 0; i < list.length; i++) {
          var one;
          try {
            one = JSON.stringify(list[i]);
          } catch (x) {
            var o = list[i];
            one = JSON.stringify({job: o.job, level: o.level, index: o.index, attempt: o.attempt, ok: false,
              error: 'the result cannot be sent: ' + x, millis: o.millis});
          }
          addResults(c, one, 1, one.length);
        }
        return;
      }
      addResults(c, text.slice(1, -1), list.length, text.length);
    }
    function addResults(c, json, n, chars) {
      var bytes = chars * 3 <= c.maxBytes ? chars * 3 : new TextEncoder().encode(json).length;
      if (c.pendingCount > 0 &&
          (c.pendingCount + n > RESULTS_PER_MESSAGE || c.pendingBytes + bytes > c.maxBytes - 1024)) {
        flush(c);
      }
      c.pending.push(json);
      c.pendingCount += n;
      c.pendingBytes += bytes;
      if (!c.flushQueued) {
        c.flushQueued = true;
        queueMicrotask(guard(function () {
          c.flushQueued = false;
          flush(c);
        }));
      }
    }
    function flush(c) {
      if (c.pendingCount === 0) return;
      var seq = ++c.seq;
      var body = c.pending.join(',');
      var count = c.pendingCount;
      c.pending = [];
      c.pendingCount = 0;
      c.pendingBytes = 0;
      if (!c.open) return;
      c.unacked.set(seq, count);
      sendText(c, '{"type":"results","seq":' + seq + ',"results":[' + body + ']}');
    }

    // ---- the connection
    function Conn() {
      this.epoch = ++epochSeq;
      this.ws = null;
      this.open = false; // welcomed and not closed
      this.closed = false;
      this.welcome = null;
      this.draining = false;
      this.drainDeadline = 0;
      this.hurry = false; // resumed while draining
      this.seq = 0;
      this.unacked = new Map();
      this.pending = [];
      this.pendingCount = 0;
      this.pendingBytes = 0;
      this.maxBytes = 16777216;
      this.flushQueued = false;
      this.callSeq = 0; // grid calls: id -> {s: slot, w: its Web Worker, k: the call's number there}
      this.calls = new Map();
      this.callsOut = [];
      this.callsBytes = 0;
      this.callsQueued = false;
      this.granted = 0;
      this.lastHeard = now();
      this.lastBeat = now();
      this.openedAt = now();
    }

    function send(c, msg) {
      sendText(c, JSON.stringify(msg));
    }
    function sendText(c, text) {
      if (c.closed || !c.ws || c.ws.readyState !== 1) return;
      try {
        c.ws.send(text);
      } catch (e) {
        warn('sending failed:', e);
        lost(c, 'send failed');
      }
    }

    function shouldRun() {
      return started && !stopped && !userPaused && !hiddenPaused && !batteryPaused;
    }

    function connect() {
      if (reconnectTimer) {
        clearTimeout(reconnectTimer);
        reconnectTimer = null;
      }
      if (conn || !shouldRun()) return;
      if (!frameReady) return;
      var c = new Conn();
      conn = c;
      var ws;
      try {
        ws = new WebSocket(wsUrl());
      } catch (e) {
        warn('cannot open ' + WS_URL + ':', e);
        conn = null;
        retry();
        return;
      }
      c.ws = ws;
      ws.onopen = guard(function () {
        if (conn !== c) return;
        c.lastHeard = now();
        var go = function () { if (conn === c && !c.closed) hello(c); };
        // one look at the battery, when the browser can tell, before saying hello
        if (battery === null && navigator.getBattery) {
          var done = false;
          var fin = function () { if (!done) { done = true; go(); } };
          try {
            navigator.getBattery().then(function (b) { battery = b; fin(); }, function () { battery = false; fin(); });
          } catch (e) { battery = false; fin(); }
          setTimeout(fin, 300);
        } else {
          go();
        }
      });
      ws.onmessage = function (ev) {
        if (conn !== c) return;
        c.lastHeard = now();
        try {
          onMessage(c, JSON.parse(ev.data));
        } catch (e) {
          warn('cannot handle a coordinator message:', e);
        }
      };
      ws.onclose = guard(function (ev) {
        if (c.welcome && !c.draining) {
          warn('lost the coordinator (' + ev.code + (ev.reason ? ' ' + ev.reason : '') + '); reconnecting');
        } else if (!c.welcome && !everReached) {
          everReached = true; // said once, not at every retry
          warn('cannot reach the coordinator at ' + WS_URL + ' (' + ev.code + '); retrying');
        }
        lost(c, ev.code + ' ' + ev.reason);
      });
      ws.onerror = function () { /* onclose follows */ };
    }

    function onMessage(c, m) {
      switch (m.type) {
        case 'welcome': {
          c.welcome = m;
          lastWorkAt = now();
          everReached = true;
          c.open = true;
          c.maxBytes = m.maxMessageBytes > 0 ? m.maxMessageBytes : 16777216;
          c.granted = SLOTS * 4;
          for (var i = 0; i < slots.length; i++) slots[i].post({t: 'limit', maxOutput: maxOutput()});
          send(c, {type: 'pull', credits: c.granted});
          if (c.draining) send(c, {type: 'drain', reason: 'paused'});
          break;
        }
        case 'tasks': onTasks(c, m); break;
        case 'ack':
          c.unacked.delete(m.seq);
          if (c.draining) checkDrained(c);
          break;
        case 'cancel': onCancel(c, m); break;
        case 'answers': onAnswers(c, m); break;
        case 'heartbeat': break;
        case 'error': warn('the coordinator reports ' + m.code + ': ' + m.message); break;
        default: break;
      }
    }

    function onTasks(c, m) {
      var infos = m.jobs || [];
      for (var i = 0; i < infos.length; i++) {
        jobs.set(infos[i].id, {info: infos[i], ver: ++jobVer, cancelled: false});
      }
      var tasks = m.tasks || [];
      if (tasks.length) lastWorkAt = now();
      if (c.draining || !shouldRun()) {
        var refs = [];
        for (var k = 0; k < tasks.length; k++) {
          var r = tasks[k];
          refs.push({job: r.job, level: r.level, index: r.index, attempt: r.attempt});
        }
        if (refs.length) send(c, {type: 'return', tasks: refs});
        return;
      }
      var refused = [];
      for (var n = 0; n < tasks.length; n++) {
        var t = tasks[n];
        t.lid = ++lidSeq;
        t.e = c.epoch;
        t.at = now();
        if (banned.has(t.job)) refused.push(t);
        else queue.push(t);
      }
      if (refused.length) failTasks(refused, BANNED);
      pump();
    }

    function onCancel(c, m) {
      var refs = m.tasks || [];
      if (refs.length === 0) {
        var j = jobs.get(m.job);
        if (j) {
          j.cancelled = true;
          // forget it a while later (the coordinator sends its descriptor again if it needs to)
          setTimeout(guard(function () {
            if (jobs.get(m.job) !== j) return;
            jobs.delete(m.job);
            for (var f = 0; f < slots.length; f++) {
              slots[f].known.delete(m.job);
              slots[f].post({t: 'forget', job: m.job});
            }
          }), 60000);
        }
        for (var r = 0; r < slots.length; r++) slots[r].rates.delete(m.job);
        var ofJob = function (t) { return t.job === m.job; };
        removeQueued(ofJob);
        for (var i = 0; i < slots.length; i++) {
          var s = slots[i];
          if (s.probe !== null) s.probe = s.probe.filter(function (t) { return !ofJob(t); });
          var waitingOfJob = false;
          s.suspended.forEach(function (t) { if (ofJob(t)) waitingOfJob = true; });
          if (s.inflight.some(ofJob) || waitingOfJob) s.post({t: 'drop', job: m.job});
        }
        return;
      }
      var keys = new Set();
      for (var k = 0; k < refs.length; k++) {
        var r = refs[k];
        keys.add(r.job + '/' + r.level + '/' + r.index + '#' + r.attempt);
      }
      // leases that ran out: queued ones go back (their credit with them); running ones finish
      var revoked = function (t) { return keys.has(t.job + '/' + t.level + '/' + t.index + '#' + t.attempt); };
      giveBack(removeQueued(revoked));
      for (var n = 0; n < slots.length; n++) {
        var p = slots[n].probe;
        if (p !== null && p.some(revoked)) {
          giveBack(p.filter(revoked));
          slots[n].probe = p.filter(function (t) { return !revoked(t); });
        }
      }
    }

    // A lease runs from when the coordinator sent the task: tasks that waited here for half their
    // time limit (behind a long or hung task) go back while they can still run elsewhere.
    function returnStale(c, t) {
      if (qh >= queue.length) return;
      var first = queue[qh];
      var j = jobs.get(first.job);
      if (!j || t - first.at < Math.max(1, j.info.timeoutMillis || 0) / 2) return;
      giveBack(removeQueued(function (q) {
        var qj = jobs.get(q.job);
        return !qj || t - q.at >= Math.max(1, qj.info.timeoutMillis || 0) / 2;
      }));
    }

    function removeQueued(which) {
      var kept = [];
      var removed = [];
      for (var i = qh; i < queue.length; i++) {
        var t = queue[i];
        if (which(t)) removed.push(t);
        else kept.push(t);
      }
      queue = kept;
      qh = 0;
      return removed;
    }

    // The connection is gone (or given up): its queued tasks were requeued by the coordinator.
    function lost(c, reason) {
      if (c.closed) return;
      c.closed = true;
      c.open = false;
      try {
        c.ws.onopen = c.ws.onmessage = c.ws.onclose = c.ws.onerror = null;
        if (c.ws.readyState <= 1) c.ws.close(1000, String(reason || 'closing').slice(0, 100));
      } catch (e) { /* closed already */ }
      failCalls(c);
      if (conn !== c) return;
      conn = null;
      queue = [];
      qh = 0;
      for (var i = 0; i < slots.length; i++) {
        if (slots[i].probe !== null) slots[i].probe = [];
        if (slots[i].inflight.length) slots[i].post({t: 'drop', all: 1});
      }
      var welcomed = c.welcome !== null;
      if (welcomed && now() - c.openedAt > 10000) backoff = 1000;
      if (shouldRun()) {
        if (c.draining) connect(); // resumed while pausing
        else retry();
      }
      if (stopped) terminateAll();
    }

    function retry() {
      if (reconnectTimer || !shouldRun()) return;
      var delay = backoff * (0.5 + Math.random());
      backoff = Math.min(30000, backoff * 2);
      reconnectTimer = setTimeout(function () {
        reconnectTimer = null;
        try { connect(); } catch (e) { warn('reconnecting failed:', e); }
      }, delay);
    }

    // Graceful: send drain, return queued tasks, let running ones finish, wait for acks, close.
    // Pausing ends every Web Worker at once (and whatever their code started with them): the CPU is
    // the visitor's again now, not when the running tasks end. Running and waiting tasks go back.
    function drain(c) {
      if (c.draining) return;
      c.draining = true;
      c.drainDeadline = now() + DRAIN_MILLIS;
      if (!c.welcome) {
        terminateAll();
        lost(c, 'paused');
        return;
      }
      send(c, {type: 'drain', reason: stopped ? 'stopped' : 'paused'});
      giveBack(removeQueued(function () { return true; }));
      terminateAll();
      checkDrained(c);
    }
    function checkDrained(c) {
      if (c.closed) return;
      var t = now();
      var busy = slots.some(function (s) { return s.inflight.length > 0 && s.w; });
      // tasks waiting for grid calls are not lost by a pause: it waits for them too, a while longer
      var waiting = slots.some(function (s) { return s.suspended.size > 0 && s.w; });
      if ((busy || waiting) && t < c.drainDeadline) return;
      if (waiting && !stopped && !c.hurry && t < c.drainDeadline + WAITING_DRAIN_MILLIS) return;
      flush(c);
      if (c.unacked.size > 0 && t < c.drainDeadline) return;
      lost(c, stopped ? 'stopped' : 'paused');
      // what still runs after the deadline is not wanted any more
      for (var i = 0; i < slots.length; i++) {
        if ((slots[i].inflight.length || slots[i].suspended.size) && slots[i].w) {
          slots[i].kill();
          if (!stopped) slots[i].spawn();
        }
      }
    }

    function terminateAll() {
      var all = slots;
      slots = [];
      for (var i = 0; i < all.length; i++) {
        if (all[i].probe !== null) giveBack(all[i].probe);
        all[i].probe = null;
        giveBack(all[i].kill());
      }
    }

    // ---- every 250 ms: credits, heartbeats, time limits, draining
    function tick() {
      var t = now();
      var c = conn;
      if (c && c.open) {
        if (!c.draining && shouldRun()) {
          var seconds = (t - lastTick) / 1000;
          var rate = (doneCount - lastDone) / Math.max(seconds, 1e-3);
          var target = Math.floor(Math.min(MAX_CREDITS, Math.max(SLOTS * 4, rate * 0.25)));
          if (target > c.granted) {
            send(c, {type: 'pull', credits: target - c.granted});
            c.granted = target;
          }
        }
        var hb = c.welcome.heartbeatMillis > 0 ? c.welcome.heartbeatMillis : 10000;
        if (t - c.lastHeard > 3 * hb) {
          warn('no word from the coordinator for ' + Math.round(t - c.lastHeard) + ' ms; reconnecting');
          lost(c, 'silent coordinator');
        } else if (t - c.lastBeat >= hb) {
          c.lastBeat = t;
          send(c, {type: 'heartbeat', time: Date.now()});
        }
        if (c.draining) checkDrained(c);
      } else if (c && !c.welcome && t - c.openedAt > 15000) {
        lost(c, 'no welcome');
      }
      lastDone = doneCount;
      lastTick = t;
      if (c && c.open) returnStale(c, t);
      busyRing.push([t, busyTick]);
      busyTick = 0;
      while (busyRing.length && busyRing[0][0] < t - 5000) busyRing.shift();
      watch();
    }

    var statsAt = 0;
    function publish() {
      try {
        document.dispatchEvent(new CustomEvent('partita:stats', {detail: snapshot()}));
      } catch (e) { warn('stats event failed:', e); }
    }

    function snapshot() {
      var t = now();
      var busy = 0;
      for (var i = 0; i < busyRing.length; i++) busy += busyRing[i][1];
      busy += busyTick;
      var wall = stats.firstTaskAt ? Math.min(5000, t - stats.firstTaskAt) : 0;
      var alive = slots.filter(function (s) { return s.w; }).length;
      var waiting = 0;
      for (var k = 0; k < slots.length; k++) waiting += slots[k].suspended.size;
      var busyNow = qh < queue.length || waiting > 0;
      for (var b = 0; b < slots.length && !busyNow; b++) busyNow = busySlot(slots[b]);
      if (busyNow) lastWorkAt = t;
      var open = !!(conn && conn.open);
      return {
        connected: open,
        idle: open && !busyNow && t - lastWorkAt > IDLE_AFTER,
        paused: !shouldRun(),
        consent: consent(),
        onBattery: batteryPaused,
        workers: alive,
        tasks: stats.tasks,
        failed: stats.failed,
        waiting: waiting,
        cpuMillis: Math.round(stats.cpuMillis),
        busyFraction: wall > 0 && alive > 0 ? Math.min(1, busy / (wall * Math.min(alive, SLOTS))) : 0,
        workerId: conn && conn.welcome ? conn.welcome.workerId : null,
        volunteer: conn && conn.welcome && conn.welcome.volunteer ? conn.welcome.volunteer : null,
        credit: credit
      };
    }

    function guard(f) {
      return function () {
        try {
          return f.apply(this, arguments);
        } catch (e) {
          warn(e);
        }
      };
    }

    // ---- the clock
    var onTick = guard(function () {
      tick();
      var t = now();
      if (t - statsAt >= 1000) {
        statsAt = t;
        publish();
      }
      if (t - creditAt >= 15000) {
        creditAt = t;
        refreshCredit();
      }
    });
    function startClock() {
      if (clockStarted) return;
      clockStarted = true;
      try {
        var ticker = new Worker(URL.createObjectURL(new Blob(['(' + tickerMain.toString() + ')();'], {type: 'text/javascript'})));
        ticker.onmessage = onTick;
        ticker.onerror = function (ev) {
          if (ev && ev.preventDefault) ev.preventDefault();
          ticker.terminate();
          setInterval(onTick, TICK);
        };
      } catch (e) {
        setInterval(onTick, TICK);
      }
    }

    function start() {
      if (stopped) return;
      var given = consent();
      if (given !== 'granted') {
        // nothing runs (no sandbox, no Web Worker, no connection) before the visitor says yes; a
        // visitor who said no is not asked again (unless the page calls Partita.consent())
        if (given === 'unanswered') showPrompt();
        return;
      }
      if (!started) {
        started = true;
        startClock();
        watchBattery();
        openSandbox();
        if (consentFrom === 'prompt') showRunning();
      }
      userPaused = false;
      if (document.visibilityState === 'hidden' && HIDDEN === 'pause') hiddenPaused = true;
      whenReady(connect);
    }

    // ---- on battery: paused while the Battery Status API says the device is discharging
    function watchBattery() {
      if (ON_BATTERY !== 'pause' || batteryWatched || !navigator.getBattery) return;
      batteryWatched = true;
      try {
        navigator.getBattery().then(function (b) {
          battery = b;
          var check = guard(function () {
            var discharging = b.charging === false;
            if (discharging && !batteryPaused) {
              batteryPaused = true;
              pause(false);
            } else if (!discharging && batteryPaused) {
              batteryPaused = false;
              if (!userPaused) resume();
            }
          });
          b.addEventListener('chargingchange', check);
          check();
        }, function () { /* not told: runs */ });
      } catch (e) { /* not told: runs */ }
    }

    // ---- consent
    // The answer is kept in this page's origin's localStorage (the answer only), per coordinator.
    var CONSENT_KEY = 'partita-consent:' + BASE;
    var consentFrom = CONSENT === 'granted' ? 'page' : null;
    var prompt = null;
    function stored() {
      try {
        return window.localStorage.getItem(CONSENT_KEY);
      } catch (e) {
        return null;
      }
    }
    function remember(answer) {
      try {
        window.localStorage.setItem(CONSENT_KEY, answer);
      } catch (e) { /* asked again next time */ }
    }
    // "granted", "denied" or "unanswered"
    function consent() {
      if (CONSENT === 'granted') return 'granted';
      var s = stored();
      if (s === 'granted') {
        if (consentFrom === null) consentFrom = 'prompt';
        return 'granted';
      }
      return s === 'denied' ? 'denied' : 'unanswered';
    }
    var STYLE = [
      ':where(.partita-consent){position:fixed;right:16px;bottom:16px;z-index:2147483000;max-width:360px;',
      'box-sizing:border-box;padding:14px 16px;background:#fff;color:#1d2430;border:1px solid #c9d1db;',
      'border-radius:10px;box-shadow:0 6px 24px rgba(0,0,0,.18);font:14px/1.45 system-ui,-apple-system,',
      '"Segoe UI",Roboto,sans-serif;text-align:left}',
      ':where(.partita-consent-title){margin:0 0 6px;font-weight:600;font-size:15px}',
      ':where(.partita-consent-text){margin:0 0 8px}',
      ':where(.partita-consent-buttons){display:flex;gap:8px;margin-top:10px;flex-wrap:wrap}',
      ':where(.partita-consent button){font:inherit;font-weight:600;padding:6px 14px;border-radius:6px;',
      'border:1px solid #2f6fed;background:#2f6fed;color:#fff;cursor:pointer}',
      ':where(.partita-consent button.partita-consent-deny,.partita-consent button.partita-consent-stop)',
      '{background:#fff;color:#2f6fed}',
      ':where(.partita-consent button:focus-visible,.partita-consent a:focus-visible){outline:2px solid #1d2430;',
      'outline-offset:2px}',
      ':where(.partita-consent a){color:#2f6fed}',
      ':where(.partita-consent.partita-running){padding:8px 12px}'
    ].join('');
    function el(tag, cls, text) {
      var e = document.createElement(tag);
      if (cls) e.className = cls;
      if (text) e.textContent = text;
      return e;
    }
    function box(running) {
      if (prompt !== null && prompt.parentNode) prompt.parentNode.removeChild(prompt);
      if (!document.getElementById('partita-consent-style')) {
        var st = el('style');
        st.id = 'partita-consent-style';
        st.textContent = STYLE; // a page whose CSP forbids it shows the box unstyled, or styles it
        (document.head || document.documentElement).appendChild(st);
      }
      prompt = el('div', 'partita-consent' + (running ? ' partita-running' : ''));
      prompt.setAttribute('role', running ? 'region' : 'dialog');
      prompt.setAttribute('aria-modal', 'false');
      prompt.setAttribute('tabindex', '-1');
      return prompt;
    }
    function place(node, focus) {
      (document.body || document.documentElement).appendChild(node);
      var active = document.activeElement;
      if (focus && (active === null || active === document.body || active === document.documentElement)) {
        try { focus.focus({preventScroll: true}); } catch (e) { /* not focusable */ }
      }
    }
    function manifestUrl() {
      return BASE + '/volunteer/manifest?format=html&cpu=' + encodeURIComponent(String(CPU));
    }
    function showPrompt() {
      if (stopped) return;
      if (!document.body) {
        document.addEventListener('DOMContentLoaded', guard(showPrompt), {once: true});
        return;
      }
      var d = box(false);
      var seq = ++promptSeq;
      d.setAttribute('aria-labelledby', 'partita-consent-title-' + seq);
      d.setAttribute('aria-describedby', 'partita-consent-text-' + seq);
      var title = el('p', 'partita-consent-title', 'Lend this browser\u2019s spare computing power?');
      title.id = 'partita-consent-title-' + seq;
      var host = src.host;
      var share = Math.round(CPU * 100);
      var text = el('p', 'partita-consent-text',
        'This site asks to run small computing tasks for ' + host + ' in the background: sandboxed, ' +
        'at most ' + share + '% of ' + SLOTS + ' processor core' + (SLOTS === 1 ? '' : 's') +
        ', only while this page is open and visible' + (ON_BATTERY === 'pause' ? ' and your device is not on battery' : '') +
        '. You can stop at any time with Stop, or by closing the page.');
      text.id = 'partita-consent-text-' + seq;
      var link = el('a', 'partita-consent-manifest', 'What would run on my machine');
      link.href = manifestUrl();
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      var buttons = el('div', 'partita-consent-buttons');
      var allow = el('button', 'partita-consent-allow', 'Allow');
      allow.type = 'button';
      var deny = el('button', 'partita-consent-deny', 'No thanks');
      deny.type = 'button';
      allow.onclick = guard(function () { answer('granted'); });
      deny.onclick = guard(function () { answer('denied'); });
      d.addEventListener('keydown', function (ev) {
        if (ev.key === 'Escape') close(); // no answer: asked again next time
      });
      buttons.appendChild(allow);
      buttons.appendChild(deny);
      d.appendChild(title);
      d.appendChild(text);
      d.appendChild(link);
      d.appendChild(buttons);
      place(d, allow);
    }
    var promptSeq = 0;
    function close() {
      if (prompt !== null && prompt.parentNode) prompt.parentNode.removeChild(prompt);
      prompt = null;
    }
    function answer(a) {
      remember(a);
      close();
      try {
        document.dispatchEvent(new CustomEvent('partita:consent', {detail: {consent: a}}));
      } catch (e) { /* no event then */ }
      if (a === 'granted') {
        consentFrom = 'prompt';
        start();
      } else if (started) {
        pause(true);
      }
    }
    // While it runs with the visitor's consent, a small box says so and offers Stop.
    function showRunning() {
      if (!document.body) {
        document.addEventListener('DOMContentLoaded', guard(showRunning), {once: true});
        return;
      }
      var d = box(true);
      d.setAttribute('aria-label', 'Partita computing');
      var text = el('span', 'partita-consent-text', 'Computing for ' + src.host + ' (at most ' +
        Math.round(CPU * 100) + '% CPU). ');
      var link = el('a', 'partita-consent-manifest', 'What runs');
      link.href = manifestUrl();
      link.target = '_blank';
      link.rel = 'noopener noreferrer';
      var stopButton = el('button', 'partita-consent-stop', 'Stop');
      stopButton.type = 'button';
      stopButton.onclick = guard(function () { answer('denied'); });
      d.appendChild(text);
      d.appendChild(link);
      var buttons = el('div', 'partita-consent-buttons');
      buttons.appendChild(stopButton);
      d.appendChild(buttons);
      place(d, null);
    }

    // Connects once a Web Worker is up (or gives up after 10 s, saying why).
    function whenReady(f) {
      var t0 = now();
      var check = function () {
        if (frameReady) return f();
        if (frameFailed || now() - t0 > 20000) return; // openSandbox said why

        setTimeout(guard(check), 50);
      };
      check();
    }

    function pause(user) {
      if (user) userPaused = true;
      if (reconnectTimer) {
        clearTimeout(reconnectTimer);
        reconnectTimer = null;
      }
      if (conn) drain(conn);
    }

    function resume() {
      if (stopped) return;
      if (!started) return start();
      if (consent() !== 'granted') return start();
      userPaused = false;
      if (hiddenPaused || batteryPaused) return;
      if (!conn) {
        backoff = 1000;
        whenReady(connect);
      } else if (conn.draining && !conn.hurry) {
        // draining: lost() reconnects when the drain ends, which waits no more for tasks that
        // wait for grid calls (they go back to the coordinator)
        conn.hurry = true;
        checkDrained(conn);
      }
    }

    function stop() {
      if (stopped) return;
      stopped = true;
      started = started || false;
      if (reconnectTimer) {
        clearTimeout(reconnectTimer);
        reconnectTimer = null;
      }
      if (conn) drain(conn);
      else terminateAll();
    }

    document.addEventListener('visibilitychange', guard(function () {
      if (HIDDEN !== 'pause' || !started || stopped) return;
      if (document.visibilityState === 'hidden') {
        if (!hiddenPaused) {
          hiddenPaused = true;
          pause(false);
        }
      } else if (hiddenPaused) {
        hiddenPaused = false;
        if (!userPaused) resume();
      }
    }));

    window.Partita = Object.freeze({
      version: VERSION,
      start: guard(start),
      pause: guard(function () { pause(true); }),
      resume: guard(resume),
      stop: guard(stop),
      stats: guard(snapshot),
      consent: guard(function () { close(); showPrompt(); }),
      settings: Object.freeze({coordinator: BASE, job: JOB, cpu: CPU, workers: SLOTS, hidden: HIDDEN, autostart: AUTOSTART,
        consent: CONSENT, onBattery: ON_BATTERY})
    });

    if (AUTOSTART) start();
  }
})();
