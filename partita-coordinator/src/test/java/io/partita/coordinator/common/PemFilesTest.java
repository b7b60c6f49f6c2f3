package io.partita.coordinator.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The three PEM forms of a private key that --tls-key reads, and the errors for the rest. */
class PemFilesTest {
    @TempDir
    Path dir;

    @Test
    void privateKey_readsPkcs8Pkcs1AndSec1_asTheSameKey() throws Exception {
        KeyPairGenerator rsa = KeyPairGenerator.getInstance("RSA");
        rsa.initialize(2048);
        PrivateKey rsaKey = rsa.generateKeyPair().getPrivate();
        KeyPairGenerator ec = KeyPairGenerator.getInstance("EC");
        ec.initialize(new ECGenParameterSpec("secp256r1"));
        PrivateKey ecKey = ec.generateKeyPair().getPrivate();

        assertThat(read("PRIVATE KEY", rsaKey.getEncoded()).getEncoded()).isEqualTo(rsaKey.getEncoded());
        assertThat(read("PRIVATE KEY", ecKey.getEncoded()).getEncoded()).isEqualTo(ecKey.getEncoded());

        // PKCS#1: the key inside the PKCS#8 OCTET STRING, as openssl's "traditional" format writes it
        byte[] pkcs1 = innerKey(rsaKey.getEncoded());
        PrivateKey fromPkcs1 = read("RSA PRIVATE KEY", pkcs1);
        assertThat(fromPkcs1.getAlgorithm()).isEqualTo("RSA");
        assertThat(fromPkcs1.getEncoded()).isEqualTo(rsaKey.getEncoded());

        // SEC1 with its named curve in [0], as `openssl ecparam -genkey` writes it
        byte[] sec1 = withCurve(innerKey(ecKey.getEncoded()), curveOid(ecKey.getEncoded()));
        PrivateKey fromSec1 = read("EC PRIVATE KEY", sec1);
        assertThat(fromSec1.getAlgorithm()).isEqualTo("EC");
        assertThat(((java.security.interfaces.ECPrivateKey) fromSec1).getS())
                .isEqualTo(((java.security.interfaces.ECPrivateKey) ecKey).getS());
    }

    @Test
    void privateKey_encryptedMissingOrDamaged_isRefusedNamingTheFile() throws Exception {
        Path encrypted = dir.resolve("enc.pem");
        Files.writeString(encrypted, pem("ENCRYPTED PRIVATE KEY", new byte[] {0x30, 0x00}));
        assertThatThrownBy(() -> PemFiles.privateKey(encrypted, "tls-key"))
                .hasMessageContaining("tls-key " + encrypted)
                .hasMessageContaining("encrypted");
        Path legacy = dir.resolve("legacy.pem");
        Files.writeString(
                legacy,
                "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00\n\nAAAA\n"
                        + "-----END RSA PRIVATE KEY-----\n");
        assertThatThrownBy(() -> PemFiles.privateKey(legacy, "tls-key")).hasMessageContaining("encrypted");
        Path none = dir.resolve("cert-only.pem");
        Files.writeString(none, "hello\n");
        assertThatThrownBy(() -> PemFiles.privateKey(none, "tls-key")).hasMessageContaining("holds no PEM private key");
        Path damaged = dir.resolve("damaged.pem");
        Files.writeString(damaged, pem("PRIVATE KEY", new byte[] {0x30, 0x03, 0x02, 0x01, 0x00}));
        assertThatThrownBy(() -> PemFiles.privateKey(damaged, "tls-key")).hasMessageContaining("damaged");
        assertThatThrownBy(() -> PemFiles.privateKey(dir.resolve("missing.pem"), "tls-key"))
                .hasMessageContaining("cannot be read");
        assertThatThrownBy(() -> PemFiles.certificates(none, "tls-cert"))
                .hasMessageContaining("tls-cert " + none)
                .hasMessageContaining("no PEM certificate");
    }

    private PrivateKey read(String type, byte[] der) throws Exception {
        Path file = Files.createTempFile(dir, "key", ".pem");
        Files.writeString(file, "some comment line\n" + pem(type, der));
        return PemFiles.privateKey(file, "tls-key");
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    /** {content start, content length} of the DER element at {@code at}. */
    private static int[] element(byte[] der, int at) {
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
        return new int[] {start, len};
    }

    /** PrivateKeyInfo = SEQ { INTEGER, SEQ algorithm, OCTET STRING key }: the key. */
    private static byte[] innerKey(byte[] pkcs8) {
        int[] outer = element(pkcs8, 0);
        int[] version = element(pkcs8, outer[0]);
        int algAt = version[0] + version[1];
        int[] alg = element(pkcs8, algAt);
        int keyAt = alg[0] + alg[1];
        int[] key = element(pkcs8, keyAt);
        return Arrays.copyOfRange(pkcs8, key[0], key[0] + key[1]);
    }

    /** The second element of the algorithm SEQ: the curve's OID, as DER. */
    private static byte[] curveOid(byte[] pkcs8) {
        int[] outer = element(pkcs8, 0);
        int[] version = element(pkcs8, outer[0]);
        int algAt = version[0] + version[1];
        int[] alg = element(pkcs8, algAt);
        int[] first = element(pkcs8, alg[0]);
        int curveAt = first[0] + first[1];
        int[] curve = element(pkcs8, curveAt);
        return Arrays.copyOfRange(pkcs8, curveAt, curve[0] + curve[1]);
    }

    /** SEC1 SEQ { version, OCTET STRING, ... } with [0] curve put after the private key. */
    private static byte[] withCurve(byte[] sec1, byte[] oid) {
        int[] outer = element(sec1, 0);
        int[] version = element(sec1, outer[0]);
        int keyAt = version[0] + version[1];
        int[] key = element(sec1, keyAt);
        int afterKey = key[0] + key[1];
        ByteArrayOutputStream content = new ByteArrayOutputStream();
        content.write(sec1, outer[0], afterKey - outer[0]);
        content.write(0xa0);
        content.write(oid.length);
        content.writeBytes(oid);
        content.write(sec1, afterKey, outer[0] + outer[1] - afterKey);
        byte[] c = content.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x30);
        if (c.length >= 0x80) {
            out.write(0x81);
        }
        out.write(c.length);
        out.writeBytes(c);
        return out.toByteArray();
    }
}
