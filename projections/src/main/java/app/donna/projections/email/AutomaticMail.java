package app.donna.projections.email;

import app.donna.events.email.EmailReceived;
import java.util.Locale;
import java.util.Map;

/**
 * Which mail the read models treat as automatic, bulk or list mail, from the headers an
 * {@code EmailReceived} carries (RFC 3834's Auto-Submitted, Precedence, the list headers of RFC 2369 and the
 * usual autoresponder headers). Return-Path travels with them but is on every delivered mail, so it says
 * nothing here.
 */
public final class AutomaticMail {

    private AutomaticMail() {}

    public static boolean is(EmailReceived mail) {
        Map<String, String> h = mail.getAutomationHeaders();
        String submitted = h.get("auto-submitted");
        String precedence = h.getOrDefault("precedence", "").toLowerCase(Locale.ROOT);
        return (submitted != null && !submitted.strip().equalsIgnoreCase("no"))
                || precedence.contains("bulk")
                || precedence.contains("list")
                || precedence.contains("junk")
                || h.containsKey("list-id")
                || h.containsKey("list-unsubscribe")
                || h.containsKey("x-autoreply")
                || h.containsKey("x-autorespond");
    }
}
