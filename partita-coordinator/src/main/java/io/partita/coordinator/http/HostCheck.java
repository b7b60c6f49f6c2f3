package io.partita.coordinator.http;

import io.partita.coordinator.CoordinatorConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DNS rebinding defence (docs/security.md): which {@code Host} headers the coordinator answers.
 *
 * <p>A page on {@code evil.example} can make its own name resolve to 127.0.0.1 (or to a private
 * address) after it has loaded; the browser then sends that page's requests to the coordinator as
 * same-origin requests to {@code evil.example}, and lets the page read the answers. Tokens are not
 * sent by browsers on their own, but the public routes (join pages, volunteers, code by hash, the
 * worker socket) would still answer. What gives such a request away is its {@code Host} header:
 * the attacker's name. A request is answered only when its host is
 *
 * <ul>
 *   <li>an IP address literal (a rebinding page's origin is a name: a request addressed to an IP
 *       address was addressed to this machine by whoever typed it);
 *   <li>{@code localhost} or a name under {@code .localhost} (these resolve to loopback by RFC
 *       6761, so no other site's page can be served from them);
 *   <li>the host of {@link CoordinatorConfig#publicUrl()}, the bound interface's name, or one of
 *       {@link CoordinatorConfig#allowedHosts()} ({@code *.example.org} allows the names under it;
 *       {@code *} allows every host).
 * </ul>
 *
 * <p>The check is on when the coordinator listens on loopback only (the default) or when a public
 * URL or an allowed host is configured. Listening on another interface with neither, any host is
 * answered (a warning at start says how to turn the check on): the names a network reaches a
 * server by are not knowable from inside, and refusing them would break every worker started with
 * {@code --coordinator http://my-pc:8080}. A request without a {@code Host} header (HTTP/1.0, not a
 * browser) is answered. Thread-safe.
 */
public final class HostCheck {
    private static final Logger log = LoggerFactory.getLogger(HostCheck.class);
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final int MAX_LOGGED = 1000;

    private final boolean active;
    private final Set<String> names;
    private final List<String> suffixes;
    private final Set<String> logged = ConcurrentHashMap.newKeySet();

    /** The check of a coordinator with {@code config}. */
    public HostCheck(CoordinatorConfig config) {
        Set<String> n = new HashSet<>();
        List<String> s = new java.util.ArrayList<>();
        boolean any = false;
        for (String h : config.allowedHosts()) {
            if (h.equals("*")) {
                any = true;
            } else if (h.startsWith("*.")) {
                s.add(h.substring(1));
            } else {
                n.add(trimDot(h));
            }
        }
        config.publicUrl().ifPresent(u -> n.add(trimDot(u.getHost().toLowerCase(Locale.ROOT))));
        String bound = config.host().toLowerCase(Locale.ROOT);
        if (!isWildcard(bound)) {
            n.add(trimDot(bound));
        }
        boolean configured =
                !config.allowedHosts().isEmpty() || config.publicUrl().isPresent();
        this.active = !any && (configured || isLoopback(bound));
        this.names = Set.copyOf(n);
        this.suffixes = List.copyOf(s);
    }

    /** Whether requests are checked at all (see the class comment). */
    public boolean active() {
        return active;
    }

    /** Whether a request with this {@code Host} header (absent: none) is answered. */
    public boolean allows(Optional<String> hostHeader) {
        if (!active || hostHeader.isEmpty()) {
            return true;
        }
        String name = name(hostHeader.get());
        if (name.isEmpty()) {
            return false;
        }
        if (name.startsWith("[") || IPV4.matcher(name).matches()) {
            return true; // an address literal: see the class comment
        }
        if (name.equals("localhost") || name.endsWith(".localhost") || names.contains(name)) {
            return true;
        }
        for (String suffix : suffixes) {
            if (name.endsWith(suffix)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The error for a refused {@code Host}, logged once per host (up to 1000 hosts): 421 Misdirected
     * Request naming the host and how to allow it.
     */
    public io.partita.coordinator.common.PartitaException refusal(Optional<String> hostHeader, String remote) {
        String host = hostHeader.orElse("");
        String name = name(host);
        if (logged.size() < MAX_LOGGED && logged.add(name)) {
            log.warn(
                    "Refused requests for Host '{}' (first from {}): not this coordinator's name; a DNS"
                            + " rebinding attempt, or a name to allow with --allowed-host {} (logged once per host)",
                    host,
                    remote,
                    name);
        }
        return new io.partita.coordinator.common.PartitaException(
                io.partita.coordinator.common.PartitaException.Kind.MISDIRECTED,
                "host_not_allowed",
                "this coordinator does not answer for Host '" + host + "'; if that is a name of this server,"
                        + " start it with --allowed-host " + (name.isEmpty() ? "NAME" : name)
                        + " or --public-url (docs/security.md)",
                "Host");
    }

    /** The host part of a {@code Host} header, lower case, without port and trailing dot. */
    static String name(String header) {
        String h = header.strip().toLowerCase(Locale.ROOT);
        if (h.startsWith("[")) {
            int close = h.indexOf(']');
            return close < 0 ? "" : h.substring(0, close + 1);
        }
        int colon = h.lastIndexOf(':');
        if (colon >= 0) {
            h = h.substring(0, colon);
        }
        return trimDot(h);
    }

    private static String trimDot(String h) {
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }

    private static boolean isWildcard(String host) {
        return host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]") || host.equals("0:0:0:0:0:0:0:0");
    }

    /** Whether the bind address {@code host} is a loopback interface. */
    public static boolean isLoopback(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        return h.equals("localhost") || h.startsWith("127.") || h.equals("::1") || h.equals("[::1]");
    }
}
