package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A {@code --coordinator} URL that reaches a server that is not a coordinator (or a wrong path of
 * one): one line {@code partita: <reason>} naming what answered, exit 1, never a stack trace.
 */
class WrongCoordinatorTest {
    private HttpServer server;

    @BeforeEach
    void start() throws Exception {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        // A web site: a page for everything under /site/; anything else is the server's own 404 page.
        server.createContext("/site/", exchange -> {
            byte[] body = "<!DOCTYPE html>\n<html><body>\n<h1>Welcome</h1>\n</body></html>\n"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "text/html; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cmd = Main.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        int code = cmd.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void status_serverAnswering404Html_oneLineSayingItIsNoCoordinator() {
        Run r = run("status", "j1", "--coordinator", url("/"));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        // Before: "partita: HTTP 404: <h1>404 Not Found</h1>No context found for request"
        assertThat(r.err())
                .startsWith("partita: GET " + url("/api/jobs/j1") + " answered HTTP 404 (text/html)")
                .contains("is --coordinator the base URL of a Partita coordinator");
    }

    @Test
    void status_pathAnswering200Html_oneLineSayingItIsNotJson() {
        Run r = run("status", "j1", "--coordinator", url("/site/"));
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        // Before: "partita: coordinator sent invalid JSON: Unexpected character ('<' ..."
        assertThat(r.err())
                .startsWith("partita: GET " + url("/site/api/jobs/j1") + " answered HTTP 200 (text/html), not JSON")
                .contains("is --coordinator the base URL");
    }

    @Test
    void cancel_unreachable_oneLine() {
        Run r = run("cancel", "j1", "--coordinator", "http://127.0.0.1:1");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err()).startsWith("partita: cannot reach coordinator at http://127.0.0.1:1/");
    }

    @Test
    void status_unknownHost_oneLineNamingTheHost() {
        Run r = run("status", "j1", "--coordinator", "http://no-such-host.invalid:8080");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.err())
                .isEqualTo("partita: cannot reach coordinator at http://no-such-host.invalid:8080/:"
                        + " unknown host no-such-host.invalid\n");
    }
}
