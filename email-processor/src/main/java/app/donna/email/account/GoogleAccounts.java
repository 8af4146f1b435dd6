package app.donna.email.account;

import com.google.api.client.auth.oauth2.AuthorizationCodeTokenRequest;
import com.google.api.client.auth.oauth2.ClientParametersAuthentication;
import com.google.api.client.auth.oauth2.TokenResponse;
import com.google.api.client.auth.oauth2.TokenResponseException;
import com.google.api.client.http.GenericUrl;
import com.google.api.client.http.HttpRequest;
import com.google.api.client.http.HttpRequestInitializer;
import com.google.api.client.http.HttpResponse;
import com.google.api.client.http.HttpResponseException;
import com.google.api.client.http.HttpTransport;
import com.google.api.client.http.UrlEncodedContent;
import com.google.api.client.http.javanet.NetHttpTransport;
import com.google.api.client.json.JsonFactory;
import com.google.api.client.json.gson.GsonFactory;
import com.google.api.services.gmail.Gmail;
import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/**
 * Google's side of connecting a mailbox, through Google's own client libraries: the authorization code
 * exchanged for tokens (google-oauth-client, with the PKCE verifier) and the mailbox's address read from
 * the Gmail API (google-api-services-gmail). The endpoints come from {@link GmailSettings}, so a stand-in
 * serves tests and {@code donna dev}.
 */
@Component
public class GoogleAccounts {

    /** What Google granted: the tokens and the scopes the user allowed. */
    public record Grant(String accessToken, String refreshToken, List<String> scopes) {
        @Override
        public String toString() {
            return "Grant[scopes=" + scopes + "]"; // never the tokens
        }
    }

    /** Google refused the request for good ({@code invalid_grant}: the code was used, is too old, or the verifier does not match). */
    public static final class Refused extends Exception {
        public final String error;

        Refused(String error, String message) {
            super(message);
            this.error = error;
        }
    }

    /** Google could not be asked, or did not answer well (a timeout, 429, 5xx): it may work later. */
    public static final class Unavailable extends Exception {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private static final JsonFactory JSON = GsonFactory.getDefaultInstance();

    private final GmailSettings settings;
    private final HttpTransport transport = new NetHttpTransport();

    GoogleAccounts(GmailSettings settings) {
        this.settings = settings;
    }

    /** Exchanges an authorization code (with its PKCE verifier, if any) for tokens. */
    public Grant exchange(String code, String verifier, String redirectUri) throws Refused, Unavailable {
        AuthorizationCodeTokenRequest request = new AuthorizationCodeTokenRequest(
                        transport, JSON, new GenericUrl(settings.tokenEndpoint()), code)
                .setRedirectUri(redirectUri)
                .setClientAuthentication(
                        new ClientParametersAuthentication(settings.clientId(), settings.clientSecret()))
                .setRequestInitializer(timeouts(null));
        if (verifier != null) {
            request.set("code_verifier", verifier);
        }
        try {
            TokenResponse response = request.execute();
            List<String> scopes = response.getScope() == null
                    ? List.of()
                    : Arrays.stream(response.getScope().split(" "))
                            .filter(s -> !s.isBlank())
                            .toList();
            return new Grant(response.getAccessToken(), response.getRefreshToken(), scopes);
        } catch (TokenResponseException e) {
            String error = e.getDetails() == null ? null : e.getDetails().getError();
            if (e.getStatusCode() == 429 || e.getStatusCode() >= 500 || error == null) {
                throw new Unavailable("Google's token endpoint answered " + e.getStatusCode(), null);
            }
            throw new Refused(error, "Google refused the code: " + error);
        } catch (IOException e) {
            throw new Unavailable(
                    "Google's token endpoint could not be reached: "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    /** A short-lived access token, and when it stops working. */
    public record AccessToken(String value, java.time.Instant expiresAt) {
        @Override
        public String toString() {
            return "AccessToken[expiresAt=" + expiresAt + "]";
        }
    }

    /**
     * A fresh access token for a refresh token.
     *
     * @throws Refused     when Google no longer honours the grant ({@code invalid_grant}: revoked, expired,
     *                     or the password changed): the user must connect again
     * @throws Unavailable when Google could not be asked, or answered 429 or 5xx
     */
    public AccessToken accessToken(String refreshToken, java.time.Instant now) throws Refused, Unavailable {
        var request = new com.google.api.client.auth.oauth2.RefreshTokenRequest(
                        transport, JSON, new GenericUrl(settings.tokenEndpoint()), refreshToken)
                .setClientAuthentication(
                        new ClientParametersAuthentication(settings.clientId(), settings.clientSecret()))
                .setRequestInitializer(timeouts(null));
        try {
            TokenResponse response = request.execute();
            long seconds = response.getExpiresInSeconds() == null ? 3600 : response.getExpiresInSeconds();
            return new AccessToken(response.getAccessToken(), now.plusSeconds(seconds));
        } catch (TokenResponseException e) {
            String error = e.getDetails() == null ? null : e.getDetails().getError();
            if (e.getStatusCode() == 429 || e.getStatusCode() >= 500 || error == null) {
                throw new Unavailable("Google's token endpoint answered " + e.getStatusCode(), null);
            }
            throw new Refused(error, "Google no longer honours the mailbox's grant (" + error + ")");
        } catch (IOException e) {
            throw new Unavailable(
                    "Google's token endpoint could not be reached: "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    /** A Gmail API client that sends {@code accessToken} with every request, within the configured timeout. */
    public Gmail gmail(String accessToken) {
        return new Gmail.Builder(transport, JSON, timeouts(accessToken))
                .setRootUrl(settings.gmailRootUrl())
                .setApplicationName("Donna")
                .build();
    }

    /** The address of the mailbox an access token opens. */
    public String mailboxOf(String accessToken) throws Unavailable {
        try {
            return gmail(accessToken).users().getProfile("me").execute().getEmailAddress();
        } catch (HttpResponseException e) {
            throw new Unavailable("Gmail answered " + e.getStatusCode() + " for the mailbox's profile", null);
        } catch (IOException e) {
            throw new Unavailable("Gmail could not be reached: " + e.getClass().getSimpleName(), e);
        }
    }

    /**
     * Revokes a grant by one of its tokens. A token Google no longer knows (revoked or expired already)
     * counts as revoked.
     *
     * @throws Unavailable when Google could not be asked, or answered 429 or 5xx
     */
    public void revoke(String token) throws Unavailable {
        try {
            HttpRequest request = transport
                    .createRequestFactory(timeouts(null))
                    .buildPostRequest(
                            new GenericUrl(settings.revokeEndpoint()), new UrlEncodedContent(Map.of("token", token)));
            request.setThrowExceptionOnExecuteError(false);
            HttpResponse response = request.execute();
            try {
                int status = response.getStatusCode();
                if (status == 429 || status >= 500) {
                    throw new Unavailable("Google's revocation endpoint answered " + status, null);
                }
            } finally {
                response.disconnect();
            }
        } catch (IOException e) {
            throw new Unavailable(
                    "Google's revocation endpoint could not be reached: "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    private HttpRequestInitializer timeouts(String accessToken) {
        int millis = (int) settings.timeout().toMillis();
        return request -> {
            request.setConnectTimeout(millis);
            request.setReadTimeout(millis);
            if (accessToken != null) {
                request.getHeaders().setAuthorization("Bearer " + accessToken);
            }
        };
    }
}
