package io.partita.protocol;

import java.nio.charset.StandardCharsets;

/**
 * The WebSocket close codes the Partita protocols use, and the rule for close reasons. Stateless and
 * thread-safe.
 */
public final class CloseCodes {
    /** The peer is done: a graceful close. */
    public static final int NORMAL = 1000;

    /** The peer sent a kind of frame the protocol does not use (a binary frame). */
    public static final int UNSUPPORTED = 1003;

    /** The peer broke the protocol: a malformed message, a wrong type, a message out of order. */
    public static final int POLICY = 1008;

    /** The peer sent a message larger than the limit. */
    public static final int TOO_BIG = 1009;

    /** The server refuses the connection for now (too many connections); the peer may retry later. */
    public static final int TRY_AGAIN = 1013;

    /** The most bytes of UTF-8 a close frame's reason may have. */
    public static final int MAX_REASON_BYTES = 123;

    private CloseCodes() {}

    /**
     * The reason cut to fit a close frame ({@value #MAX_REASON_BYTES} bytes of UTF-8), ending in
     * {@code "..."} when cut.
     */
    public static String reason(String reason) {
        byte[] bytes = reason.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= MAX_REASON_BYTES) {
            return reason;
        }
        String cut = new String(bytes, 0, 120, StandardCharsets.UTF_8);
        return cut.substring(0, Math.max(0, cut.length() - 1)) + "...";
    }
}
