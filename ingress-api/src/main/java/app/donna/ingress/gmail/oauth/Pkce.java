package app.donna.ingress.gmail.oauth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Proof Key for Code Exchange (RFC 7636) with the S256 method: a random verifier kept on the server and
 * its SHA-256 challenge sent with the authorization request, so an intercepted code is useless without
 * the verifier.
 *
 * @param verifier  43 characters of base64url (32 random bytes), sent only with the code exchange
 * @param challenge the verifier's SHA-256, base64url without padding
 */
public record Pkce(String verifier, String challenge) {

    /** A new verifier and its challenge. */
    public static Pkce create(SecureRandom random) {
        return new Pkce(randomToken(random), null);
    }

    public Pkce {
        if (challenge == null) {
            challenge = challengeOf(verifier);
        }
    }

    /** The S256 challenge of {@code verifier}. */
    public static String challengeOf(String verifier) {
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(verifier.getBytes(StandardCharsets.US_ASCII));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(hash);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** 32 random bytes as base64url without padding (43 characters): a verifier, a state, a cookie. */
    public static String randomToken(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The SHA-256 of {@code token} in hex: how a state or a cookie is kept, never in clear. */
    public static String hashOf(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "Pkce[challenge=" + challenge + "]"; // never the verifier
    }
}
