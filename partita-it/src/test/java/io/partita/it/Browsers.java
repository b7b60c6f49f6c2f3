package io.partita.it;

import com.sun.net.httpserver.HttpServer;
import io.partita.testing.Chromium;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Real headless Chromium for browser tests, and a second web server, on another port (so another
 * origin), serving pages that embed the coordinator's {@code volunteer.js} like any site would.
 * Chromium and ChromeDriver come from the system packages ({@code .ci/run} installs them).
 */
final class Browsers implements AutoCloseable {
    static final String CHROMIUM = Chromium.BINARY;
    static final String CHROMEDRIVER = Chromium.DRIVER;

    private final HttpServer site;
    private final URI coordinator;
    private final Path profiles;
    private final List<ChromeDriver> drivers = new ArrayList<>();

    Browsers(URI coordinator, Path dir) throws IOException {
        if (!Files.isExecutable(Path.of(CHROMIUM)) || !Files.isExecutable(Path.of(CHROMEDRIVER))) {
            throw new IllegalStateException("browser tests need " + CHROMIUM + " and " + CHROMEDRIVER
                    + " (apt-get install chromium chromium-driver; .ci/run does it)");
        }
        this.coordinator = coordinator;
        this.profiles = Files.createDirectories(dir.resolve("chrome-profiles"));
        site = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        site.createContext("/", exchange -> {
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            byte[] body = page(query).getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        site.start();
    }

    /**
     * The URL of a page of the embedding site: one line of script with the given {@code data-}
     * attributes, e.g. {@code Map.of("cpu", "1", "hidden", "run")}.
     */
    String embedUrl(Map<String, String> data) {
        Map<String, String> all = new java.util.LinkedHashMap<>(data);
        // these pages stand for sites that asked their visitors themselves (ConsentIT asks)
        all.putIfAbsent("consent", "granted");
        return embedUrlAsIs(all);
    }

    /** The URL of a page of the embedding site with exactly the given {@code data-} attributes. */
    String embedUrlAsIs(Map<String, String> data) {
        StringBuilder q = new StringBuilder();
        data.forEach((k, v) ->
                q.append(q.isEmpty() ? "?" : "&").append(k).append('=').append(v));
        return "http://127.0.0.1:" + site.getAddress().getPort() + "/embed.html" + q;
    }

    private String page(Map<String, String> data) {
        StringBuilder attrs = new StringBuilder();
        data.forEach((k, v) ->
                attrs.append(" data-").append(k).append("=\"").append(v).append('"'));
        return "<!doctype html><html><head><title>A site that embeds Partita</title></head><body>"
                + "<h1>Some site</h1><p>Its visitors lend their spare cycles.</p>"
                + "<script src=\"" + coordinator.resolve("/volunteer.js") + "\"" + attrs + " async></script>"
                + "</body></html>";
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> out = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                if (eq > 0) {
                    out.put(pair.substring(0, eq), pair.substring(eq + 1));
                }
            }
        }
        return out;
    }

    /** A new headless Chromium (its own process and profile). */
    ChromeDriver open() throws IOException {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM);
        options.addArguments(Chromium.headlessFlags(Files.createTempDirectory(profiles, "p")));
        options.addArguments("--window-size=1000,800");
        // console messages, so that tests can check there are no errors
        options.setCapability("goog:loggingPrefs", Map.of("browser", "ALL"));
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(new File(CHROMEDRIVER))
                .usingAnyFreePort()
                .build();
        ChromeDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(30));
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        drivers.add(driver);
        return driver;
    }

    /** Prints what the pages of every open browser logged to their consoles (for failures). */
    void printConsoles() {
        for (ChromeDriver d : drivers) {
            try {
                d.manage().logs().get("browser").getAll().forEach(e -> System.out.println("[chromium] " + e));
            } catch (RuntimeException e) {
                // gone
            }
        }
    }

    @Override
    public void close() {
        for (ChromeDriver d : drivers) {
            try {
                d.quit();
            } catch (RuntimeException e) {
                // already gone
            }
        }
        site.stop(0);
    }

    /**
     * Reads the QR code an {@code <img>} shows: waits until the image is loaded, then screenshots
     * and decodes it until that succeeds. A page that keeps updating can be caught mid-layout by one
     * screenshot (CI failed so once on a loaded machine), so one failed decode proves nothing.
     */
    static String readQr(ChromeDriver driver, org.openqa.selenium.WebElement img) {
        org.awaitility.Awaitility.await("the QR code is loaded")
                .atMost(Duration.ofSeconds(20))
                .until(() -> ((Number) driver.executeScript(
                                        "return arguments[0].complete ? arguments[0].naturalWidth : 0;", img))
                                .intValue()
                        > 0);
        driver.executeScript("arguments[0].scrollIntoView({block: 'center'});", img);
        String[] decoded = new String[1];
        org.awaitility.Awaitility.await("the QR code decodes")
                .atMost(Duration.ofSeconds(10))
                .ignoreExceptions()
                .until(() -> {
                    decoded[0] = VolunteerServerIT.decodeQr(img.getScreenshotAs(org.openqa.selenium.OutputType.BYTES));
                    return true;
                });
        return decoded[0];
    }
}
