package app.donna.platform.persona;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.platform.persona.ReceptionistRequests.Outcome;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReceptionistRequestsTest {

    @Test
    void aMessageGoesToTheSecretaryWithOnlyTheDeclaredFields() {
        Outcome outcome = ReceptionistRequests.of(
                "take_message", Map.of("caller_name", " Ada ", "message", "Call me back", "is_admin", "true"));

        assertThat(outcome)
                .isEqualTo(new Outcome.Accepted(
                        "secretary.take_message",
                        "secretary",
                        Map.of("caller_name", "Ada", "message", "Call me back")));
    }

    @Test
    void aBookingGoesToBookings() {
        assertThat(ReceptionistRequests.of("request_booking", Map.of("service", "haircut", "contact", "555 0100")))
                .isInstanceOfSatisfying(
                        Outcome.Accepted.class, a -> assertThat(a.kind()).isEqualTo("bookings.request_booking"));
    }

    @Test
    void missingOrMistypedArgumentsAndUnknownToolsAskTheModelAgain() {
        assertThat(ReceptionistRequests.of("take_message", Map.of("caller_name", "Ada")))
                .isEqualTo(new Outcome.Invalid("Ask the caller for message first."));
        assertThat(ReceptionistRequests.of("take_message", Map.of("caller_name", "Ada", "message", List.of("x"))))
                .isInstanceOf(Outcome.Invalid.class);
        assertThat(ReceptionistRequests.of("take_message", "not an object")).isInstanceOf(Outcome.Invalid.class);
        assertThat(ReceptionistRequests.of("wire_money", Map.of())).isInstanceOf(Outcome.Invalid.class);
    }

    @Test
    void aVeryLongMessageIsCut() {
        Outcome.Accepted accepted = (Outcome.Accepted)
                ReceptionistRequests.of("take_message", Map.of("caller_name", "Ada", "message", "x".repeat(10_000)));

        assertThat(accepted.details().get("message")).hasSize(ReceptionistRequests.MAX_ARGUMENT_CHARS);
    }

    @Test
    void aToolTheModelWasNotOfferedIsNoRequest() {
        Map<String, Object> reason = Map.of("reason", "wants a person");

        assertThat(ReceptionistRequests.of("transfer_to_human", reason)).isInstanceOf(Outcome.Accepted.class);
        assertThat(ReceptionistRequests.of("transfer_to_human", reason, ReceptionistTools.CHAT))
                .isInstanceOf(Outcome.Invalid.class);
    }
}
