package io.partita.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {
    @Test
    void parse_everyUnit() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void parse_combinedCaseAndBlanks() {
        assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("1h2m3s4ms")).isEqualTo(Duration.parse("PT1H2M3.004S"));
        assertThat(Durations.parse(" 10S ")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse("0s")).isEqualTo(Duration.ZERO);
    }

    @Test
    void parse_iso8601() {
        assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("pt1m")).isEqualTo(Duration.ofMinutes(1));
        assertThat(Durations.parse("PT0.25S")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("P1D")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void parse_invalid_namesFieldAndValue() {
        for (String bad : new String[] {
            "", " ", "5", "s", "5x", "1.5s", "5s garbage", "-5s", "PTxS", "s5", "soon", "P", "99999999999999999999s"
        }) {
            assertThatThrownBy(() -> Durations.parse("options.taskTimeout", bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessage("options.taskTimeout must be a duration such as 30s, 5m, 250ms, 2h or ISO-8601 PT30S,"
                            + " was '" + bad + "'");
        }
    }

    @Test
    void parse_overflow_isInvalidNotArithmeticException() {
        assertThatThrownBy(() -> Durations.parse("9223372036854775d"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'9223372036854775d'");
    }

    @Test
    void parse_withoutField_quotesValue() {
        assertThatThrownBy(() -> Durations.parse("5x"))
                .hasMessage("invalid duration '5x' (expected e.g. 30s, 5m, 250ms, 2h or ISO-8601 PT30S)");
    }
}
