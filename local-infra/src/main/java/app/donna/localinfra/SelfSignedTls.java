package app.donna.localinfra;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for {@code localhost} and {@code 127.0.0.1}, so that {@code donna dev} can
 * serve the voice relay over TLS ({@code wss://}), as the OpenAI SDKs connect. Made once with the JDK's
 * own {@code keytool} into a PKCS#12 keystore and reused while it exists; Spring Boot serves it as an SSL
 * bundle ({@link #serverArgs}). Clients trust it through {@link #trustingContext}.
 */
public final class SelfSignedTls {

    public static final String ALIAS = "donna-dev";
    /** The keystore only ever holds this throw-away key; its password protects nothing. */
    public static final String PASSWORD = "donna-dev-only";

    private SelfSignedTls() {}

    /** The keystore in {@code folder}, made now if it is not there yet. */
    public static Path keystore(Path folder) {
        Path keystore = folder.resolve("voice-relay-tls.p12");
        if (Files.exists(keystore)) {
            return keystore;
        }
        try {
            Files.createDirectories(folder);
            Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
            Process process = new ProcessBuilder(List.of(
                            keytool.toString(),
                            "-genkeypair",
                            "-alias",
                            ALIAS,
                            "-keyalg",
                            "EC",
                            "-groupname",
                            "secp256r1",
                            "-validity",
                            "365",
                            "-dname",
                            "CN=localhost",
                            "-ext",
                            "SAN=dns:localhost,ip:127.0.0.1",
                            "-keystore",
                            keystore.toString(),
                            "-storetype",
                            "PKCS12",
                            "-storepass",
                            PASSWORD,
                            "-keypass",
                            PASSWORD))
                    .redirectErrorStream(true)
                    .start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
                throw new IllegalStateException("keytool could not make a certificate: " + output.strip());
            }
            return keystore;
        } catch (IOException e) {
            throw new IllegalStateException("keytool could not be run from " + System.getProperty("java.home"), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while making a certificate", e);
        }
    }

    /** Spring Boot properties that serve the keystore's certificate on a service's port (SSL bundle {@code donna-dev}). */
    public static Map<String, String> serverProperties(Path keystore) {
        Map<String, String> properties = new LinkedHashMap<>();
        properties.put("server.ssl.bundle", "donna-dev");
        properties.put("spring.ssl.bundle.jks.donna-dev.keystore.location", "file:" + keystore.toAbsolutePath());
        properties.put("spring.ssl.bundle.jks.donna-dev.keystore.password", PASSWORD);
        properties.put("spring.ssl.bundle.jks.donna-dev.keystore.type", "PKCS12");
        properties.put("spring.ssl.bundle.jks.donna-dev.key.alias", ALIAS);
        return properties;
    }

    /** {@link #serverProperties} as command-line arguments. */
    public static List<String> serverArgs(Path keystore) {
        return serverProperties(keystore).entrySet().stream()
                .map(p -> "--" + p.getKey() + "=" + p.getValue())
                .toList();
    }

    /** A TLS context for clients that trusts the keystore's certificate. */
    public static SSLContext trustingContext(Path keystore) {
        try (InputStream in = Files.newInputStream(keystore)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(in, PASSWORD.toCharArray());
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init(store);
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trust.getTrustManagers(), null);
            return context;
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("the keystore " + keystore + " cannot be read", e);
        }
    }
}
