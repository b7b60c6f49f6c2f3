package io.partita.testing;

import java.nio.file.Path;
import java.util.List;

/**
 * How tests and benchmarks start headless Chromium on these machines (Debian's {@code chromium}
 * package): as root, without a GPU, and with every background connection off, since the network is
 * closed and Chromium otherwise keeps trying (../shared/TRAPS.md).
 */
public final class Chromium {
    /** The browser binary. */
    public static final String BINARY = "/usr/bin/chromium";

    /** The matching ChromeDriver. */
    public static final String DRIVER = "/usr/bin/chromedriver";

    private Chromium() {}

    /** The command-line flags of a headless browser with a fresh profile directory. */
    public static List<String> headlessFlags(Path profile) {
        return List.of(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
                "--user-data-dir=" + profile);
    }
}
