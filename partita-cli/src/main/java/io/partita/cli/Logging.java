package io.partita.cli;

import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Logging set-up for the long-running commands: routes {@code java.util.logging} (used by Helidon)
 * to SLF4J and Logback, so every line has one format and one level policy (logback.xml). Not done
 * for the client commands, which log nothing and should start fast.
 */
final class Logging {
    private static volatile boolean installed;

    private Logging() {}

    /** Installs the JUL bridge once; idempotent and thread-safe. */
    static synchronized void bridgeJavaUtilLogging() {
        if (installed) {
            return;
        }
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        installed = true;
    }
}
