package app.donna.email.mime;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UnsupportedEncodingException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Pattern;

/**
 * A mail Donna sends through the Gmail API, as the {@code raw} field wants it: an RFC 5322 message built
 * by Jakarta Mail (Angus), encoded base64url without padding.
 *
 * <ul>
 *   <li>Header injection is refused, not cleaned: a CR, LF or other control character in an address, a
 *       name, the subject or a threading id is an error the caller reports.
 *   <li>Non-ASCII subjects and names are RFC 2047 encoded words; the body is UTF-8.
 *   <li>A reply is threaded: {@code In-Reply-To} the message it answers and {@code References} the
 *       thread's ids before it, as Gmail and other clients thread by them.
 *   <li>The {@code Message-ID} is the one given, so a send can be found again by it (the send ledger
 *       checks Gmail for it after a crash).
 *   <li>An automatic reply says so ({@code Auto-Submitted: auto-replied}, RFC 3834), so other autopilots
 *       do not answer it.
 * </ul>
 *
 * @param from        the sender: the connected mailbox, perhaps with a display name
 * @param to          the recipients
 * @param cc          the recipients copied
 * @param bcc         the recipients copied unseen (Gmail sends to them and drops the header)
 * @param subject     the subject (a reply's usually begins "Re: ")
 * @param body        plain text
 * @param messageId   this message's id, {@code <...@...>}
 * @param inReplyTo   the id of the message this answers
 * @param references  the thread's ids, oldest first
 * @param automatic   whether the autopilot sends it without a person
 */
