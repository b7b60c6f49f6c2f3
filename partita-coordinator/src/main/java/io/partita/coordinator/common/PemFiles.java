package io.partita.coordinator.common;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the PEM files of {@code --tls-cert} and {@code --tls-key} without a crypto library: a
 * certificate chain (one or more {@code CERTIFICATE} blocks, the server's first) and an unencrypted
 * private key in any of the three forms tools write: PKCS#8 ({@code PRIVATE KEY}, what {@code
 * openssl genpkey} and most ACME clients write), PKCS#1 ({@code RSA PRIVATE KEY}) and SEC1 ({@code
 * EC PRIVATE KEY}, what {@code openssl ecparam -genkey} writes). The last two are wrapped into
 * PKCS#8, which is all the JDK's {@link KeyFactory} reads; that takes a few lines of DER. Errors
 * name the file and what is wrong with it.
 */
public final class PemFiles {
    private static final Pattern BLOCK =
            Pattern.compile("-----BEGIN ([A-Z0-9 ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");

    /** rsaEncryption, 1.2.840.113549.1.1.1, as DER. */
    private static final byte[] RSA_OID = {
        0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7, 0x0d, 0x01, 0x01, 0x01
    };

    /** id-ecPublicKey, 1.2.840.10045.2.1, as DER. */
    private static final byte[] EC_OID = {0x06, 0x07, 0x2a, (byte) 0x86, 0x48, (byte) 0xce, 0x3d, 0x02, 0x01};

    private PemFiles() {}

    /**
     * The certificates of a PEM file, in file order.
     *
     * @throws IllegalArgumentException naming the file if it cannot be read or holds no certificate
     */
    public static List<X509Certificate> certificates(Path file, String option) {
        String text = read(file, option);
        List<X509Certificate> out = new ArrayList<>();
        try {
            CertificateFactory factory = CertificateFactory.getInstance("X.509");
            Matcher m = BLOCK.matcher(text);
            while (m.find()) {
                if (m.group(1).equals("CERTIFICATE")) {
                    try (InputStream in = new java.io.ByteArrayInputStream(decode(m.group(2), file, option))) {
                        out.add((X509Certificate) factory.generateCertificate(in));
                    }
                }
            }
        } catch (CertificateException | IOException e) {
            throw new IllegalArgumentException(
                    option + " " + file + " holds a certificate that cannot be read: " + e.getMessage(), e);
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException(
                    option + " " + file + " holds no PEM certificate (-----BEGIN CERTIFICATE-----)");
        }
        return List.copyOf(out);
    }

    /**
     * The private key of a PEM file.
     *
     * @throws IllegalArgumentException naming the file if it cannot be read, holds no key, holds an
     *     encrypted one, or one of an algorithm the JDK does not know
     */
    public static PrivateKey privateKey(Path file, String option) {
        String text = read(file, option);
        if (text.contains("Proc-Type: 4,ENCRYPTED")) {
            throw new IllegalArgumentException(
                    option + " " + file + " is encrypted; decrypt it first (openssl pkey -in KEY -out PLAIN.pem)");
        }
        Matcher m = BLOCK.matcher(text);
        while (m.find()) {
            String type = m.group(1);
            byte[] der = decode(m.group(2), file, option);
            switch (type) {
                case "PRIVATE KEY" -> {
                    return pkcs8(der, file, option);
                }
                case "RSA PRIVATE KEY" -> {
                    return pkcs8(wrap(seq(RSA_OID, new byte[] {0x05, 0x00}), der), file, option);
                }
                case "EC PRIVATE KEY" -> {
                    return pkcs8(wrap(seq(EC_OID, curveOf(der, file, option)), der), file, option);
                }
                case "ENCRYPTED PRIVATE KEY" ->
                    throw new IllegalArgumentException(option + " " + file
                            + " is encrypted; decrypt it first (openssl pkcs8 -in KEY -out PLAIN.pem -nocrypt)");
                default -> {
                    // EC PARAMETERS, a certificate put first by mistake: look further
                }
            }
        }
        throw new IllegalArgumentException(option + " " + file
                + " holds no PEM private key (-----BEGIN PRIVATE KEY-----, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    private static PrivateKey pkcs8(byte[] der, Path file, String option) {
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (GeneralSecurityException e) {
                // try the next algorithm
            }
        }
        throw new IllegalArgumentException(
                option + " " + file + " holds a private key of an algorithm this JDK cannot read (or a damaged one)");
    }

    /** The named-curve OID in the {@code [0] parameters} of a SEC1 ECPrivateKey. */
    private static byte[] curveOf(byte[] sec1, Path file, String option) {
        try {
            int[] outer = header(sec1, 0); // SEQUENCE
            int p = outer[1];
            int end = outer[1] + outer[2];
            while (p < end) {
                int[] h = header(sec1, p);
                if ((sec1[p] & 0xff) == 0xa0) {
                    int[] oid = header(sec1, h[1]);
                    if ((sec1[h[1]] & 0xff) != 0x06) {
                        break;
                    }
                    return java.util.Arrays.copyOfRange(sec1, h[1], oid[1] + oid[2]);
                }
                p = h[1] + h[2];
            }
        } catch (IndexOutOfBoundsException e) {
            // a damaged key: said below
        }
        throw new IllegalArgumentException(option + " " + file
                + " holds an EC PRIVATE KEY without a named curve; convert it with openssl pkcs8 -topk8 -nocrypt");
    }

    /** {tag position, content start, content length} of the DER element at {@code at}. */
    private static int[] header(byte[] der, int at) {
        int len = der[at + 1] & 0xff;
        int start = at + 2;
        if (len >= 0x80) {
            int n = len & 0x7f;
            len = 0;
            for (int i = 0; i < n; i++) {
                len = (len << 8) | (der[start + i] & 0xff);
            }
            start += n;
        }
        if (start + len > der.length) {
            throw new IndexOutOfBoundsException("DER element overruns its buffer");
        }
        return new int[] {at, start, len};
    }

    /** PrivateKeyInfo ::= SEQUENCE { INTEGER 0, algorithm, OCTET STRING key }. */
    private static byte[] wrap(byte[] algorithm, byte[] key) {
        return tlv(0x30, concat(new byte[] {0x02, 0x01, 0x00}, algorithm, tlv(0x04, key)));
    }

    private static byte[] seq(byte[]... parts) {
        return tlv(0x30, concat(parts));
    }

    private static byte[] tlv(int tag, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(content.length + 6);
        out.write(tag);
        int len = content.length;
        if (len < 0x80) {
            out.write(len);
        } else if (len < 0x100) {
            out.write(0x81);
            out.write(len);
        } else if (len < 0x10000) {
            out.write(0x82);
            out.write(len >> 8);
            out.write(len);
        } else {
            out.write(0x83);
            out.write(len >> 16);
            out.write(len >> 8);
            out.write(len);
        }
        out.writeBytes(content);
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    private static byte[] decode(String base64, Path file, String option) {
        try {
            return Base64.getMimeDecoder().decode(base64);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(option + " " + file + " has a damaged PEM block: " + e.getMessage());
        }
    }

    private static String read(Path file, String option) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII);
        } catch (java.nio.charset.MalformedInputException e) {
            throw new IllegalArgumentException(option + " " + file + " is not a PEM file (it is binary; DER?)");
        } catch (IOException e) {
            throw new IllegalArgumentException(option + " " + file + " cannot be read: " + e);
        }
    }
}
