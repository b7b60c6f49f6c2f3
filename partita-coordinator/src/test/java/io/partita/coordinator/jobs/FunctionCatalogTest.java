package io.partita.coordinator.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.partita.coordinator.common.PartitaException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Workers' announcements cannot make the catalog, or the errors that list it, grow without bound. */
class FunctionCatalogTest {
    static List<String> names(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(prefix + i);
        }
        return out;
    }

    @Test
    void unknownFunction_afterThousandsAnnounced_errorListsAFewAndCountsTheRest() {
        FunctionCatalog catalog = new FunctionCatalog();
        catalog.announce(names("hostile/name-", 5000));
        assertThatThrownBy(() -> catalog.require("no/such"))
                .isInstanceOf(PartitaException.class)
                .hasMessageContaining("unknown function 'no/such'")
                .hasMessageContaining("more]")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(1000));
    }

    @Test
    void announce_beyondTheCap_newNamesAreIgnored_knownOnesStay() {
        FunctionCatalog catalog = new FunctionCatalog();
        for (int round = 0; round < 30; round++) {
            catalog.announce(names("round-" + round + "/f", 1000));
        }
        assertThat(catalog.names()).hasSizeLessThanOrEqualTo(FunctionCatalog.MAX_NAMES);
        assertThat(catalog.knows("round-0/f0")).isTrue();
        assertThat(catalog.knows("round-29/f999")).isFalse();
    }
}