public record OutgoingMail(
        Address from,
        List<Address> to,
        List<Address> cc,
        List<Address> bcc,
        String subject,
        String body,
        String messageId,
        Optional<String> inReplyTo,
        List<String> references,
        boolean automatic) {

    /** An address and, perhaps, the name shown with it. */
    public record Address(String email, Optional<String> name) {

        /**
         * Addresses as people write them ({@code Name <a@b>} or {@code a@b}), one per entry. A line break or
         * control character is refused before parsing, so it cannot split one entry into two addresses.
         *
         * @param what what the entries are, for the message of a refusal ("recipient")
         */
        public static List<Address> parseAll(String what, List<String> written) {
            List<Address> parsed = new java.util.ArrayList<>();
            for (String one : written) {
                if (CONTROL.matcher(one).find()) {
                    throw new Refused("A " + what + " contains a line break or control character, which could add "
                            + "headers to the mail; it is refused.");
                }
                try {
                    InternetAddress[] found = InternetAddress.parseHeader(one, true);
                    if (found.length != 1) {
                        throw new Refused("Each " + what + " must be one address: " + one);
                    }
                    parsed.add(new Address(found[0].getAddress(), Optional.ofNullable(found[0].getPersonal())));
                } catch (AddressException e) {
                    throw new Refused("Not an email address: " + one);
                }
            }
            return parsed;
        }
    }

    /** The mail cannot be built as given: the message says what to change. */
    public static final class Refused extends RuntimeException {
        public Refused(String message) {
            super(message);
        }
    }

    /** A header value must not carry a line break or another control character (a tab aside). */
    private static final Pattern CONTROL = Pattern.compile("[\\p{Cntrl}&&[^\\t]]");

    private static final Pattern MESSAGE_ID = Pattern.compile("<[^<>\\s@]+@[^<>\\s@]+>");

    /** A mail without copies. */
    public OutgoingMail(
            Address from,
            List<Address> to,
            String subject,
            String body,
            String messageId,
            Optional<String> inReplyTo,
            List<String> references,
            boolean automatic) {
        this(from, to, List.of(), List.of(), subject, body, messageId, inReplyTo, references, automatic);
    }

    public OutgoingMail {
        to = List.copyOf(to);
        cc = List.copyOf(cc);
        bcc = List.copyOf(bcc);
        references = List.copyOf(references);
        if (to.isEmpty()) {
            throw new Refused("A mail needs at least one recipient.");
        }
        refuseControl("subject", subject);
        requireId("Message-ID", messageId);
        inReplyTo.ifPresent(id -> requireId("In-Reply-To", id));
        references.forEach(id -> requireId("References", id));
        for (Address a : concat(from, concat(to, concat(cc, bcc)))) {
            refuseControl("address", a.email());
            a.name().ifPresent(n -> refuseControl("name", n));
            internet(a); // one address each, strictly parsed: a list smuggled into one is refused here
        }
    }

    /** The most ids a reply's {@code References} carries: the latest, as the thread grows. */
    public static final int MOST_REFERENCES = 20;

    /**
     * The {@code References} of a reply to a mail with these headers: the mail's own references, then its
     * {@code Message-ID}, the latest {@link #MOST_REFERENCES}; anything that is not a message id dropped.
     */
    public static List<String> referencesOfReplyTo(Optional<String> messageId, Optional<String> references) {
        List<String> ids = new java.util.ArrayList<>();
        references.ifPresent(r -> java.util.Arrays.stream(r.split("\\s+"))
                .filter(v -> MESSAGE_ID.matcher(v).matches())
                .forEach(ids::add));
        messageId.filter(v -> MESSAGE_ID.matcher(v).matches()).ifPresent(ids::add);
        return ids.size() > MOST_REFERENCES ? List.copyOf(ids.subList(ids.size() - MOST_REFERENCES, ids.size())) : ids;
    }

    /**
     * A Message-ID of Donna's: {@code <local@domain>}, the domain the mailbox's own (or
     * {@code donna.invalid} when it is not one a Message-ID can carry).
     */
    public static String messageId(String local, String mailbox) {
        String domain = mailbox == null ? "" : mailbox.substring(mailbox.indexOf('@') + 1);
        return "<" + local + "@" + (domain.matches("[A-Za-z0-9.-]+") ? domain : "donna.invalid") + ">";
    }

    /** Whether {@code id} looks like a Message-ID ({@code <local@domain>}). */
    public static boolean isMessageId(String id) {
        return id != null && MESSAGE_ID.matcher(id).matches();
    }

    /** The RFC 5322 message, as bytes. */
    public byte[] rfc5322() {
        try {
            MimeMessage message = new FixedIdMessage(Session.getInstance(new Properties()), messageId);
            message.setFrom(internet(from));
            for (Address a : to) {
                message.addRecipient(Message.RecipientType.TO, internet(a));
            }
            for (Address a : cc) {
                message.addRecipient(Message.RecipientType.CC, internet(a));
            }
            for (Address a : bcc) {
                message.addRecipient(Message.RecipientType.BCC, internet(a));
            }
            message.setSubject(subject, StandardCharsets.UTF_8.name());
            message.setText(body, StandardCharsets.UTF_8.name());
            inReplyTo.ifPresent(id -> header(message, "In-Reply-To", id));
            if (!references.isEmpty()) {
                header(message, "References", String.join(" ", references));
            }
            if (automatic) {
                header(message, "Auto-Submitted", "auto-replied");
            }
            message.saveChanges();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            message.writeTo(out);
            return out.toByteArray();
        } catch (MessagingException | IOException e) {
            throw new Refused("The mail could not be built: " + e.getMessage());
        }
    }

    /** What the Gmail API's {@code raw} field takes: the message in base64url, without padding. */
    public String raw() {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(rfc5322());
    }

    private static InternetAddress internet(Address a) {
        try {
            InternetAddress address = new InternetAddress(a.email(), true); // strict: one address, no tricks
            if (a.name().isPresent()) {
                address.setPersonal(a.name().get(), StandardCharsets.UTF_8.name());
            }
            return address;
        } catch (AddressException | UnsupportedEncodingException e) {
            throw new Refused("Not an email address: " + a.email());
        }
    }

    private static void header(MimeMessage message, String name, String value) {
        try {
            message.setHeader(name, value);
        } catch (MessagingException e) {
            throw new Refused("The " + name + " header could not be set: " + e.getMessage());
        }
    }

    private static void refuseControl(String what, String value) {
        if (value == null) {
            throw new Refused("The " + what + " is missing.");
        }
        if (CONTROL.matcher(value).find()) {
            throw new Refused("The " + what + " contains a line break or control character, which could add "
                    + "headers to the mail; it is refused.");
        }
    }

    private static void requireId(String header, String id) {
        refuseControl(header, id);
        if (!MESSAGE_ID.matcher(id).matches()) {
            throw new Refused("The " + header + " id must look like <local@domain>, not " + id);
        }
    }

    private static List<Address> concat(Address first, List<Address> rest) {
        return concat(List.of(first), rest);
    }

    private static List<Address> concat(List<Address> some, List<Address> more) {
        return java.util.stream.Stream.concat(some.stream(), more.stream()).toList();
    }

    /** A message whose {@code Message-ID} stays the one given when it is saved. */
    private static final class FixedIdMessage extends MimeMessage {
        private final String id;

        FixedIdMessage(Session session, String id) {
            super(session);
            this.id = id;
        }

        @Override
        protected void updateMessageID() throws MessagingException {
            setHeader("Message-ID", id);
        }
    }
}
