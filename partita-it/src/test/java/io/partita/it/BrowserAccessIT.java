package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.partita.coordinator.CoordinatorConfig;
import io.partita.testing.ApiClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Access control in a real headless Chromium (docs/security.md): a page of another site cannot
 * create a job or a function with the requests a page may send without asking, nor read {@code
 * /ws/client}; the dashboard asks for a token once and is read-only for a viewer.
 */
@Timeout(300)
class BrowserAccessIT {
    @TempDir
    Path dir;

    /** Even with authentication off (the worst case), the cross-site checks hold on their own. */
    @Test
    void aPageOfAnotherSite_cannotCreateJobsOrFunctions_norReadGridCalls() throws Exception {
        try (Grid grid = new Grid(dir, CoordinatorConfig.builder().auth(false));
                Browsers browsers = new Browsers(grid.coordinator.url(), dir)) {
            long jobsBefore = grid.api.get("/api/jobs").json().path("total").asLong();
            int functionsBefore =
                    grid.api.get("/api/functions").json().path("items").size();
            ChromeDriver driver = browsers.open();
            driver.get(browsers.embedUrl(Map.of("cpu", "0.1")));
            Object out = driver.executeAsyncScript(
                    """
                    const done = arguments[arguments.length - 1];
                    const base = arguments[0];
                    const spec = JSON.stringify({code: {language: 'js', source: 'export function compute(i) { return 1; }'}, partitions: 2});
                    const fn = JSON.stringify({name: 'evil/fn', code: 'export function call(a) { return 1; }'});
                    const out = {};
                    (async () => {
                      try { await fetch(base + '/api/jobs', {method: 'POST', mode: 'no-cors', body: spec}); out.job = 'sent'; }
                      catch (e) { out.job = 'error'; }
                      try { await fetch(base + '/api/functions', {method: 'POST', mode: 'no-cors',
                              headers: {'Content-Type': 'application/json'}, body: fn}); out.fn = 'sent'; }
                      catch (e) { out.fn = 'error'; }
                      try { await fetch(base + '/api/jobs', {method: 'POST', mode: 'no-cors',
                              body: new Blob([spec])}); out.blob = 'sent'; }
                      catch (e) { out.blob = 'error'; }
                      try { const r = await fetch(base + '/api/jobs', {method: 'POST',
                              headers: {'Content-Type': 'application/json'}, body: spec}); out.cors = 'read ' + r.status; }
                      catch (e) { out.cors = 'blocked'; }
                      await new Promise((resolve) => {
                        const ws = new WebSocket(base.replace('http', 'ws') + '/ws/client');
                        ws.onopen = () => { out.ws = 'open'; ws.close(); resolve(); };
                        ws.onerror = () => { out.ws = 'refused'; resolve(); };
                        setTimeout(() => { out.ws = out.ws || 'timeout'; resolve(); }, 10000);
                      });
                      done(JSON.stringify(out));
                    })();
                    """, grid.coordinator.url().toString().replaceAll("/$", ""));
            assertThat(out.toString()).contains("\"cors\":\"blocked\"").contains("\"ws\":\"refused\"");
            assertThat(grid.api.get("/api/jobs").json().path("total").asLong()).isEqualTo(jobsBefore);
            assertThat(grid.api.get("/api/functions").json().path("items").size())
                    .isEqualTo(functionsBefore);
            assertThat(grid.api.get("/api/functions").body()).doesNotContain("evil/fn");
        }
    }

    @Test
    void dashboard_asksForATokenOnce_andIsReadOnlyForAViewer() throws Exception {
        try (Grid grid = new Grid(dir, CoordinatorConfig.builder());
                Browsers browsers = new Browsers(grid.coordinator.url(), dir)) {
            String admin = grid.coordinator.adminToken().orElseThrow();
            String root = grid.coordinator.url().resolve("/").toString();
            ChromeDriver driver = browsers.open();
            driver.get(root);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> !driver.findElements(By.id("login-page")).isEmpty());
            driver.findElement(By.id("login-token")).sendKeys(admin);
            driver.findElement(By.id("login")).click();
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> driver.findElements(By.id("login-page")).isEmpty()
                            && driver.getTitle().equals("Partita"));
            // the token stays for the tab: another page needs no new sign-in
            driver.get(root + "#/jobs");
            await().atMost(Duration.ofSeconds(20)).until(() -> driver.getTitle().contains("Jobs"));
            assertThat(driver.findElements(By.id("login-page"))).isEmpty();
            assertThat(driver.findElement(By.cssSelector("a[data-nav=submit]")).isDisplayed())
                    .isTrue();

            ApiClient.Response made = new ApiClient(grid.coordinator.url(), admin)
                    .post("/api/tokens", "{\"user\": \"vera\", \"role\": \"viewer\"}");
            String viewer = made.json().path("token").asText();
            ChromeDriver second = browsers.open();
            second.get(root + "#token=" + viewer);
            await().atMost(Duration.ofSeconds(20))
                    .until(() -> Boolean.TRUE.equals(
                            second.executeScript("return document.body.classList.contains('read-only')")));
            assertThat(second.findElement(By.cssSelector("a[data-nav=submit]")).isDisplayed())
                    .isFalse();
            assertThat(second.getCurrentUrl())
                    .as("the token leaves the address bar")
                    .doesNotContain(viewer);
        }
    }
}
