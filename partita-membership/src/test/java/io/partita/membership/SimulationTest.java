package io.partita.membership;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Runs the protocol's state machines through thousands of random, seeded interleavings. */
class SimulationTest {

    private static final long BASE_SEED = Long.getLong("membership.sim.seed", 20261121L);
    private static final int RUNS = Integer.getInteger("membership.sim.runs", 1500);

    @Test
    void randomInterleavings_keepSafetyAndConverge() {
        int steps = 0;
        int intervals = 0;
        for (int i = 0; i < RUNS; i++) {
            long seed = BASE_SEED + i;
            Simulation sim = new Simulation(seed, Simulation.Config.standard());
            List<String> violations = sim.run();
            assertThat(violations)
                    .as("seed %d (reproduce with -Dmembership.sim.seed=%d -Dmembership.sim.runs=1)", seed, seed)
                    .isEmpty();
            steps += sim.dbSteps();
            intervals += sim.intervals().size();
        }
        // The runs must actually exercise the protocol.
        assertThat(steps).isGreaterThan(RUNS * 500);
        assertThat(intervals).isGreaterThan(RUNS * 50);
    }

    @Test
    void randomInterleavings_withTheClockCheckOn_keepSafetyAndConverge() {
        // SQLite's mode: one shared clock here, so the check must never get in the way of liveness.
        int runs = Math.max(1, RUNS / 5);
        for (int i = 0; i < runs; i++) {
            long seed = BASE_SEED + i;
            Simulation sim = new Simulation(seed, Simulation.Config.standard()).checkingClocks();
            assertThat(sim.run())
                    .as("seed %d (reproduce with -Dmembership.sim.seed=%d -Dmembership.sim.runs=1)", seed, seed)
                    .isEmpty();
        }
    }

    @Test
    void checker_detectsOverlap_whenMemberClocksRunFarSlowerThanTheMargin() {
        // With no safety margin and members' clocks running up to 30% slow, a paused member's local
        // deadline falls after its row's expiry: the checker must catch the overlap in some seed.
        Simulation.Config broken = new Simulation.Config(1000, 100, 0, 0.3, 20_000, 3_000, 4, 7);
        List<String> found = new ArrayList<>();
        for (int i = 0; i < 300 && found.isEmpty(); i++) {
            found.addAll(new Simulation(BASE_SEED + i, broken).run());
        }
        assertThat(found).anyMatch(v -> v.contains("acted on by two members at once"));
    }
}
