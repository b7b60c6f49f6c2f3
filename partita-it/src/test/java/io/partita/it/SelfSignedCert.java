package io.partita.it;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate and its key as PEM files, made at test time with the JDK's {@code
 * keytool} (no crypto library): keytool writes a PKCS#12 key store, from which the test writes
 * the certificate and the PKCS#8 key as PEM, as {@code openssl} or an ACME client would.
 */
record SelfSignedCert(Path cert, Path key) {
    /** A certificate for {@code subjectAltNames} (e.g. {@code dns:localhost,ip:127.0.0.1}). */
    static SelfSignedCert make(Path dir, String keyAlg, String subjectAltNames) throws Exception {
        Files.createDirectories(dir);
        Path store = dir.resolve("keystore.p12");
        Files.deleteIfExists(store);
        String keytool =
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        List<String> cmd = new ArrayList<>(List.of(
                keytool,
                "-genkeypair",
                "-alias",
                "partita",
                "-keyalg",
                keyAlg,
                "-validity",
                "2",
                "-dname",
                "CN=partita-test",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "changeit",
                "-keypass",
                "changeit"));
        if (keyAlg.equals("RSA")) {
            cmd.addAll(List.of("-keysize", "2048"));
        }
        if (!subjectAltNames.isEmpty()) {
            cmd.addAll(List.of("-ext", "SAN=" + subjectAltNames));
        }
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            throw new IllegalStateException("keytool failed: " + out);
        }
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (var in = Files.newInputStream(store)) {
            ks.load(in, "changeit".toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey("partita", "changeit".toCharArray());
        Certificate cert = ks.getCertificate("partita");
        Path certFile = dir.resolve("cert.pem");
        Path keyFile = dir.resolve("key.pem");
        Files.writeString(certFile, pem("CERTIFICATE", cert.getEncoded()));
        Files.writeString(keyFile, pem("PRIVATE KEY", key.getEncoded()));
        return new SelfSignedCert(certFile, keyFile);
    }

    static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                        .encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }
}
