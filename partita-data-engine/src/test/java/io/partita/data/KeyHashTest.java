package io.partita.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KeyHashTest {

    @Test
    void hash_isStringHashCodeMixedByFmix32() {
        String key = "\"hello\"";
        int h = key.hashCode();
        h ^= h >>> 16;
        h *= 0x85ebca6b;
        h ^= h >>> 13;
        h *= 0xc2b2ae35;
        h ^= h >>> 16;
        assertThat(KeyHash.hash(key)).isEqualTo(h);
        assertThat(KeyHash.reducer(key, 7)).isEqualTo(Integer.remainderUnsigned(h, 7));
    }

    @Test
    void reducer_spreadsKeysThatDifferInTheirLastCharacter() {
        Set<Integer> used = new HashSet<>();
        for (char c = 'a'; c <= 'z'; c++) {
            int r = KeyHash.reducer("\"word" + c + "\"", 8);
            assertThat(r).isBetween(0, 7);
            used.add(r);
        }
        assertThat(used).hasSizeGreaterThan(5);
    }

    @Test
    void reducer_lessThanOneReducer_isRejected() {
        assertThatThrownBy(() -> KeyHash.reducer("1", 0)).isInstanceOf(IllegalArgumentException.class);
    }
}
