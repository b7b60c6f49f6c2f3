package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The local token a supervised worker reads from its standard input. */
class WorkerCommandTest {

    private static InputStream input(String text) {
        return new ByteArrayInputStream(text.getBytes(StandardCharsets.US_ASCII));
    }

    @Test
    void readLocalToken_firstLine_andTheRestIsLeft() throws Exception {
        InputStream in = input("abc_DEF-123\nrest");
        assertThat(WorkerCommand.readLocalToken(in)).isEqualTo("abc_DEF-123");
        assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("rest");
    }

    @Test
    void readLocalToken_inputClosedBeforeTheLine_namesTheOption() {
        assertThatThrownBy(() -> WorkerCommand.readLocalToken(input("abc")))
                .isInstanceOf(CliException.class)
                .hasMessage("--supervised: standard input closed before the local token");
    }

    @Test
    void readLocalToken_endlessLine_isRefused() {
        assertThatThrownBy(() -> WorkerCommand.readLocalToken(input("x".repeat(5000) + "\n")))
                .isInstanceOf(CliException.class)
                .hasMessage("--supervised: the local token on standard input is too long");
    }
}
