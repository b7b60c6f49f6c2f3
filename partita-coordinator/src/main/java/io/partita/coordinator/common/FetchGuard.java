package io.partita.coordinator.common;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Which addresses the coordinator may fetch a URL from (dataset imports, {@code code.url}): the
 * guard against server-side request forgery. Thread-safe and immutable.
 *
 * <p>A destination is refused when any address its host name resolves to is loopback, private
 * (RFC 1918, {@code fc00::/7}), link-local ({@code 169.254.0.0/16}, the cloud metadata address
 * {@code 169.254.169.254} included, {@code fe80::/10}), unspecified, multicast, carrier-grade NAT
 * ({@code 100.64.0.0/10}), reserved or broadcast, or an IPv6 form that embeds such an IPv4 address
 * (IPv4-mapped, IPv4-compatible, NAT64, 6to4). The operator may allow some anyway with
 * {@code allow-fetch}: an entry is a host name (matched exactly, case-insensitively), an address,
 * or a CIDR block ({@code 10.1.0.0/16}, {@code fd00::/8}).
 *
 * <p>The check is made on the resolved addresses and {@link #resolve} returns the address that was
 * checked, so that the caller connects to exactly that one: a name that resolves differently a
 * moment later (DNS rebinding) cannot slip past. {@link GuardedHttp} does so for every redirect too.
 */
public final class FetchGuard {
    /** Resolves host names; replaced in tests by a fake. */
    @FunctionalInterface
    public interface Resolver {
        /** Every address of {@code host}. */
        InetAddress[] resolve(String host) throws UnknownHostException;

        /** The system's resolver. */
        Resolver SYSTEM = InetAddress::getAllByName;
    }

    private record Block(byte[] network, int bits) {
        boolean contains(byte[] address) {
            if (address.length != network.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (address[i] != network[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (address[full] & mask) == (network[full] & mask);
        }
    }

    private final List<String> hosts = new ArrayList<>();
    private final List<Block> blocks = new ArrayList<>();
    private final Resolver resolver;

    /**
     * A guard that allows these {@code allow-fetch} entries besides public addresses.
     *
     * @throws IllegalArgumentException naming the entry if one is not a host, address or CIDR block
     */
    public FetchGuard(List<String> allow, Resolver resolver) {
        this.resolver = Objects.requireNonNull(resolver, "resolver");
        for (String entry : allow) {
            String e = entry.trim().toLowerCase(Locale.ROOT);
            if (e.isEmpty()) {
                throw new IllegalArgumentException("allow-fetch entries must not be blank");
            }
            int slash = e.indexOf('/');
            String address = slash < 0 ? e : e.substring(0, slash);
            Optional<byte[]> literal = literal(address);
            if (literal.isEmpty()) {
                if (slash >= 0 || !e.matches("[a-z0-9]([a-z0-9.-]*[a-z0-9])?")) {
                    throw new IllegalArgumentException(
                            "allow-fetch must be a host name, an address or a CIDR block, was '" + entry + "'");
                }
                hosts.add(e);
                continue;
            }
            byte[] network = literal.get();
            int bits = network.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(e.substring(slash + 1));
                } catch (NumberFormatException x) {
                    bits = -1;
                }
                if (bits < 0 || bits > network.length * 8) {
                    throw new IllegalArgumentException("allow-fetch block '" + entry + "' has a bad prefix length");
                }
            }
            blocks.add(new Block(network, bits));
        }
    }

    /** A guard with the system's resolver. */
    public FetchGuard(List<String> allow) {
        this(allow, Resolver.SYSTEM);
    }

    /** The bytes of an IP literal (IPv6 in brackets or not); empty for a host name. */
    private static Optional<byte[]> literal(String text) {
        String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
        boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
        boolean v6 = t.contains(":") && t.matches("[0-9a-fA-F:.%a-zA-Z0-9]+");
        if (!v4 && !v6) {
            return Optional.empty();
        }
        try {
            return Optional.of(InetAddress.getByName(t).getAddress()); // a literal: no lookup is made
        } catch (UnknownHostException e) {
            return Optional.empty();
        }
    }

    /**
     * Resolves {@code host} and returns the address to connect to, checked.
     *
     * @param field the request field to name in errors ({@code url}, {@code code.url})
     * @throws PartitaException (422 naming {@code field}) if the host does not resolve or any of its
     *     addresses is refused; the message says which kind of address it is
     */
    public InetAddress resolve(String host, String field) {
        String h = host.startsWith("[") && host.endsWith("]") ? host.substring(1, host.length() - 1) : host;
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(h);
        } catch (UnknownHostException e) {
            throw PartitaException.invalid(field, field + " names host " + host + ", which does not resolve");
        }
        if (addresses == null || addresses.length == 0) {
            throw PartitaException.invalid(field, field + " names host " + host + ", which does not resolve");
        }
        if (hosts.contains(h.toLowerCase(Locale.ROOT))) {
            return addresses[0];
        }
        for (InetAddress a : addresses) {
            Optional<String> why = refusal(a);
            if (why.isPresent()) {
                throw new PartitaException(
                        PartitaException.Kind.INVALID,
                        "destination_refused",
                        field + " refused: host " + host + " is " + why.get() + " (" + a.getHostAddress()
                                + "); the coordinator fetches only public addresses unless the operator allows"
                                + " this one with --allow-fetch",
                        field);
            }
        }
        return addresses[0];
    }

    /** Why {@code a} may not be fetched from, if it may not; allow-listed blocks are allowed. */
    Optional<String> refusal(InetAddress a) {
        byte[] bytes = a.getAddress();
        for (Block b : blocks) {
            if (b.contains(bytes)) {
                return Optional.empty();
            }
        }
        if (a instanceof Inet6Address) {
            Optional<byte[]> embedded = embeddedIpv4(bytes);
            if (embedded.isPresent()) {
                for (Block b : blocks) {
                    if (b.contains(embedded.get())) {
                        return Optional.empty();
                    }
                }
                return v4Refusal(embedded.get()).map(why -> why + " (embedded in an IPv6 address)");
            }
            return v6Refusal(bytes);
        }
        return v4Refusal(bytes);
    }

    /** The IPv4 address inside an IPv4-mapped, -compatible, NAT64 or 6to4 IPv6 address. */
    private static Optional<byte[]> embeddedIpv4(byte[] b) {
        boolean zero80 = true;
        for (int i = 0; i < 10; i++) {
            zero80 &= b[i] == 0;
        }
        boolean mapped = zero80 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = zero80 && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
        boolean nat64 =
                (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
        if (mapped || compatible || nat64) {
            return Optional.of(new byte[] {b[12], b[13], b[14], b[15]});
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) { // 6to4 2002:V4ADDR::/48
            return Optional.of(new byte[] {b[2], b[3], b[4], b[5]});
        }
        return Optional.empty();
    }

    private static Optional<String> v4Refusal(byte[] b) {
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        if (a0 == 127) {
            return Optional.of("a loopback address");
        }
        if (a0 == 0) {
            return Optional.of("an unspecified address");
        }
        if (a0 == 10 || (a0 == 172 && a1 >= 16 && a1 < 32) || (a0 == 192 && a1 == 168)) {
            return Optional.of("a private address");
        }
        if (a0 == 169 && a1 == 254) {
            return Optional.of(
                    (b[2] & 0xff) == 169 && (b[3] & 0xff) == 254
                            ? "the cloud metadata address"
                            : "a link-local address");
        }
        if (a0 == 100 && a1 >= 64 && a1 < 128) {
            return Optional.of("a carrier-grade NAT address");
        }
        if (a0 >= 224 && a0 < 240) {
            return Optional.of("a multicast address");
        }
        if (a0 >= 240) {
            return Optional.of("a reserved or broadcast address");
        }
        if ((a0 == 192 && a1 == 0 && (b[2] & 0xff) == 0) || (a0 == 198 && (a1 == 18 || a1 == 19))) {
            return Optional.of("a reserved address");
        }
        return Optional.empty();
    }

    private static Optional<String> v6Refusal(byte[] b) {
        boolean allZero = true;
        for (int i = 0; i < 15; i++) {
            allZero &= b[i] == 0;
        }
        if (allZero && b[15] == 1) {
            return Optional.of("a loopback address");
        }
        if (allZero && b[15] == 0) {
            return Optional.of("an unspecified address");
        }
        int b0 = b[0] & 0xff;
        int b1 = b[1] & 0xff;
        if ((b0 & 0xfe) == 0xfc) {
            return Optional.of("a private address");
        }
        if (b0 == 0xfe && (b1 & 0xc0) == 0x80) {
            return Optional.of("a link-local address");
        }
        if (b0 == 0xfe && (b1 & 0xc0) == 0xc0) {
            return Optional.of("a site-local address");
        }
        if (b0 == 0xff) {
            return Optional.of("a multicast address");
        }
        return Optional.empty();
    }
}
