package io.partita.coordinator.data;

import io.partita.coordinator.core.Lease;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Capability tokens of data tasks: a token names exactly the blob ranges one task attempt may read
 * and the blob keys it may write, and is valid only while that attempt's lease is current. Workers
 * (Java or browser) use it in URLs {@code /data/<token>/in/<i>} and {@code /data/<token>/out/<r>};
 * the token is 128 random bits, so it can be neither guessed nor widened. Thread-safe.
 */
public final class Capabilities {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A range of a blob a task may read; {@code length} -1 means to its end. */
    public record Read(String key, long offset, long length) {}

    /** What one token allows. */
    public record Grant(Lease lease, List<Read> reads, String writePrefix, int writes) {
        /** The key output {@code r} is written to. */
        public String writeKey(int r) {
            return writePrefix + "/" + r;
        }
    }

    private final Map<String, Grant> grants = new ConcurrentHashMap<>();
    private final Predicate<Lease> current;
    private final long maxOutputBytes;

    /**
     * @param current whether a lease is still its task's current attempt
     * @param maxOutputBytes the most bytes one output upload may have ({@code max-task-output})
     */
    public Capabilities(Predicate<Lease> current, long maxOutputBytes) {
        this.current = current;
        this.maxOutputBytes = maxOutputBytes;
    }

    /** The most bytes one output upload ({@code PUT /data/<token>/out/<r>}) may have. */
    public long maxOutputBytes() {
        return maxOutputBytes;
    }

    /** Issues a token for one task attempt. */
    String grant(Lease lease, List<Read> reads, String writePrefix, int writes) {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        grants.put(token, new Grant(lease, List.copyOf(reads), writePrefix, writes));
        return token;
    }

    /** The grant of a token whose lease is still current; a token of an ended lease is forgotten. */
    public Optional<Grant> check(String token) {
        Grant grant = grants.get(token);
        if (grant == null) {
            return Optional.empty();
        }
        if (!current.test(grant.lease())) {
            grants.remove(token);
            return Optional.empty();
        }
        return Optional.of(grant);
    }

    /** Forgets the tokens of leases that ended; returns how many. */
    public int sweep() {
        int before = grants.size();
        grants.values().removeIf(g -> !current.test(g.lease()));
        return before - grants.size();
    }

    /** Tokens held, for tests and metrics. */
    int size() {
        return grants.size();
    }
}
