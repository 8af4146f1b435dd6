package app.donna.ingress.gmail.oauth;

import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The address of Google's consent page for connecting a mailbox: the authorization code flow with PKCE
 * (S256), offline access (so a refresh token comes back), consent asked every time (Google sends a refresh
 * token only then), and only the scopes Donna needs.
 *
 * @param authorizationEndpoint Google's ({@code https://accounts.google.com/o/oauth2/v2/auth}) or a stand-in's
 */
public record ConsentRequest(
        URI authorizationEndpoint, String clientId, URI redirectUri, List<String> scopes, String state, Pkce pkce) {

    public URI uri() {
        Map<String, String> query = new LinkedHashMap<>();
        query.put("response_type", "code");
        query.put("client_id", clientId);
        query.put("redirect_uri", redirectUri.toString());
        query.put("scope", String.join(" ", scopes));
        query.put("state", state);
        query.put("code_challenge", pkce.challenge());
        query.put("code_challenge_method", "S256");
        query.put("access_type", "offline");
        query.put("prompt", "consent");
        String encoded = query.entrySet().stream()
                .map(e -> e.getKey() + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8)
                                .replace("+", "%20"))
                .collect(Collectors.joining("&"));
        String base = authorizationEndpoint.toString();
        return URI.create(base + (base.contains("?") ? "&" : "?") + encoded);
    }
}
