package app.donna.chat.webhook;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Where webhooks may go. A webhook URL is configuration, but it still must not become a way into the
 * network Donna runs in (server-side request forgery): only {@code http} or {@code https}, no credentials
 * in the URL, and none of its addresses loopback, link-local (cloud metadata services live there),
 * private, carrier-grade NAT, unique-local, multicast or unspecified, unless that exact address is
 * listed as allowed. Redirects are never followed, so an allowed host cannot send a delivery elsewhere.
 */
public final class WebhookTargets {

    private WebhookTargets() {}

    /**
     * Why a delivery to {@code url}, whose host resolved to {@code addresses}, is refused; empty when it
     * may go.
     */
    public static Optional<String> refusal(URI url, List<InetAddress> addresses, Set<String> allowedAddresses) {
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(java.util.Locale.ROOT);
        if (!scheme.equals("https") && !scheme.equals("http")) {
            return Optional.of("only http and https webhooks are allowed, not " + url.getScheme());
        }
        if (url.getHost() == null || url.getHost().isBlank()) {
            return Optional.of("the webhook URL has no host");
        }
        if (url.getRawUserInfo() != null) {
            return Optional.of("credentials in a webhook URL are not allowed");
        }
        if (addresses.isEmpty()) {
            return Optional.of("the webhook's host " + url.getHost() + " has no address");
        }
        for (InetAddress address : addresses) {
            if (!allowedAddresses.contains(address.getHostAddress()) && internal(address)) {
                return Optional.of("the webhook's host " + url.getHost() + " resolves to " + address.getHostAddress()
                        + ", an internal address (allow it explicitly in donna.actions.allowed-addresses)");
            }
        }
        return Optional.empty();
    }

    static boolean internal(InetAddress address) {
        if (address.isLoopbackAddress()
                || address.isLinkLocalAddress()
                || address.isSiteLocalAddress()
                || address.isAnyLocalAddress()
                || address.isMulticastAddress()) {
            return true;
        }
        byte[] b = address.getAddress();
        if (address instanceof Inet4Address) {
            int first = b[0] & 0xff;
            int second = b[1] & 0xff;
            return first == 0 // "this network"
                    || (first == 100 && second >= 64 && second <= 127) // carrier-grade NAT
                    || (first == 192 && second == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    || (first == 198 && (second == 18 || second == 19)) // benchmarking
                    || first >= 240; // reserved and broadcast
        }
        if (address instanceof Inet6Address) {
            int first = b[0] & 0xff;
            if ((first & 0xfe) == 0xfc) { // unique local fc00::/7
                return true;
            }
            boolean mappedV4 = true; // ::ffff:a.b.c.d carries an IPv4 address that must pass the same checks
            for (int i = 0; i < 10; i++) {
                mappedV4 &= b[i] == 0;
            }
            if (mappedV4 && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
                try {
                    return internal(InetAddress.getByAddress(java.util.Arrays.copyOfRange(b, 12, 16)));
                } catch (java.net.UnknownHostException e) {
                    return true;
                }
            }
        }
        return false;
    }
}
