package io.partita.coordinator.auth;

import io.partita.coordinator.common.PartitaException;
import io.partita.coordinator.common.Principal;
import io.partita.store.Store;
import io.partita.store.StoredToken;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.regex.Pattern;

/**
 * API tokens: made from 32 random bytes ({@link SecureRandom}, URL-safe base64, prefixed {@code
 * pt_}), kept in the store only as their SHA-256, shown once, revocable, optionally expiring.
 * Checking a token reads the store at most once per {@link #CACHE_TTL} per token, so a token revoked
 * on another coordinator sharing the store stops working within that time (at once on this one).
 * Thread-safe.
 */
public final class Tokens {
    /** The file in the data directory that holds the admin token written on first start. */
    public static final String ADMIN_TOKEN_FILE = "admin-token";

    /** How long a checked token is remembered before the store is asked again. */
    static final Duration CACHE_TTL = Duration.ofSeconds(5);

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final int MAX_CACHED = 10_000;

    private final Store store;
    private final LongSupplier clock;
    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    private record Cached(Optional<StoredToken> token, long readAt) {}

    /** A token just made: its stored form and its text, which is not kept anywhere. */
    public record Issued(StoredToken token, String text) {}

    /** Tokens kept in {@code store}, timed by {@code clock} (epoch milliseconds). */
    public Tokens(Store store, LongSupplier clock) {
        this.store = store;
        this.clock = clock;
    }

    /**
     * Makes a token for {@code user} with {@code role} in {@code tenant}, valid for {@code ttl} if
     * present.
     *
     * @throws PartitaException 422 naming the field for a bad user, tenant or duration
     */
    public Issued create(String user, Principal.Role role, String tenant, Optional<Duration> ttl) {
        requireName("user", user);
        requireName("tenant", tenant);
        ttl.ifPresent(d -> {
            if (d.isNegative() || d.isZero()) {
                throw PartitaException.invalid("expires", "expires must be a positive duration, was " + d);
            }
        });
        String text = newText();
        String hash = hash(text);
        long now = clock.getAsLong();
        StoredToken token = new StoredToken(
                "tok-" + hash.substring(0, 16),
                hash,
                user,
                role.wireName(),
                tenant,
                now,
                ttl.map(d -> now + d.toMillis()),
                Optional.empty());
        store.putToken(token);
        return new Issued(token, text);
    }

    /** Whether {@code value} is a valid user or tenant name: 1 to 64 letters, digits or ._@-. */
    public static boolean validName(String value) {
        return value != null && NAME.matcher(value).matches();
    }

    private static void requireName(String field, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw PartitaException.invalid(
                    field, field + " must be 1 to 64 letters, digits or ._@-, was '" + value + "'");
        }
    }

    /** The principal of a token's {@code text}; empty if it is unknown, revoked or expired. */
    public Optional<Principal> verify(String text) {
        if (text == null || text.isEmpty() || text.length() > 200) {
            return Optional.empty();
        }
        String hash = hash(text);
        long now = clock.getAsLong();
        Cached cached = cache.get(hash);
        if (cached == null || now - cached.readAt() > CACHE_TTL.toMillis()) {
            if (cache.size() > MAX_CACHED) {
                cache.clear();
            }
            cached = new Cached(store.tokenByHash(hash), now);
            cache.put(hash, cached);
        }
        return cached.token()
                .filter(t -> t.revokedAt().isEmpty())
                .filter(t -> t.expiresAt().map(e -> e > now).orElse(true))
                .map(t -> new Principal(t.id(), t.user(), Principal.Role.parse(t.role(), "role"), t.tenant()));
    }

    /** Every token, oldest first, with its hash: the caller shows what it chooses. */
    public List<StoredToken> list() {
        return store.tokens();
    }

    /** Revokes the token {@code id}; false if there is none or it already was revoked. */
    public boolean revoke(String id) {
        boolean revoked = store.revokeToken(id, clock.getAsLong());
        cache.clear();
        return revoked;
    }

    /**
     * The admin token of the coordinator whose data directory is {@code dataDir}: read from {@link
     * #ADMIN_TOKEN_FILE} there, or made and written to it (mode 0600) on first start, and stored
     * (hashed) if the store does not have it yet (a fresh store behind an old data directory). A
     * revoked admin token stays revoked: delete the file to get a new one.
     */
    public String adminToken(Path dataDir) {
        Path file = dataDir.resolve(ADMIN_TOKEN_FILE);
        try {
            Files.createDirectories(dataDir);
            String text;
            if (Files.exists(file)) {
                text = Files.readString(file, StandardCharsets.UTF_8).strip();
            } else {
                text = newText();
                write(file, text);
            }
            String hash = hash(text);
            if (store.tokenByHash(hash).isEmpty()) {
                store.putToken(new StoredToken(
                        "tok-" + hash.substring(0, 16),
                        hash,
                        "admin",
                        Principal.Role.ADMIN.wireName(),
                        Principal.DEFAULT_TENANT,
                        clock.getAsLong(),
                        Optional.empty(),
                        Optional.empty()));
            }
            return text;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the admin token file " + file, e);
        }
    }

    /** Writes {@code text} to a new file readable by its owner only. */
    static void write(Path file, String text) throws IOException {
        Set<PosixFilePermission> ownerOnly = PosixFilePermissions.fromString("rw-------");
        try {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(ownerOnly));
        } catch (UnsupportedOperationException e) {
            Files.createFile(file);
        } catch (FileAlreadyExistsException e) {
            // another coordinator of the same data directory won the race; its token is as good
            return;
        }
        Files.writeString(file, text + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
    }

    /** A new token's text: {@code pt_} and 32 random bytes in URL-safe base64. */
    static String newText() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return "pt_" + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The SHA-256 of {@code text}, lower-case hex: what the store keeps. */
    public static String hash(String text) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
