package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.partita.coordinator.CoordinatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Keys;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * The consent prompt of volunteer.js in headless Chromium, on a page of another origin that embeds
 * the script without answering for its visitors: nothing runs until the visitor allows it, the
 * answer is remembered, and the prompt links to the manifest of what would run.
 */
class BrowserConsentIT {
    @TempDir
    Path dir;

    Grid grid;
    Browsers browsers;

    @BeforeEach
    void start() throws Exception {
        grid = new Grid(dir, CoordinatorConfig.builder().auth(false).heartbeatInterval(Duration.ofMillis(500)));
        browsers = new Browsers(grid.coordinator.url(), dir);
    }

    @AfterEach
    void stop() throws Exception {
        browsers.printConsoles();
        browsers.close();
        grid.close();
    }

    static WebElement dialog(ChromeDriver driver) {
        await("the consent prompt")
                .atMost(Duration.ofSeconds(20))
                .until(() -> !driver.findElements(By.cssSelector(".partita-consent[role=dialog]"))
                        .isEmpty());
        return driver.findElement(By.cssSelector(".partita-consent[role=dialog]"));
    }

    @Test
    void withoutConsent_nothingRuns_allowingStartsIt_andTheAnswerIsRemembered() throws Exception {
        String job = grid.api.submit(Grid.jsSpec(BrowserIT.SUM_MODULE, "\"partitions\":200"));
        ChromeDriver driver = browsers.open();
        String page = browsers.embedUrlAsIs(Map.of("cpu", "0.5", "workers", "1"));
        driver.get(page);
        WebElement prompt = dialog(driver);

        // an accessible dialog: labelled, described, its buttons named and reachable by keyboard
        String labelledBy = prompt.getAttribute("aria-labelledby");
        assertThat(driver.findElement(By.id(labelledBy)).getText()).contains("computing power");
        String text = driver.findElement(By.id(prompt.getAttribute("aria-describedby")))
                .getText();
        assertThat(text)
                .contains(grid.coordinator.url().getHost() + ":" + grid.coordinator.port())
                .contains("50%")
                .contains("Stop");
        WebElement allow = prompt.findElement(By.cssSelector("button.partita-consent-allow"));
        assertThat(allow.getText()).isEqualTo("Allow");
        assertThat(prompt.findElement(By.cssSelector("button.partita-consent-deny"))
                        .getText())
                .isEqualTo("No thanks");
        String manifest =
                prompt.findElement(By.cssSelector("a.partita-consent-manifest")).getAttribute("href");
        assertThat(manifest)
                .startsWith(
                        grid.coordinator.url().resolve("/volunteer/manifest").toString());

        // unanswered: no sandbox, no Web Worker, no connection
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> grid.browserWorkers().isEmpty());
        assertThat(driver.findElements(By.cssSelector("iframe"))).isEmpty();
        assertThat(grid.api.job(job).get("counts").get("done").asLong()).isZero();

        // the Allow button has the focus (nothing else had it): Enter answers
        assertThat(driver.switchTo().activeElement()).isEqualTo(allow);
        allow.sendKeys(Keys.ENTER);
        grid.awaitStatus(job, "done", Duration.ofSeconds(60));
        assertThat(grid.api.get("/api/jobs/" + job + "/result").json().asLong()).isEqualTo(BrowserIT.sumReference(200));
        assertThat(driver.findElements(By.cssSelector(".partita-consent[role=dialog]")))
                .isEmpty();
        assertThat(driver.findElement(By.cssSelector(".partita-consent.partita-running"))
                        .getText())
                .contains("Stop");

