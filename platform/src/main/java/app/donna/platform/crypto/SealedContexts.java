package app.donna.platform.crypto;

/**
 * What each sealed secret is sealed for ({@link SealedSecrets}'s context): one place, because one service
 * seals and another opens (ingress-api seals the OAuth code and verifier, email-processor opens them).
 * Each names the secret's purpose and its owner, so a value moved to another user or use does not open.
 */
public final class SealedContexts {

    private SealedContexts() {}

    /** A user's Gmail authorization code, on its way from ingress-api to email-processor. */
    public static String gmailOAuthCode(String userId) {
        return "gmail-oauth-code:" + userId;
    }

    /** The PKCE verifier of a user's Gmail authorization request. */
    public static String gmailOAuthVerifier(String userId) {
        return "gmail-oauth-verifier:" + userId;
    }

    /** A user's Gmail refresh token, kept by email-processor. */
    public static String gmailRefreshToken(String userId) {
        return "gmail-refresh-token:" + userId;
    }
}
