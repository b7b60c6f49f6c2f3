package io.partita.coordinator.wire;

import io.partita.coordinator.CoordinatorConfig;
import io.partita.coordinator.common.AddressBlock;
import io.partita.coordinator.core.Trust;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * Decides a worker connection's {@link Trust} when it connects (docs/verification.md): {@code
 * local} for the coordinator's own local workers, which present a token made at start and known
 * only to this process and the worker processes it started (they read it from a pipe, never from
 * their command line or a file), and only from this machine (a loopback address or one of its own
 * interfaces' addresses); {@code trusted} for workers that presented a worker or admin token and
 * for connections from the addresses the operator listed; {@code untrusted} for everyone else. Thread-safe (immutable).
 */
public final class TrustGate {
    private final String localToken;
    private final List<AddressBlock> trusted;
    private final boolean eachConnectionAHost;

    /** A gate with a fresh local token and {@code trust}'s addresses. */
    public TrustGate(CoordinatorConfig.Trust trust) {
        byte[] secret = new byte[32];
        new SecureRandom().nextBytes(secret);
        this.localToken = Base64.getUrlEncoder().withoutPadding().encodeToString(secret);
        this.trusted =
                trust.trustedAddresses().stream().map(AddressBlock::parse).toList();
        this.eachConnectionAHost = trust.eachConnectionAHost();
    }

    /** The token the coordinator's local worker presents ({@code Authorization: Bearer}). */
    public String localToken() {
        return localToken;
    }

    /** Whether every connection counts as its own host (tests and demos on one machine). */
    public boolean eachConnectionAHost() {
        return eachConnectionAHost;
    }

    /** Whether {@code token} (without its {@code Bearer} prefix) is this coordinator's local-worker token. */
    public boolean isLocalToken(String token) {
        return token != null
                && MessageDigest.isEqual(
                        token.strip().getBytes(StandardCharsets.UTF_8), localToken.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The trust of a connection with that {@code Authorization} header from that address: local
     * with the local-worker token from this machine; trusted with a worker or admin API token ({@code authenticated},
     * docs/security.md) or from a listed address; untrusted otherwise.
     */
    public Trust classify(Optional<String> authorization, boolean authenticated, InetAddress address) {
        if (authorization.isPresent()
                && authorization.get().startsWith("Bearer ")
                && isLocalToken(authorization.get().substring(7))
                && fromThisMachine(address)) {
            return Trust.LOCAL;
        }
        if (authenticated) {
            return Trust.TRUSTED;
        }
        if (address != null) {
            for (AddressBlock block : trusted) {
                if (block.contains(address)) {
                    return Trust.TRUSTED;
                }
            }
        }
        return Trust.UNTRUSTED;
    }

    /**
     * Whether {@code address} is a loopback address or one of this machine's own: the local token
     * counts from nowhere else, so that it would not make a remote peer local even if it leaked.
     */
    static boolean fromThisMachine(InetAddress address) {
        if (address == null) {
            return false;
        }
        if (address.isLoopbackAddress()) {
            return true;
        }
        try {
            return java.net.NetworkInterface.getByInetAddress(address) != null;
        } catch (java.net.SocketException e) {
            return false;
        }
    }
}