        // remembered: the next visit works at once, no prompt
        driver.navigate().refresh();
        await("the browser is back without asking")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.browserWorkers().size() == 1);
        assertThat(driver.findElements(By.cssSelector(".partita-consent[role=dialog]")))
                .isEmpty();

        // Stop: it leaves, and that answer is remembered too
        driver.findElement(By.cssSelector("button.partita-consent-stop")).click();
        await("stopped: the browser leaves")
                .atMost(Duration.ofSeconds(20))
                .until(() -> grid.browserWorkers().isEmpty());
        driver.navigate().refresh();
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> grid.browserWorkers().isEmpty());
        assertThat(driver.findElements(By.cssSelector(".partita-consent[role=dialog]")))
                .isEmpty();
        assertThat(((Map<?, ?>) driver.executeScript("return window.Partita.stats();")).get("consent"))
                .isEqualTo("denied");
    }

    @Test
    void noThanks_nothingRuns() throws Exception {
        ChromeDriver driver = browsers.open();
        driver.get(browsers.embedUrlAsIs(Map.of("workers", "1")));
        dialog(driver)
                .findElement(By.cssSelector("button.partita-consent-deny"))
                .click();
        assertThat(driver.findElements(By.cssSelector(".partita-consent"))).isEmpty();
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> grid.browserWorkers().isEmpty());
        assertThat(driver.findElements(By.cssSelector("iframe"))).isEmpty();
        // the page may ask again (a link of its own calls Partita.consent())
        driver.executeScript("window.Partita.consent();");
        dialog(driver)
                .findElement(By.cssSelector("button.partita-consent-allow"))
                .click();
        await("allowed: the browser connects")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.browserWorkers().size() == 1);
    }

    @Test
    void onBattery_nothingRunsUntilCharging_unlessThePageSaysRun() throws Exception {
        // the Battery Status API of this browser says: discharging, until the test plugs it in
        ChromeDriver driver = browsers.open();
        driver.executeCdpCommand("Page.addScriptToEvaluateOnNewDocument", Map.of("source", """
                (function () {
                  const battery = new EventTarget();
                  battery.charging = false;
                  window.plugIn = function () {
                    battery.charging = true;
                    battery.dispatchEvent(new Event('chargingchange'));
                  };
                  navigator.getBattery = () => Promise.resolve(battery);
                })();
                """));
        driver.get(browsers.embedUrl(Map.of("workers", "1")));
        await().during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(5))
                .until(() -> grid.browserWorkers().isEmpty());
        assertThat(((Map<?, ?>) driver.executeScript("return window.Partita.stats();")).get("onBattery"))
                .isEqualTo(true);
        driver.executeScript("window.plugIn();");
        await("charging: the browser connects")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.browserWorkers().size() == 1);

        // data-on-battery="run": the page says battery does not matter
        ChromeDriver other = browsers.open();
        other.executeCdpCommand(
                "Page.addScriptToEvaluateOnNewDocument",
                Map.of(
                        "source",
                        "navigator.getBattery = () => Promise.resolve(Object.assign(new EventTarget(), {charging: false}));"));
        other.get(browsers.embedUrl(Map.of("workers", "1", "on-battery", "run")));
        await("on battery but told to run: a second browser connects")
                .atMost(Duration.ofSeconds(30))
                .until(() -> grid.browserWorkers().size() == 2);
    }

    @Test
    void manifest_listsTheJobsAndTheShare_asJsonAndHtml() throws Exception {
        String id = grid.api.submit(Grid.jsSpec(BrowserIT.SUM_MODULE, "\"partitions\":1000000,\"name\":\"sums <b>\""));
        JsonNode m = grid.api.get("/volunteer/manifest?cpu=0.25").json();
        assertThat(m.get("coordinator").asText())
                .isEqualTo(grid.coordinator.url().toString());
        assertThat(m.get("cpuShare").asDouble()).isEqualTo(0.25);
        assertThat(m.get("browserTaskLimitMillis").asLong()).isEqualTo(60_000);
        List<String> ids = m.get("jobs").findValuesAsText("id");
        assertThat(ids).contains(id);
        JsonNode job = m.get("jobs").get(ids.indexOf(id));
        assertThat(job.get("code").asText()).contains("/api/code/");

        ChromeDriver driver = browsers.open();
        driver.get(grid.coordinator
                .url()
                .resolve("/volunteer/manifest?format=html&cpu=0.25")
                .toString());
        String body = driver.findElement(By.tagName("body")).getText();
        assertThat(body)
                .contains("What runs on my machine")
                .contains("25%")
                .contains(id)
                .contains("sums <b>");
        assertThat(grid.api.get("/volunteer/manifest?cpu=2").status()).isEqualTo(400);
    }
}
