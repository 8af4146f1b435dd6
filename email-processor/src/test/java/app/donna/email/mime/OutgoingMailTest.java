package app.donna.email.mime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import app.donna.email.mime.OutgoingMail.Address;
import jakarta.mail.Message;
import jakarta.mail.Session;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutgoingMailTest {

    static final Address SALON = new Address("owner@salon.example", Optional.of("Bella's Salon"));
    static final Address ANN = new Address("ann@example.com", Optional.empty());

    static OutgoingMail reply(String subject, String body) {
        return new OutgoingMail(
                SALON,
                List.of(ANN),
                subject,
                body,
                "<donna-1@salon.example>",
                Optional.of("<q-2@example.com>"),
                List.of("<q-1@example.com>", "<q-2@example.com>"),
                true);
    }

    static MimeMessage parse(byte[] bytes) throws Exception {
        return new MimeMessage(Session.getInstance(new Properties()), new ByteArrayInputStream(bytes));
    }

    @Test
    void aNonAsciiSubjectNameAndBodyRoundTrip() throws Exception {
        OutgoingMail mail = new OutgoingMail(
                new Address("owner@salon.example", Optional.of("Salon Zoë")),
                List.of(ANN),
                "Re: Réservation ✓ für Café",
                "Bonjour Ann,\nVendredi à 14 h, c'est noté. ☕\n",
                "<donna-1@salon.example>",
                Optional.empty(),
                List.of(),
                false);

        String headers = new String(mail.rfc5322(), StandardCharsets.US_ASCII).split("\r\n\r\n", 2)[0];
        assertThat(headers).contains("Subject: =?UTF-8?").doesNotContain("Réservation");
        MimeMessage back = parse(mail.rfc5322());
        assertThat(back.getSubject()).isEqualTo("Re: Réservation ✓ für Café");
        assertThat(((InternetAddress) back.getFrom()[0]).getPersonal()).isEqualTo("Salon Zoë");
        assertThat(back.getContent()).isEqualTo("Bonjour Ann,\r\nVendredi à 14 h, c'est noté. ☕\r\n");
        assertThat(back.getHeader("Auto-Submitted")).isNull();
    }

    @Test
    void aReplyIsThreadedKeepsItsIdAndSaysItIsAutomatic() throws Exception {
        MimeMessage back = parse(reply("Re: Friday", "Yes, Friday is fine.").rfc5322());

        assertThat(back.getHeader("In-Reply-To")).containsExactly("<q-2@example.com>");
        assertThat(back.getHeader("References")[0]).isEqualTo("<q-1@example.com> <q-2@example.com>");
        assertThat(back.getMessageID()).isEqualTo("<donna-1@salon.example>");
        assertThat(back.getHeader("Auto-Submitted")).containsExactly("auto-replied");
        assertThat(back.getRecipients(Message.RecipientType.TO))
                .extracting(Object::toString)
                .containsExactly("ann@example.com");
    }

    @Test
    void theRawFormIsBase64urlWithoutPadding() {
        OutgoingMail mail = reply("Re: ~~~ ??? >>>", "padding and +/ characters: ~~~ ??? >>> \u00ff");
        String raw = mail.raw();

        assertThat(raw).doesNotContain("=").doesNotContain("+").doesNotContain("/");
        assertThat(Base64.getUrlDecoder().decode(raw)).isEqualTo(mail.rfc5322());
    }

    @ParameterizedTest
    @ValueSource(strings = {"Hi\r\nBcc: everyone@example.com", "Hi\nBcc: x@example.com", "Hi\rX-Evil: 1", "Hi\u0000"})
    void headerInjectionInTheSubjectIsRefused(String subject) {
        assertThatThrownBy(() -> reply(subject, "body"))
                .isInstanceOf(OutgoingMail.Refused.class)
                .hasMessageContaining("line break or control character");
    }

    @Test
    void headerInjectionInAddressesNamesAndIdsIsRefused() {
        Address injectedName = new Address("owner@salon.example", Optional.of("Bella\r\nBcc: all@example.com"));
        Address twoAddresses = new Address("ann@example.com, eve@example.com", Optional.empty());
        Address injectedAddress = new Address("ann@example.com\r\nBcc: eve@example.com", Optional.empty());

        assertThatThrownBy(() -> new OutgoingMail(
                        injectedName, List.of(ANN), "s", "b", "<a@b>", Optional.empty(), List.of(), false))
                .isInstanceOf(OutgoingMail.Refused.class);
        assertThatThrownBy(() -> new OutgoingMail(
                        SALON, List.of(injectedAddress), "s", "b", "<a@b>", Optional.empty(), List.of(), false))
                .isInstanceOf(OutgoingMail.Refused.class);
        assertThatThrownBy(() -> new OutgoingMail(
                                SALON, List.of(twoAddresses), "s", "b", "<a@b>", Optional.empty(), List.of(), false)
                        .rfc5322())
                .as("one address per recipient: a list smuggled into one is refused")
                .isInstanceOf(OutgoingMail.Refused.class);
        assertThatThrownBy(() -> new OutgoingMail(
                        SALON, List.of(ANN), "s", "b", "<a@b>\r\nBcc: x@y", Optional.empty(), List.of(), false))
                .isInstanceOf(OutgoingMail.Refused.class);
        assertThatThrownBy(() -> new OutgoingMail(
                        SALON, List.of(ANN), "s", "b", "<a@b>", Optional.of("not an id"), List.of(), false))
                .isInstanceOf(OutgoingMail.Refused.class)
                .hasMessageContaining("<local@domain>");
        assertThatThrownBy(
                        () -> new OutgoingMail(SALON, List.of(), "s", "b", "<a@b>", Optional.empty(), List.of(), false))
                .hasMessageContaining("recipient");
    }
}
