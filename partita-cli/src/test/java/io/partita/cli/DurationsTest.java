package io.partita.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void parse_units() {
        assertThat(Durations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(Durations.parse("30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(Durations.parse("2h")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
    }

    @Test
    void parse_compoundAndCase() {
        assertThat(Durations.parse("1m30s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("1h2m3s4ms")).isEqualTo(Duration.parse("PT1H2M3.004S"));
        assertThat(Durations.parse(" 10S ")).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void parse_iso8601() {
        assertThat(Durations.parse("PT30S")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("pt1m")).isEqualTo(Duration.ofMinutes(1));
    }

    @Test
    void parse_invalid_namesText() {
        for (String bad : new String[] {"", "5", "s", "5x", "1.5s", "5s garbage", "-5s", "PTxS", "s5"}) {
            assertThatThrownBy(() -> Durations.parse(bad))
                    .as(bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void format_compact() {
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(Durations.format(Duration.ofSeconds(4))).isEqualTo("4s");
        assertThat(Durations.format(Duration.ofSeconds(65))).isEqualTo("1m05s");
        assertThat(Durations.format(Duration.ofSeconds(2 * 3600 + 3 * 60 + 9))).isEqualTo("2h03m");
        assertThat(Durations.format(Duration.ofHours(50))).isEqualTo("2d02h");
        assertThat(Durations.format(Duration.ofSeconds(-3))).isEqualTo("0s");
    }
}
