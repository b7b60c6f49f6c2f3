/*
 * Partita data engine for JavaScript: the map and reduce sides of MapReduce tasks and of query
 * jobs, for browser volunteers (importScripts in a Web Worker) and Java workers (GraalJS, evaluated
 * as a script before the job module). A classic script without imports; it defines
 * globalThis.PartitaData:
 *
 *   PartitaData.map(text, info, fns, reducers)  -> {runs: [string], counters}
 *   PartitaData.reduce(runs, fns)               -> {output: string, counters}
 *   PartitaData.queryMap(text, info, plan)      -> {runs: [string], counters}
 *   PartitaData.queryReduce(runs, plan)         -> {output: string, counters}
 *   PartitaData.reducer(keyText, reducers)      -> int
 *
 * info = {format: "text"|"csv"|"jsonl", columns: [...], onBadRecord: "fail"|"skip", firstLine: N}.
 * fns = {map(record, emit), combine?(key, values, emit), reduce(key, values, emit)}, synchronous.
 * counters = {recordsIn, recordsOut, badRecords, keys, skipped: [{line, error}]}.
 *
 * Everything here mirrors the Java side in io.partita.data (Records, Csv, JsonSyntax, MapSide,
 * ReduceSide, KeyHash, Values, Condition, QueryPlan) line for line: for queries the runs and
 * outputs are byte-identical to the Java engine's, and the unit tests check it. Change both
 * together. See docs/data-engine.md.
 */
