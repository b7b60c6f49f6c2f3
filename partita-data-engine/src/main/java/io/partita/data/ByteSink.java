package io.partita.data;

import java.util.Arrays;

/** A growable byte buffer that encodes text as UTF-8 without intermediate arrays. Not thread-safe. */
final class ByteSink {
    private byte[] buf;
    private int size;

    ByteSink(int capacity) {
        buf = new byte[Math.max(16, capacity)];
    }

    int size() {
        return size;
    }

    private void ensure(int more) {
        int need = size + more;
        if (need > buf.length) {
            if (need < 0 || need > Integer.MAX_VALUE - 16) {
                throw new DataException("output larger than 2 GiB");
            }
            buf = Arrays.copyOf(buf, (int) Math.min(Integer.MAX_VALUE - 16, Math.max(need, 2L * buf.length)));
        }
    }

    void write(int b) {
        if (size == buf.length) {
            ensure(1);
        }
        buf[size++] = (byte) b;
    }

    void write(byte[] b) {
        write(b, 0, b.length);
    }

    void write(byte[] b, int off, int len) {
        ensure(len);
        System.arraycopy(b, off, buf, size, len);
        size += len;
    }

    /** Writes characters known to be ASCII. */
    void writeAscii(String s) {
        int n = s.length();
        ensure(n);
        byte[] a = buf;
        int p = size;
        for (int i = 0; i < n; i++) {
            a[p++] = (byte) s.charAt(i);
        }
        size = p;
    }

    /** Writes a character sequence as UTF-8; a lone surrogate becomes {@code ?} as in {@link String#getBytes}. */
    void writeUtf8(CharSequence s) {
        writeUtf8(s, 0, s.length());
    }

    void writeUtf8(CharSequence s, int from, int to) {
        ensure((to - from) * 3);
        byte[] a = buf;
        int p = size;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                a[p++] = (byte) c;
            } else if (c < 0x800) {
                a[p++] = (byte) (0xC0 | (c >> 6));
                a[p++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    a[p++] = (byte) (0xF0 | (cp >> 18));
                    a[p++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    a[p++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    a[p++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    a[p++] = '?';
                }
            } else {
                a[p++] = (byte) (0xE0 | (c >> 12));
                a[p++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                a[p++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        size = p;
    }

    byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }
}
