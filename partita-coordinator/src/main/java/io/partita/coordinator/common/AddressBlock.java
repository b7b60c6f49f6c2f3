package io.partita.coordinator.common;

import java.net.InetAddress;
import java.net.UnknownHostException;

/**
 * An IP address or a CIDR block ({@code 192.168.1.7}, {@code 10.0.0.0/8}, {@code ::1}, {@code
 * fd00::/8}), parsed without DNS: only literal addresses are accepted.
 */
public record AddressBlock(byte[] network, int prefix) {
    /**
     * Parses an address or block.
     *
     * @throws IllegalArgumentException naming the text if it is not a literal address or block
     */
    public static AddressBlock parse(String text) {
        String t = text.strip();
        int slash = t.indexOf('/');
        String address = slash < 0 ? t : t.substring(0, slash);
        if (address.isEmpty() || !address.matches("[0-9a-fA-F:.\\[\\]]+")) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text);
        }
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(address.replace("[", "").replace("]", ""))
                    .getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an IP address or CIDR block: " + text, e);
        }
        int prefix = bytes.length * 8;
        if (slash >= 0) {
            try {
                prefix = Integer.parseInt(t.substring(slash + 1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a CIDR prefix length: " + text, e);
            }
            if (prefix < 0 || prefix > bytes.length * 8) {
                throw new IllegalArgumentException("CIDR prefix length out of range: " + text);
            }
        }
        return new AddressBlock(bytes, prefix);
    }

    /** Whether the address is in this block (an IPv4-mapped IPv6 address matches its IPv4 block). */
    public boolean contains(InetAddress address) {
        byte[] a = address.getAddress();
        if (a.length == 16 && network.length == 4 && isMapped(a)) {
            a = java.util.Arrays.copyOfRange(a, 12, 16);
        }
        if (a.length != network.length) {
            return false;
        }
        int full = prefix / 8;
        for (int i = 0; i < full; i++) {
            if (a[i] != network[i]) {
                return false;
            }
        }
        int rest = prefix % 8;
        if (rest == 0) {
            return true;
        }
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & mask) == (network[full] & mask);
    }

    private static boolean isMapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xFF && a[11] == (byte) 0xFF;
    }
}
