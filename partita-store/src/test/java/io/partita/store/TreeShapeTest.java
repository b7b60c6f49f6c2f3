package io.partita.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class TreeShapeTest {
    @Test
    void onePartition_hasOneLevel() {
        TreeShape shape = new TreeShape(1, 64);
        assertThat(shape.levels()).isEqualTo(1);
        assertThat(shape.top()).isZero();
    }

    @Test
    void millionPartitions_fanIn64() {
        TreeShape shape = new TreeShape(1_000_000, 64);
        assertThat(shape.levels()).isEqualTo(5);
        assertThat(shape.size(1)).isEqualTo(15_625);
        assertThat(shape.size(2)).isEqualTo(245);
        assertThat(shape.size(3)).isEqualTo(4);
        assertThat(shape.size(4)).isEqualTo(1);
        assertThat(shape.endChild(1, 15_624)).isEqualTo(1_000_000);
        assertThat(shape.endChild(3, 3)).isEqualTo(245);
    }

    @Test
    void everyNodeHasAtMostFanInChildren() {
        TreeShape shape = new TreeShape(100_003, 7);
        for (int level = 1; level < shape.levels(); level++) {
            long covered = 0;
            for (long i = 0; i < shape.size(level); i++) {
                long n = shape.endChild(level, i) - shape.firstChild(i);
                assertThat(n).isBetween(1L, 7L);
                covered += n;
            }
            assertThat(covered).isEqualTo(shape.size(level - 1));
        }
    }

    @Test
    void invalidArguments_areRejected() {
        assertThatThrownBy(() -> new TreeShape(0, 2)).hasMessageContaining("partitions must be at least 1, was 0");
        assertThatThrownBy(() -> new TreeShape(5, 1)).hasMessageContaining("fanIn must be between 2 and 4096, was 1");
    }
}
