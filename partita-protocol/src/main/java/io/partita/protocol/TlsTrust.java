package io.partita.protocol;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Which coordinator certificates a client (worker, CLI, {@code PartitaClient}) trusts over {@code
 * https}/{@code wss} (docs/security.md): the JDK's trust store (or the one the JVM's {@code
 * javax.net.ssl.trustStore} properties name), plus the PEM certificates of {@code --ca-cert FILE}
 * or {@code PARTITA_CA_CERT}:
 *
 * <ul>
 *   <li>a certificate authority in the file is a further trust anchor, with the usual host name
 *       check (a private CA);
 *   <li>a server certificate that is itself in the file is accepted as it is, whatever names it
 *       carries (a self-signed certificate, pinned: only the holder of its key can present it).
 * </ul>
 *
 * Thread-safe; the contexts it makes are immutable.
 */
public final class TlsTrust {
    /** The environment variable naming a PEM file of certificates to trust. */
    public static final String ENV = "PARTITA_CA_CERT";

    private TlsTrust() {}

    /**
     * A TLS context trusting what the JDK trusts plus the certificates in {@code pemFile}.
     *
     * @throws IllegalArgumentException naming the file if it cannot be read or holds no certificate
     */
    public static SSLContext context(Path pemFile) {
        return context(certificates(pemFile));
    }

    /** A TLS context trusting what the JDK trusts plus {@code extra}. */
    public static SSLContext context(List<X509Certificate> extra) {
        try {
            X509ExtendedTrustManager jdk = trustManager(null);
            KeyStore own = KeyStore.getInstance(KeyStore.getDefaultType());
            own.load(null, null);
            for (int i = 0; i < extra.size(); i++) {
                own.setCertificateEntry("ca-" + i, extra.get(i));
            }
            X509ExtendedTrustManager anchors = trustManager(own);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new Pinning(List.copyOf(extra), jdk, anchors)}, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new IllegalStateException("cannot set up TLS trust: " + e.getMessage(), e);
        }
    }

    /**
     * The context {@code --ca-cert} or else {@code PARTITA_CA_CERT} asks for, if either names a
     * file.
     */
    public static Optional<SSLContext> fromOptionOrEnvironment(Optional<Path> option) {
        if (option.isPresent()) {
            return Optional.of(context(option.get()));
        }
        String env = System.getenv(ENV);
        return env == null || env.isBlank() ? Optional.empty() : Optional.of(context(Path.of(env)));
    }

    /**
     * The certificates of a PEM (or DER) file.
     *
     * @throws IllegalArgumentException naming the file if it cannot be read or holds none
     */
    public static List<X509Certificate> certificates(Path pemFile) {
        try (InputStream in = Files.newInputStream(pemFile)) {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                out.add((X509Certificate) c);
            }
            if (out.isEmpty()) {
                throw new IllegalArgumentException("ca-cert " + pemFile + " holds no certificate");
            }
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException("ca-cert " + pemFile + " cannot be read: " + e, e);
        } catch (CertificateException e) {
            throw new IllegalArgumentException(
                    "ca-cert " + pemFile + " is not a PEM certificate file: " + e.getMessage(), e);
        }
    }

    private static X509ExtendedTrustManager trustManager(KeyStore store) throws GeneralSecurityException {
        TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        f.init(store);
        for (TrustManager t : f.getTrustManagers()) {
            if (t instanceof X509ExtendedTrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X509 trust manager");
    }

    /**
     * Accepts a chain whose server certificate is one of the pinned ones; otherwise what the JDK's
     * trust store or the extra anchors accept, host name check included (an {@link
     * X509ExtendedTrustManager} does that check itself, from the engine's or socket's parameters).
     */
    private static final class Pinning extends X509ExtendedTrustManager {
        private final List<X509Certificate> pinned;
        private final X509ExtendedTrustManager jdk;
        private final X509ExtendedTrustManager anchors;

        Pinning(List<X509Certificate> pinned, X509ExtendedTrustManager jdk, X509ExtendedTrustManager anchors) {
            this.pinned = pinned;
            this.jdk = jdk;
            this.anchors = anchors;
        }

        private interface Check {
            void run(X509ExtendedTrustManager m) throws CertificateException;
        }

        private void check(X509Certificate[] chain, Check check) throws CertificateException {
            if (chain != null && chain.length > 0 && pinned.contains(chain[0])) {
                chain[0].checkValidity();
                return;
            }
            try {
                check.run(jdk);
            } catch (CertificateException first) {
                if (pinned.isEmpty()) {
                    throw first;
                }
                try {
                    check.run(anchors);
                } catch (CertificateException second) {
                    second.addSuppressed(first);
                    throw second;
                }
            }
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            check(chain, m -> m.checkServerTrusted(chain, authType, socket));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            check(chain, m -> m.checkServerTrusted(chain, authType, engine));
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            check(chain, m -> m.checkServerTrusted(chain, authType));
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("this trust manager is for clients only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("this trust manager is for clients only");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("this trust manager is for clients only");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            List<X509Certificate> all = new ArrayList<>(List.of(jdk.getAcceptedIssuers()));
            all.addAll(pinned);
            return all.toArray(X509Certificate[]::new);
        }
    }
}