(function (global) {
  'use strict';

  var COMBINE_AT = 32;
  var MAX_SKIPPED = 10;
  var NUMERIC = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
  var MAX_DEPTH = 500;

  // ------------------------------------------------------------------ records

  function newCounters() {
    return { recordsIn: 0, recordsOut: 0, badRecords: 0, keys: 0, skipped: [] };
  }

  function bad(info, counters, line, error) {
    if (info.onBadRecord !== 'skip') {
      throw new Error('line ' + line + ': ' + error);
    }
    counters.badRecords++;
    if (counters.skipped.length < MAX_SKIPPED) {
      counters.skipped.push({ line: line, error: error });
    }
  }

  function CsvError(message) {
    this.message = message;
  }

  /** Appends the fields of one CSV line to out and returns how many there were (Java: Csv.parse). */
  function csvParse(line, out) {
    var n = line.length;
    var count = 0;
    var i = 0;
    for (;;) {
      if (i < n && line.charCodeAt(i) === 34) {
        var start = i + 1;
        var parts = null;
        var j = start;
        for (;;) {
          var q = line.indexOf('"', j);
          if (q < 0) {
            throw new CsvError('unterminated quoted field starting at column ' + (i + 1));
          }
          if (q + 1 < n && line.charCodeAt(q + 1) === 34) {
            parts = (parts === null ? '' : parts) + line.substring(j, q + 1);
            j = q + 2;
            continue;
          }
          out.push(parts === null ? line.substring(start, q) : parts + line.substring(j, q));
          count++;
          i = q + 1;
          break;
        }
        if (i === n) {
          return count;
        }
        if (line.charCodeAt(i) !== 44) {
          throw new CsvError('expected "," after the closing quote at column ' + (i + 1));
        }
        i++;
      } else {
        var c = line.indexOf(',', i);
        if (c < 0) {
          out.push(line.substring(i));
          return count + 1;
        }
        out.push(line.substring(i, c));
        count++;
        i = c + 1;
      }
    }
  }

  /** Describes the first syntax error of a line JSON.parse rejected (Java: JsonSyntax). */
  function jsonError(s) {
    var n = s.length;
    var i = 0;
    function Failure(message) {
      this.message = message;
    }
    function unexpected() {
      if (i >= n) {
        return new Failure('unexpected end of input');
      }
      return new Failure('unexpected ' + JSON.stringify(s.charAt(i)) + ' at column ' + (i + 1));
    }
    function ws() {
      while (i < n) {
        var c = s.charCodeAt(i);
        if (c !== 32 && c !== 9 && c !== 10 && c !== 13) {
          return;
        }
        i++;
      }
    }
    function isDigit(c) {
      return c >= 48 && c <= 57;
    }
    function isHex(c) {
      return (c >= 48 && c <= 57) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
    }
    function string() {
      i++;
      for (;;) {
        if (i >= n) {
          throw unexpected();
        }
        var c = s.charCodeAt(i);
        if (c === 34) {
          i++;
          return;
        }
        if (c < 0x20) {
          throw unexpected();
        }
        if (c === 92) {
          i++;
          if (i >= n) {
            throw unexpected();
          }
          var e = s.charAt(i);
          if (e === 'u') {
            i++;
            for (var k = 0; k < 4; k++) {
              if (i >= n || !isHex(s.charCodeAt(i))) {
                throw unexpected();
              }
              i++;
            }
            continue;
          }
          if ('"\\/bfnrt'.indexOf(e) < 0) {
            throw unexpected();
          }
        }
        i++;
      }
    }
    function digits() {
      if (i >= n || !isDigit(s.charCodeAt(i))) {
        throw unexpected();
      }
      while (i < n && isDigit(s.charCodeAt(i))) {
        i++;
      }
    }
    function number() {
      if (s.charAt(i) === '-') {
        i++;
      }
      if (i < n && s.charAt(i) === '0') {
        i++;
      } else {
        digits();
      }
      if (i < n && s.charAt(i) === '.') {
        i++;
        digits();
      }
      if (i < n && (s.charAt(i) === 'e' || s.charAt(i) === 'E')) {
        i++;
        if (i < n && (s.charAt(i) === '+' || s.charAt(i) === '-')) {
          i++;
        }
        digits();
      }
    }
    function literal(word) {
      for (var k = 0; k < word.length; k++) {
        if (i >= n || s.charAt(i) !== word.charAt(k)) {
          throw unexpected();
        }
        i++;
      }
    }
    function member() {
      if (i >= n || s.charAt(i) !== '"') {
        throw unexpected();
      }
      string();
      ws();
      if (i >= n || s.charAt(i) !== ':') {
        throw unexpected();
      }
      i++;
      ws();
    }
    try {
      var stack = [];
      ws();
      value: for (;;) {
        if (i >= n) {
          throw unexpected();
        }
        var c = s.charAt(i);
        if (c === '{' || c === '[') {
          if (stack.length >= MAX_DEPTH) {
            throw new Failure('nested deeper than ' + MAX_DEPTH + ' levels at column ' + (i + 1));
          }
          i++;
          ws();
          var close = c === '{' ? '}' : ']';
          if (i < n && s.charAt(i) === close) {
            i++;
          } else {
            stack.push(c);
            if (c === '{') {
              member();
            }
            continue;
          }
        } else if (c === '"') {
          string();
        } else if (c === '-' || isDigit(s.charCodeAt(i))) {
          number();
        } else if (c === 't') {
          literal('true');
        } else if (c === 'f') {
          literal('false');
        } else if (c === 'n') {
          literal('null');
        } else {
          throw unexpected();
        }
        for (;;) {
          ws();
          if (stack.length === 0) {
            if (i < n) {
              throw unexpected();
            }
            return 'unsupported JSON';
          }
          var top = stack[stack.length - 1];
          if (i < n && s.charAt(i) === ',') {
            i++;
            ws();
            if (top === '{') {
              member();
            }
            continue value;
          }
          if (i < n && s.charAt(i) === (top === '{' ? '}' : ']')) {
            i++;
            stack.pop();
            continue;
          }
          throw unexpected();
        }
      }
    } catch (f) {
      if (f instanceof Failure) {
        return f.message;
      }
      throw f;
    }
  }

  /** Whether valid JSON text nests deeper than the Java side's parser accepts. */
  function tooDeep(s) {
    var depth = 0;
    var inString = false;
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (inString) {
        if (c === 92) {
          i++;
        } else if (c === 34) {
          inString = false;
        }
      } else if (c === 34) {
        inString = true;
      } else if (c === 91 || c === 123) {
        if (++depth > MAX_DEPTH) {
          return true;
        }
      } else if (c === 93 || c === 125) {
        depth--;
      }
    }
    return false;
  }

  function blank(s) {
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c !== 32 && c !== 9) {
        return false;
      }
    }
    return true;
  }

  function toObject(columns, fields) {
    var o = {};
    for (var i = 0; i < columns.length; i++) {
      var k = columns[i];
      if (k === '__proto__') {
        Object.defineProperty(o, k, { value: fields[i], enumerable: true, writable: true, configurable: true });
      } else {
        o[k] = fields[i];
      }
    }
    return o;
  }

  function columnsOf(info) {
    if (info.columns) {
      return info.columns;
    }
    return info.format === 'text' ? ['line'] : [];
  }

  /**
   * Calls fn(line, record) for each record of a split (Java: Records.read). raw: csv records are
   * arrays of fields instead of objects.
   */
  function eachRecord(text, info, counters, raw, fn) {
    var format = info.format;
    if (format !== 'text' && format !== 'csv' && format !== 'jsonl') {
      throw new Error('unknown format ' + JSON.stringify(format) + '; expected text, csv or jsonl');
    }
    var columns = columnsOf(info);
    var width = columns.length;
    var line = info.firstLine || 1;
    var end = text.length;
    var p = end > 0 && text.charCodeAt(0) === 0xfeff ? 1 : 0;
    var fields = [];
    while (p < end) {
      var nl = text.indexOf('\n', p);
      if (nl < 0) {
        nl = end;
      }
      var ce = nl;
      if (ce > p && text.charCodeAt(ce - 1) === 13) {
        ce--;
      }
      var s = text.substring(p, ce);
      if (format === 'text') {
        counters.recordsIn++;
        fn(line, s);
      } else if (format === 'csv') {
        if (s.length > 0) {
          fields.length = 0;
          var error = null;
          try {
            var found = csvParse(s, fields);
            if (found !== width) {
              error = 'expected ' + width + ' fields, found ' + found;
            }
          } catch (e) {
            if (!(e instanceof CsvError)) {
              throw e;
            }
            error = e.message;
          }
          if (error !== null) {
            bad(info, counters, line, error);
          } else {
            counters.recordsIn++;
            fn(line, raw ? fields.slice() : toObject(columns, fields));
          }
        }
      } else if (!blank(s)) {
        var record;
        var ok = true;
        try {
          record = JSON.parse(s);
        } catch (e) {
          ok = false;
        }
        if (ok && s.length > 2 * MAX_DEPTH && tooDeep(s)) {
          ok = false;
        }
        if (ok) {
          counters.recordsIn++;
          fn(line, record);
        } else {
          bad(info, counters, line, 'not valid JSON: ' + jsonError(s));
        }
      }
      line++;
      p = nl + 1;
    }
  }

  // ------------------------------------------------------------------ MapReduce

  function stringify(v) {
    var t = JSON.stringify(v);
    return t === undefined ? 'null' : t;
  }

  /** A pair of a map-only or reduce task's output (Java: MapSide.outputLines). */
  function outputLine(k, v) {
    return '{"key":' + stringify(k) + ',"value":' + stringify(v) + '}\n';
  }

  function checkSync(result, what) {
    if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
      throw new Error(what + ' must be synchronous; it returned a Promise');
    }
  }

  /** The reducer of a key's JSON text (Java: KeyHash). */
  function reducer(keyText, reducers) {
    if (!(reducers >= 1)) {
      throw new Error('reducers must be at least 1, was ' + reducers);
    }
    var h = 0;
    for (var i = 0; i < keyText.length; i++) {
      h = (Math.imul(31, h) + keyText.charCodeAt(i)) | 0;
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return (h >>> 0) % reducers;
  }

  /** The pairs of one key on the map side: the first key emitted, its JSON text, the values. */
  function Group(key, text) {
    this.key = key;
    this.text = text;
    this.values = [];
    this.combineAt = COMBINE_AT;
  }

  function textOf(g) {
    if (g.text === null) {
      g.text = stringify(g.key);
    }
    return g.text;
  }

  /** The map side of a MapReduce task (Java: MapSide.map). */
  function map(text, info, fns, reducers) {
    if (typeof reducers !== 'number' || !(reducers >= 0) || Math.floor(reducers) !== reducers) {
      throw new Error('reducers must be an integer, at least 0, was ' + reducers);
    }
    if (!fns || typeof fns.map !== 'function') {
      throw new Error('a MapReduce module must export map(record, emit)');
    }
    var counters = newCounters();
    if (reducers === 0) {
      var out = [];
      var emitOut = function (k, v) {
        out.push(outputLine(k, v));
        counters.recordsOut++;
      };
      eachRecord(text, info, counters, false, function (line, record) {
        checkSync(fns.map(record, emitOut), 'map');
      });
      return { runs: [out.join('')], counters: counters };
    }
    var combine = typeof fns.combine === 'function' ? fns.combine : null;
    // Groups by key: string keys by the string itself (no JSON text per pair), other keys by their
    // JSON text; the text of a string key is computed once, at the end (Java: Json.canonicalKey).
    var strings = new Map();
    var others = new Map();
    var combined = [];
    var current = null;
    var collect = function (k, v) {
      if (k !== current.key && stringify(k) !== textOf(current)) {
        throw new Error('combine emitted key ' + stringify(k) + ' for key ' + textOf(current) + '; it must emit pairs of the key it was given');
      }
      combined.push(v);
    };
    function runCombine(g) {
      current = g;
      combined = [];
      checkSync(combine(g.key, g.values, collect), 'combine');
      g.values = combined;
      current = null;
    }
    var emit = function (k, v) {
      var g;
      if (typeof k === 'string') {
        g = strings.get(k);
        if (g === undefined) {
          g = new Group(k, null);
          strings.set(k, g);
        }
      } else {
        var t = stringify(k);
        if (t.charCodeAt(0) === 34) {
          // a String object or a toJSON giving a string: the same group as that string
          emit(JSON.parse(t), v);
          return;
        }
        g = others.get(t);
        if (g === undefined) {
          g = new Group(k, t);
          others.set(t, g);
        }
      }
      if (combine !== null) {
        var values = g.values;
        values.push(v);
        if (values.length >= g.combineAt) {
          runCombine(g);
          g.combineAt = Math.max(COMBINE_AT, 2 * g.values.length);
        }
      } else {
        g.values.push(stringify(v));
      }
    };
    eachRecord(text, info, counters, false, function (line, record) {
      checkSync(fns.map(record, emit), 'map');
    });
    // The keys in order of their JSON text (the built-in sort: UTF-16 code units, as Java's).
    var byText = others;
    var texts = Array.from(others.keys());
    strings.forEach(function (g) {
      g.text = stringify(g.key);
      byText.set(g.text, g);
      texts.push(g.text);
    });
    strings = null;
    texts.sort();
    var runs = [];
    for (var r = 0; r < reducers; r++) {
      runs.push([]);
    }
    for (var i = 0; i < texts.length; i++) {
      var g = byText.get(texts[i]);
      if (combine !== null) {
        runCombine(g);
      }
      var n = g.values.length;
      if (n === 0) {
        continue;
      }
      var run = runs[reducer(g.text, reducers)];
      var prefix = '[' + g.text + ',';
      for (var j = 0; j < n; j++) {
        run.push(prefix + (combine !== null ? stringify(g.values[j]) : g.values[j]) + ']\n');
      }
      counters.recordsOut += n;
      counters.keys++;
      g.values = null;
    }
    return { runs: runs.map(function (a) { return a.join(''); }), counters: counters };
  }

  /** The index just past the compact JSON value that starts at i (Java: Json.valueEnd). */
  function valueEnd(s, i, end) {
    if (i >= end) {
      throw new Error('expected a JSON value');
    }
    var c = s.charCodeAt(i);
    if (c === 34) {
      return stringEnd(s, i, end);
    }
    if (c === 91 || c === 123) {
      var depth = 0;
      while (i < end) {
        c = s.charCodeAt(i);
        if (c === 34) {
          i = stringEnd(s, i, end);
          continue;
        }
        if (c === 91 || c === 123) {
          depth++;
        } else if (c === 93 || c === 125) {
          if (--depth === 0) {
            return i + 1;
          }
        }
        i++;
      }
      throw new Error('unterminated JSON array or object');
    }
    while (i < end) {
      c = s.charCodeAt(i);
      if (c === 44 || c === 93 || c === 125) {
        break;
      }
      i++;
    }
    return i;
  }

  function stringEnd(s, i, end) {
    i++;
    while (i < end) {
      var c = s.charCodeAt(i);
      if (c === 92) {
        i += 2;
      } else if (c === 34) {
        return i + 1;
      } else {
        i++;
      }
    }
    throw new Error('unterminated JSON string');
  }

  function Cursor(s, index) {
    this.s = s;
    this.index = index;
    this.pos = 0;
    this.line = 0;
    this.key = null;
    this.value = null;
  }

  Cursor.prototype.advance = function () {
    var s = this.s;
    if (this.pos >= s.length) {
      return false;
    }
    var nl = s.indexOf('\n', this.pos);
    if (nl < 0) {
      nl = s.length;
    }
    this.line++;
    var start = this.pos;
    var end = nl;
    var malformed = 'run ' + this.index + ' line ' + this.line + ' is not a [key,value] array';
    if (end - start < 5 || s.charCodeAt(start) !== 91 || s.charCodeAt(end - 1) !== 93) {
      throw new Error(malformed);
    }
    var ke;
    try {
      ke = valueEnd(s, start + 1, end - 1);
    } catch (e) {
      throw new Error(malformed);
    }
    if (ke >= end - 1 || s.charCodeAt(ke) !== 44 || ke + 1 >= end - 1) {
      throw new Error(malformed);
    }
    var key = s.substring(start + 1, ke);
    if (this.key !== null && this.key > key) {
      throw new Error('run ' + this.index + ' is not sorted by key at line ' + this.line);
    }
    this.key = key;
    this.value = s.substring(ke + 1, end - 1);
    this.pos = nl + 1;
    return true;
  };

  function cursorLess(a, b) {
    return a.key < b.key || (a.key === b.key && a.index < b.index);
  }

  function Heap() {
    this.a = [];
  }
  Heap.prototype.push = function (x) {
    var a = this.a;
    var i = a.length;
    a.push(x);
    while (i > 0) {
      var p = (i - 1) >> 1;
      if (!cursorLess(a[i], a[p])) {
        break;
      }
      var t = a[i];
      a[i] = a[p];
      a[p] = t;
      i = p;
    }
  };
  Heap.prototype.pop = function () {
    var a = this.a;
    var top = a[0];
    var last = a.pop();
    if (a.length > 0) {
      a[0] = last;
      var i = 0;
      for (;;) {
        var l = 2 * i + 1;
        var r = l + 1;
        var m = i;
        if (l < a.length && cursorLess(a[l], a[m])) {
          m = l;
        }
        if (r < a.length && cursorLess(a[r], a[m])) {
          m = r;
        }
        if (m === i) {
          break;
        }
        var t = a[i];
        a[i] = a[m];
        a[m] = t;
        i = m;
      }
    }
    return top;
  };

  /** The reduce side of a MapReduce task (Java: ReduceSide.reduce). */
  function reduce(runs, fns) {
    if (!fns || typeof fns.reduce !== 'function') {
      throw new Error('a MapReduce module must export reduce(key, values, emit)');
    }
    var counters = newCounters();
    var heap = new Heap();
    for (var i = 0; i < runs.length; i++) {
      var c = new Cursor(runs[i], i);
      if (c.advance()) {
        heap.push(c);
      }
    }
    var out = [];
    var emit = function (k, v) {
      out.push(outputLine(k, v));
      counters.recordsOut++;
    };
    while (heap.a.length > 0) {
      var first = heap.pop();
      var tied = [first];
      var keyText = first.key;
      while (heap.a.length > 0 && heap.a[0].key === keyText) {
        tied.push(heap.pop());
      }
      var key = JSON.parse(keyText);
      var values = [];
      for (var t = 0; t < tied.length; t++) {
        var cur = tied[t];
        var more;
        do {
          values.push(JSON.parse(cur.value));
          more = cur.advance();
        } while (more && cur.key === keyText);
        if (more) {
          heap.push(cur);
        }
      }
      counters.recordsIn += values.length;
      counters.keys++;
      checkSync(fns.reduce(key, values, emit), 'reduce');
    }
    return { output: out.join(''), counters: counters };
  }

  // ------------------------------------------------------------------ queries (Java: Values, Condition, QueryPlan)

  function toNumber(v) {
    if (typeof v === 'number') {
      return v;
    }
    if (typeof v === 'string' && NUMERIC.test(v)) {
      return Number(v);
    }
    return NaN;
  }

  function toStr(v) {
    if (typeof v === 'string') {
      return v;
    }
    if (typeof v === 'number') {
      return String(v);
    }
    if (typeof v === 'boolean') {
      return v ? 'true' : 'false';
    }
    return null;
  }

  function toBool(v) {
    if (typeof v === 'boolean') {
      return v;
    }
    if (v === 'true') {
      return true;
    }
    if (v === 'false') {
      return false;
    }
    return null;
  }

  function norm(v) {
    return v === undefined ? null : v;
  }

  function display(v) {
    var s = stringify(v);
    return s.length > 50 ? s.substring(0, 50) + '...' : s;
  }

  function equal(lit, v) {
    if (typeof lit === 'number') {
      return toNumber(v) === lit;
    }
    if (typeof lit === 'string') {
      return toStr(v) === lit;
    }
    return toBool(v) === lit;
  }

  function test(c, v) {
    var lit = c.value;
    var s;
    switch (c.op) {
      case 'is null':
        return v === null;
      case 'is not null':
        return v !== null;
      case 'in':
        for (var i = 0; i < lit.length; i++) {
          if (equal(lit[i], v)) {
            return true;
          }
        }
        return false;
      case '=':
        return equal(lit, v);
      case 'contains':
        s = toStr(v);
        return s !== null && s.indexOf(lit) >= 0;
      case 'startsWith':
        s = toStr(v);
        return s !== null && s.lastIndexOf(lit, 0) === 0;
      default:
        break;
    }
    var cmp;
    if (typeof lit === 'number') {
      var x = toNumber(v);
      if (x !== x) {
        return false;
      }
      cmp = x < lit ? -1 : x > lit ? 1 : 0;
    } else if (typeof lit === 'string') {
      s = toStr(v);
      if (s === null) {
        return false;
      }
      cmp = s < lit ? -1 : s > lit ? 1 : 0;
    } else {
      var b = toBool(v);
      if (b === null) {
        return false;
      }
      cmp = b === lit ? 0 : 1;
    }
    switch (c.op) {
      case '!=':
        return cmp !== 0;
      case '<':
        return cmp < 0;
      case '<=':
        return cmp <= 0;
      case '>':
        return cmp > 0;
      case '>=':
        return cmp >= 0;
      default:
        throw new Error('unknown operator ' + JSON.stringify(c.op));
    }
  }

  function sortKey(v) {
    if (v === null) {
      return { kind: 4, num: 0, text: null };
    }
    if (typeof v === 'number') {
      return v !== v ? { kind: 4, num: 0, text: null } : { kind: 0, num: v, text: null };
    }
    if (typeof v === 'string') {
      return NUMERIC.test(v) ? { kind: 0, num: Number(v), text: null } : { kind: 1, num: 0, text: v };
    }
    if (typeof v === 'boolean') {
      return { kind: 2, num: v ? 1 : 0, text: null };
    }
    return { kind: 3, num: 0, text: JSON.stringify(v) };
  }

  function compareKeys(a, b) {
    if (a.kind !== b.kind) {
      return a.kind < b.kind ? -1 : 1;
    }
    if (a.kind === 0 || a.kind === 2) {
      return a.num < b.num ? -1 : a.num > b.num ? 1 : 0;
    }
    if (a.kind === 1 || a.kind === 3) {
      return a.text < b.text ? -1 : a.text > b.text ? 1 : 0;
    }
    return 0;
  }

  function prepare(plan) {
    var aggregates = plan.aggregates || [];
    var groupBy = plan.groupBy || [];
    var orderBy = plan.orderBy || [];
    var columns = plan.columns || [];
    var limit = plan.limit === undefined || plan.limit === null ? -1 : plan.limit;
    var grouped = groupBy.length > 0 || aggregates.length > 0;
    var output = columns.concat(aggregates.map(function (a) { return a.as; }));
    var orderIndex = orderBy.map(function (k) {
      var i = output.indexOf(k.column);
      if (i < 0) {
        throw new Error('malformed query plan: orderBy column ' + k.column + ' is not in the output');
      }
      return i;
    });
    return {
      format: plan.format,
      where: plan.where || [],
      columns: columns,
      groupBy: groupBy,
      aggregates: aggregates,
      orderBy: orderBy,
      limit: limit,
      grouped: grouped,
      output: output,
      groupIndex: columns.map(function (c) { return groupBy.indexOf(c); }),
      orderIndex: orderIndex,
      reducers: grouped || orderBy.length > 0 || limit >= 0 ? 1 : 0
    };
  }

  function makeRow(q, values) {
    var keys = null;
    if (q.orderIndex.length > 0) {
      keys = [];
      for (var i = 0; i < q.orderIndex.length; i++) {
        keys.push(sortKey(values[q.orderIndex[i]]));
      }
    }
    return { values: values, keys: keys };
  }

  function sortAndCut(q, rows) {
    if (q.orderIndex.length > 0) {
      rows.sort(function (a, b) {
        for (var i = 0; i < q.orderIndex.length; i++) {
          var c = compareKeys(a.keys[i], b.keys[i]);
          if (c !== 0) {
            return q.orderBy[i].desc ? -c : c;
          }
        }
        return 0;
      });
    }
    if (q.limit >= 0 && rows.length > q.limit) {
      rows.length = q.limit;
    }
  }

  function objectLine(names, values) {
    var parts = [];
    for (var i = 0; i < names.length; i++) {
      parts.push(JSON.stringify(names[i]) + ':' + stringify(values[i]));
    }
    return '{' + parts.join(',') + '}\n';
  }

  function stateNumber(x) {
    return isFinite(x) ? String(x) : '"' + String(x) + '"';
  }

  function readStateNumber(x) {
    return typeof x === 'string' ? Number(x) : x;
  }

  function newState(key, n) {
    var s = { key: key, count: [], num: [], has: [] };
    for (var i = 0; i < n; i++) {
      s.count.push(0);
      s.num.push(0);
      s.has.push(false);
    }
    return s;
  }

  function accumulate(s, i, fn, x, count) {
    switch (fn) {
      case 'sum':
        s.num[i] += x;
        break;
      case 'avg':
        s.num[i] += x;
        s.count[i] += count;
        break;
      case 'min':
        if (!s.has[i] || x < s.num[i]) {
          s.num[i] = x;
          s.has[i] = true;
        }
        break;
      case 'max':
        if (!s.has[i] || x > s.num[i]) {
          s.num[i] = x;
          s.has[i] = true;
        }
        break;
      default:
        s.count[i] += count;
    }
  }

  function writeState(s, i, fn) {
    switch (fn) {
      case 'count':
        return String(s.count[i]);
      case 'sum':
        return stateNumber(s.num[i]);
      case 'min':
      case 'max':
        return s.has[i] ? stateNumber(s.num[i]) : 'null';
      default:
        return '[' + stateNumber(s.num[i]) + ',' + s.count[i] + ']';
    }
  }

  /** The map side of a query (Java: QueryPlan.map). */
  function queryMap(text, info, plan) {
    var q = prepare(plan);
    if (info.format !== q.format) {
      throw new Error('the plan is for ' + q.format + ' data, the split is ' + info.format);
    }
    var counters = newCounters();
    var splitColumns = columnsOf(info);
    var format = q.format;
    function indexes(names) {
      return names.map(function (c) { return splitColumns.indexOf(c); });
    }
    function get(record, column, index) {
      if (format === 'text') {
        return column === 'line' ? record : null;
      }
      if (format === 'csv') {
        if (index < 0) {
          return null;
        }
        var f = record[index];
        return f === '' ? null : f;
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        return null;
      }
      return Object.prototype.hasOwnProperty.call(record, column) ? norm(record[column]) : null;
    }
    var where = q.where;
    var whereIdx = indexes(where.map(function (c) { return c.column; }));
    var columnIdx = indexes(q.columns);
    var groupIdx = indexes(q.groupBy);
    var aggIdx = indexes(q.aggregates.map(function (a) { return a.column === null || a.column === undefined ? '' : a.column; }));
    function passes(record) {
      for (var i = 0; i < where.length; i++) {
        if (!test(where[i], get(record, where[i].column, whereIdx[i]))) {
          return false;
        }
      }
      return true;
    }
    function project(record) {
      var values = [];
      for (var i = 0; i < q.columns.length; i++) {
        values.push(get(record, q.columns[i], columnIdx[i]));
      }
      return values;
    }
    var out = [];
    if (q.grouped) {
      var aggs = q.aggregates;
      var n = aggs.length;
      var groups = new Map();
      var vals = new Array(n);
      eachRecord(text, info, counters, true, function (line, record) {
        if (!passes(record)) {
          return;
        }
        for (var i = 0; i < n; i++) {
          var a = aggs[i];
          var hasColumn = a.column !== null && a.column !== undefined;
          var v = hasColumn ? get(record, a.column, aggIdx[i]) : null;
          if (v !== null && a.fn !== 'count' && toNumber(v) !== toNumber(v)) {
            bad(info, counters, line, 'column ' + JSON.stringify(a.column) + ' is not a number: ' + display(v));
            return;
          }
          vals[i] = v;
        }
        var keyValues = [];
        for (var k = 0; k < q.groupBy.length; k++) {
          keyValues.push(get(record, q.groupBy[k], groupIdx[k]));
        }
        var key = JSON.stringify(keyValues);
        var s = groups.get(key);
        if (s === undefined) {
          s = newState(key, n);
          groups.set(key, s);
        }
        for (var j = 0; j < n; j++) {
          var ag = aggs[j];
          if (ag.fn === 'count') {
            if (ag.column === null || ag.column === undefined || vals[j] !== null) {
              s.count[j]++;
            }
          } else if (vals[j] !== null) {
            accumulate(s, j, ag.fn, toNumber(vals[j]), 1);
          }
        }
      });
      groups.forEach(function (s) {
        var line = '[' + s.key;
        for (var i = 0; i < n; i++) {
          line += ',' + writeState(s, i, aggs[i].fn);
        }
        out.push(line + ']\n');
      });
      counters.recordsOut += groups.size;
      counters.keys += groups.size;
    } else if (q.reducers === 0) {
      eachRecord(text, info, counters, true, function (line, record) {
        if (passes(record)) {
          out.push(objectLine(q.columns, project(record)));
          counters.recordsOut++;
        }
      });
    } else {
      var rows = [];
      var compactAt = q.limit >= 0 ? Math.min(2147483647, Math.max(2 * q.limit, q.limit + 1024)) : Infinity;
      eachRecord(text, info, counters, true, function (line, record) {
        if (!passes(record)) {
          return;
        }
        if (q.orderBy.length === 0 && q.limit >= 0 && rows.length >= q.limit) {
          return;
        }
        rows.push(makeRow(q, project(record)));
        if (rows.length >= compactAt) {
          sortAndCut(q, rows);
        }
      });
      sortAndCut(q, rows);
      for (var r = 0; r < rows.length; r++) {
        out.push(JSON.stringify(rows[r].values) + '\n');
      }
      counters.recordsOut += rows.length;
    }
    return { runs: [out.join('')], counters: counters };
  }

  /** The reduce side of a query (Java: QueryPlan.reduce). */
  function queryReduce(runs, plan) {
    var q = prepare(plan);
    if (q.reducers === 0) {
      throw new Error('a map-only query has no reduce side');
    }
    var counters = newCounters();
    var width = q.grouped ? q.aggregates.length + 1 : q.output.length;
    function eachLine(handler) {
      for (var r = 0; r < runs.length; r++) {
        var s = runs[r];
        var p = 0;
        var line = 0;
        while (p < s.length) {
          var nl = s.indexOf('\n', p);
          if (nl < 0) {
            nl = s.length;
          }
          line++;
          var a = null;
          try {
            a = JSON.parse(s.substring(p, nl));
          } catch (e) {
            a = null;
          }
          if (!Array.isArray(a) || a.length !== width) {
            throw new Error('run ' + r + ' line ' + line + ' is not a query run line');
          }
          counters.recordsIn++;
          handler(a);
          p = nl + 1;
        }
      }
    }
    var rows = [];
    if (q.grouped) {
      var aggs = q.aggregates;
      var n = aggs.length;
      var groups = new Map();
      eachLine(function (a) {
        var key = JSON.stringify(a[0]);
        var s = groups.get(key);
        if (s === undefined) {
          s = newState(a[0], n);
          groups.set(key, s);
        }
        for (var i = 0; i < n; i++) {
          var st = a[i + 1];
          var fn = aggs[i].fn;
          if (fn === 'count') {
            s.count[i] += st;
          } else if (fn === 'sum') {
            accumulate(s, i, fn, readStateNumber(st), 0);
          } else if (fn === 'min' || fn === 'max') {
            if (st !== null) {
              accumulate(s, i, fn, readStateNumber(st), 0);
            }
          } else {
            accumulate(s, i, fn, readStateNumber(st[0]), st[1]);
          }
        }
      });
      if (groups.size === 0 && q.groupBy.length === 0) {
        groups.set('[]', newState([], n));
      }
      counters.keys += groups.size;
      groups.forEach(function (s) {
        var values = [];
        for (var i = 0; i < q.columns.length; i++) {
          values.push(norm(s.key[q.groupIndex[i]]));
        }
        for (var j = 0; j < n; j++) {
          switch (aggs[j].fn) {
            case 'count':
              values.push(s.count[j]);
              break;
            case 'sum':
              values.push(s.num[j]);
              break;
            case 'min':
            case 'max':
              values.push(s.has[j] ? s.num[j] : null);
              break;
            default:
              values.push(s.count[j] > 0 ? s.num[j] / s.count[j] : null);
          }
        }
        rows.push(makeRow(q, values));
      });
    } else {
      eachLine(function (a) {
        rows.push(makeRow(q, a.map(norm)));
      });
    }
    sortAndCut(q, rows);
    var out = [];
    for (var r = 0; r < rows.length; r++) {
      out.push(objectLine(q.output, rows[r].values));
    }
    counters.recordsOut += rows.length;
    return { output: out.join(''), counters: counters };
  }

  global.PartitaData = Object.freeze({
    map: map,
    reduce: reduce,
    queryMap: queryMap,
    queryReduce: queryReduce,
    reducer: reducer,
    COMBINE_AT: COMBINE_AT
  });
})(typeof globalThis !== 'undefined' ? globalThis : self);
