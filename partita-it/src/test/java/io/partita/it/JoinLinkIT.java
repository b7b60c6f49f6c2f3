package io.partita.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.partita.coordinator.CoordinatorConfig;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.chrome.ChromeDriver;

/**
 * Join links for other devices (issue 19): with {@code --public-url} the join page, its QR code and
 * the link it shows carry the public URL, not the address this browser used (a phone cannot reach
 * 127.0.0.1); a join page with nothing to do says so.
 */
class JoinLinkIT {
    static final String PUBLIC = "http://grid.example.org:8443";

    @TempDir
    Path dir;

    Grid grid;
    Browsers browsers;

    @BeforeEach
    void start() throws Exception {
        grid = new Grid(
                dir,
                CoordinatorConfig.builder()
                        .auth(false)
                        .heartbeatInterval(Duration.ofMillis(500))
                        .publicUrl(PUBLIC));
        browsers = new Browsers(grid.coordinator.url(), dir);
    }

    @AfterEach
    void stop() throws Exception {
        browsers.close();
        grid.close();
    }

    @Test
    void joinPageHtml_carriesThePublicUrl() throws Exception {
        String id = grid.api.submit(Grid.jsSpec(BrowserIT.SUM_MODULE, "\"partitions\":10"));
        String meta = "<meta name=\"partita-public-url\" content=\"" + PUBLIC + "\">";
        assertThat(grid.api.get("/join/" + id).body()).contains(meta);
        assertThat(grid.api.get("/join").body()).contains(meta);
        assertThat(grid.api.get("/").body()).contains(meta);
        assertThat(grid.coordinator.publicUrl().toString()).isEqualTo(PUBLIC);
    }

    @Test
    void joinPage_qrCodeAndLinkArePublicUrl_andNothingToDoIsSaid() throws Exception {
        ChromeDriver driver = browsers.open();
        // no job at all: the page connects and says there is nothing to do
        driver.get(grid.coordinator.url().resolve("/join").toString());
        assertThat(Browsers.readQr(driver, driver.findElement(By.id("qr")))).isEqualTo(PUBLIC + "/join");
        assertThat(driver.findElement(By.id("url")).getText()).isEqualTo(PUBLIC + "/join");
        await("the page says it has nothing to do")
                .atMost(Duration.ofSeconds(30))
                .until(() -> driver.findElement(By.id("idle")).isDisplayed());
        assertThat(driver.findElement(By.id("idle")).getText()).contains("Nothing to do right now");
        assertThat(driver.findElement(By.id("state")).getText()).contains("nothing to do");

        // a job's page: the QR code is the job's public join link, and the browser works on it
        String id = grid.api.submit(Grid.jsSpec(BrowserIT.SUM_MODULE, "\"partitions\":200"));
        driver.get(grid.coordinator.url().resolve("/join/" + id).toString());
        assertThat(Browsers.readQr(driver, driver.findElement(By.id("qr")))).isEqualTo(PUBLIC + "/join/" + id);
        grid.awaitStatus(id, "done", Duration.ofSeconds(120));
        assertThat(grid.api.get("/api/jobs/" + id + "/result").json().asLong()).isEqualTo(BrowserIT.sumReference(200));
        await("and says so once the job is done")
                .atMost(Duration.ofSeconds(30))
                .until(() -> driver.findElement(By.id("idle")).isDisplayed());
    }
}
