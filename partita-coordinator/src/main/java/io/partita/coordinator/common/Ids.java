package io.partita.coordinator.common;

import java.security.SecureRandom;

/**
 * Ids of jobs and data jobs: the current time in milliseconds in base 36, then six random base-36
 * digits, so ids sort roughly by creation and do not collide across coordinators. Thread-safe.
 */
public final class Ids {
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {}

    /** A new id such as {@code mip6s1kq3fz0xa}. */
    public static String newId() {
        StringBuilder id = new StringBuilder(Long.toString(System.currentTimeMillis(), 36));
        for (int i = 0; i < 6; i++) {
            id.append(Character.forDigit(RANDOM.nextInt(36), 36));
        }
        return id.toString();
    }
}
