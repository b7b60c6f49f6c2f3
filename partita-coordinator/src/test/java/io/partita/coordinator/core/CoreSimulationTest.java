package io.partita.coordinator.core;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Runs the scheduling core through thousands of random, seeded schedules (see {@link CoreSimulation})
 * and checks its invariants after every step. A failing seed is printed and replays alone with
 * {@code -Dcore.sim.seed=SEED -Dcore.sim.runs=1}; {@code -Dcore.sim.runs=N} runs longer.
 */
class CoreSimulationTest {
    private static final long BASE_SEED = Long.getLong("core.sim.seed", 20261203L);
    private static final int RUNS = Integer.getInteger("core.sim.runs", 400);

    @Test
    void randomSchedules_keepEveryInvariant_andEveryWorkEnds() {
        long steps = 0;
        long recorded = 0;
        int restarts = 0;
        int late = 0;
        long unchecked = 0;
        long speculated = 0;
        long invalid = 0;
        for (int i = 0; i < RUNS; i++) {
            long seed = BASE_SEED + i;
            CoreSimulation sim = new CoreSimulation(seed);
            assertThat(sim.run())
                    .as("seed %d (replay with -Dcore.sim.seed=%d -Dcore.sim.runs=1)", seed, seed)
                    .isEmpty();
            steps += sim.steps();
            recorded += sim.recorded();
            restarts += sim.restarts();
            late += sim.lateAccepted();
            unchecked += sim.judged()[0];
            speculated += sim.speculated();
            invalid += sim.judged()[1];
        }
        // The runs must exercise what they claim to.
        assertThat(steps).isGreaterThan(RUNS * 300L);
        assertThat(recorded).isGreaterThan(RUNS * 20L);
        assertThat(restarts).isGreaterThan(RUNS / 4);
        assertThat(late).isGreaterThan(0);
        assertThat(speculated).as("speculative copies of stragglers").isGreaterThan(RUNS / 4);
        assertThat(unchecked).as("answers accepted on a host's record").isGreaterThan(0);
        assertThat(invalid).as("lies caught").isGreaterThan(RUNS / 4);
    }
}
