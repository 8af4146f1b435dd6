package app.donna.email.account;

import com.google.api.services.gmail.model.Message;
import com.google.api.services.gmail.model.MessagePartHeader;
import java.util.Optional;

/** A header of a message as the Gmail API returns it (its payload's headers), by name in any case. */
public final class GmailHeaders {

    private GmailHeaders() {}

    public static Optional<String> of(Message m, String name) {
        if (m == null || m.getPayload() == null || m.getPayload().getHeaders() == null) {
            return Optional.empty();
        }
        return m.getPayload().getHeaders().stream()
                .filter(h -> h.getName().equalsIgnoreCase(name))
                .map(MessagePartHeader::getValue)
                .findFirst();
    }
}
