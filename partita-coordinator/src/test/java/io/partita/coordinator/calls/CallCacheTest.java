package io.partita.coordinator.calls;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.IntNode;
import io.partita.store.CacheEntry;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class CallCacheTest {
    private final AtomicLong now = new AtomicLong(1000);

    private static byte[] bytes(int size) {
        return "1".repeat(size).getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void beyondItsBound_theLeastRecentlyUsedEntriesGo_andTheStoreIsTold() {
        long entry = 100 + CallCache.ENTRY_OVERHEAD;
        CallCache cache = new CallCache(3 * entry, now::get);
        AtomicInteger flushes = new AtomicInteger();
        cache.onChange(flushes::incrementAndGet);
        cache.put("a", "f", "v", bytes(100), IntNode.valueOf(1));
        cache.put("b", "f", "v", bytes(100), IntNode.valueOf(2));
        cache.put("c", "g", "v", bytes(100), IntNode.valueOf(3));
        assertThat(flushes.get()).as("one flush pending at a time").isEqualTo(1);
        now.set(2000);
        assertThat(cache.get("a", "f")).isNotNull(); // a is now the most recently used
        cache.put("d", "g", "v", bytes(100), IntNode.valueOf(4));

        assertThat(cache.peek("b")).as("least recently used").isNull();
        assertThat(cache.peek("a")).isNotNull();
        assertThat(cache.peek("c")).isNotNull();
        assertThat(cache.peek("d")).isNotNull();
        CallCache.Changes changes = cache.drainChanges();
        assertThat(changes.puts()).extracting(CacheEntry::key).containsExactly("a", "c", "d");
        assertThat(changes.deletes()).containsExactly("b");
        var stats = cache.stats();
        assertThat(stats.get("entries").asLong()).isEqualTo(3);
        assertThat(stats.get("bytes").asLong()).isEqualTo(3 * entry);
        assertThat(stats.get("evictions").asLong()).isEqualTo(1);
        assertThat(stats.get("hits").asLong()).isEqualTo(1);
        assertThat(stats.path("functions").path("f").path("entries").asLong()).isEqualTo(1);

        assertThat(cache.get("a", "f")).isNotNull();
        assertThat(cache.drainChanges().touches()).containsEntry("a", 2000L);
        assertThat(cache.get("zz", "f")).isNull();
        assertThat(cache.stats().get("misses").asLong()).isEqualTo(1);
    }

    @Test
    void aResultLargerThanTheWholeCache_isNotKept() {
        CallCache cache = new CallCache(1000, now::get);
        cache.put("big", "f", "v", bytes(2000), IntNode.valueOf(1));
        assertThat(cache.peek("big")).isNull();
    }

    @Test
    void clearingAFunction_removesOnlyItsEntries() {
        CallCache cache = new CallCache(1 << 20, now::get);
        cache.put("a", "f", "v", bytes(10), IntNode.valueOf(1));
        cache.put("b", "g", "v", bytes(10), IntNode.valueOf(2));
        assertThat(cache.clear("f")).isEqualTo(1);
        assertThat(cache.peek("a")).isNull();
        assertThat(cache.peek("b")).isNotNull();
        assertThat(cache.stats().path("functions").path("f").path("entries").asLong())
                .isZero();
    }

    @Test
    void loadingFromTheStore_keepsTheOrder_andEvictsWhatNoLongerFits() {
        long entry = 1 + CallCache.ENTRY_OVERHEAD;
        CallCache cache = new CallCache(2 * entry, now::get);
        cache.load(
                List.of(
                        new CacheEntry("old", "f", "v", bytes(1), 1),
                        new CacheEntry("mid", "f", "v", bytes(1), 2),
                        new CacheEntry("new", "f", "v", bytes(1), 3)),
                new ObjectMapper());
        assertThat(cache.peek("old")).isNull();
        assertThat(cache.peek("mid").value.asInt()).isEqualTo(1);
        assertThat(cache.peek("new")).isNotNull();
        assertThat(cache.drainChanges().deletes()).containsExactly("old");
    }
}
