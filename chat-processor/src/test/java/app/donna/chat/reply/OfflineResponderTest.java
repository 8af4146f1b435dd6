package app.donna.chat.reply;

import static org.assertj.core.api.Assertions.assertThat;

import app.donna.chat.reply.OfflineResponder.Intent;
import app.donna.platform.persona.Persona;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class OfflineResponderTest {

    static final Persona PERSONA =
            new Persona("Bella's Salon", "Tue-Sat 9am-6pm", List.of("haircuts", "colouring"), "warm", "");
    final OfflineResponder responder = new OfflineResponder(PERSONA);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            book me in next Tuesday at 2pm                  | BOOKING
            can I make an appointment for Friday morning?   | BOOKING
            do you have any availability on Saturday?       | BOOKING
            could you fit me in tomorrow at 10?             | BOOKING
            Hi! I'd like to book a haircut                  | BOOKING
            can I cancel my booking on Friday?              | CANCELLATION
            I need to reschedule my appointment to Thursday | CANCELLATION
            could I move my appointment to next week?       | CANCELLATION
            sorry, I can’t make it tomorrow                 | CANCELLATION
            what time do you close on Saturday?             | HOURS
            when do you open?                               | HOURS
            are you open on Sunday?                         | HOURS
            what are your hours over the holidays?          | HOURS
            how much is a haircut?                          | PRICES
            what are your prices for colouring?             | PRICES
            does a blow-dry cost extra?                     | PRICES
            is it £40 for a trim?                           | PRICES
            can I leave a message for Anna?                 | MESSAGE
            please call me back                             | MESSAGE
            can I speak to someone?                         | MESSAGE
            what services do you offer?                     | SERVICES
            do you do beard trims?                          | SERVICES
            hello                                           | GREETING
            good morning                                    | GREETING
            ¿hablas español?                                | FALLBACK
            the weather is lovely today                     | FALLBACK
            """)
    void recognisesWhatTheMessageAsksFor(String message, Intent expected) {
        assertThat(Intent.of(message)).isEqualTo(expected);
    }

    @Test
    void aBookingForADayAndTimeIsNotTakenForAnOpeningHoursQuestion() {
        String answer = responder.answer("book me in next Tuesday at 2pm");

        assertThat(answer)
                .contains("book")
                .contains("the day and time you'd like")
                .contains("Tue-Sat 9am-6pm")
                .doesNotStartWith("Our opening hours");
    }

    @Test
    void aCancellationOffersToPassTheChangeOnAndConfirm() {
        assertThat(responder.answer("can I cancel my booking on Friday?"))
                .contains("cancel or move")
                .contains("Bella's Salon will confirm");
    }

    @Test
    void anOpeningHoursQuestionGetsTheHours() {
        assertThat(responder.answer("what time do you close on Saturday?"))
                .startsWith("Our opening hours at Bella's Salon are: Tue-Sat 9am-6pm.");
    }

    @Test
    void aPriceQuestionIsNeverAnsweredWithAnInventedPrice() {
        String answer = responder.answer("how much is a haircut?");

        assertThat(answer)
                .contains("can't quote prices")
                .contains("haircuts, colouring")
                .doesNotContainPattern("[£$€0-9]");
    }

    @Test
    void askingToLeaveAMessageIsTakenUp() {
        assertThat(responder.answer("can I leave a message for Anna?"))
                .startsWith("Of course. Please leave your message");
    }

    @Test
    void aGreetingIsGreetedAndAnythingElseGetsAnOfferToTakeAMessage() {
        assertThat(responder.answer("hi there")).startsWith("Hello, and thanks for contacting Bella's Salon");
        assertThat(responder.answer("¿hablas español?")).contains("I'll take a message");
    }

    @Test
    void withoutServicesAServicesQuestionGetsAnOfferToTakeAMessage() {
        OfflineResponder bare = new OfflineResponder(new Persona("Bella's Salon", "Tue-Sat", List.of(), "warm", ""));

        assertThat(bare.answer("what services do you offer?")).contains("I'll take a message");
        assertThat(bare.answer("how much is a haircut?"))
                .contains("can't quote prices")
                .doesNotContain("We offer");
    }

    @Test
    void neverEmpty() {
        for (String q : List.of("", " ", "?", "book", "cancel", "open", "£", "hello")) {
            assertThat(responder.answer(q)).isNotBlank();
        }
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', textBlock = """
            please call me back on 07700 900123                        | 07700 900123     | -
            my name is Bob Smith, ring me at +44 (0)20 7946 0958       | +44 (0)20 7946 0958 | Bob Smith
            this is Carla: carla.r@example.co.uk                        | carla.r@example.co.uk | Carla
            I'm looking for someone, call 555-123-4567                  | 555-123-4567     | -
            a haircut 434a38b7-4851-9422-95a4-60871d20a240 on Friday? I'm Bea, 07700 900456 | 07700 900456 | Bea
            """)
    void contactDetailsAreFoundAsCustomersWriteThem(String message, String contact, String name) {
        ContactDetails found = ContactDetails.in(message).orElseThrow();
        assertThat(found.contact()).isEqualTo(contact);
        assertThat(found.name().orElse("-")).isEqualTo(name);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            we open at 9 on 12.12.2026
            see you on 2026-12-12
            is 12-12-2026 free?
            when do you open? #f1326866-1
            my order ref is AB1234567 thanks
            see https://example.com/12345678/page
            ref 9b2f4851-9422-4c1d-a2b3-123456789012 please
            order 12345
            email me please
            """)
    void numbersThatAreNotAWayToReachSomeoneAreNot(String message) {
        assertThat(ContactDetails.in(message)).isEmpty();
    }

    @Test
    void aMessageWithAWayToReachTheCustomerIsPassedOnInTheirWords() {
        OfflineResponder.Offline reply =
                responder.reply("Please call me back on 07700 900123 about my coat", List.of());

        assertThat(reply.text()).contains("passed your message on").doesNotContain("07700");
        assertThat(reply.request().orElseThrow().kind()).isEqualTo("secretary.take_message");
        assertThat(reply.request().orElseThrow().details())
                .containsEntry("callback_number", "07700 900123")
                .containsEntry("message", "Please call me back on 07700 900123 about my coat")
                .doesNotContainKey("caller_name");
    }

    @Test
    void aMessageWithoutAWayToReachTheCustomerAsksForOneAndTakesNothing() {
        OfflineResponder.Offline reply = responder.reply("please take a message for Anna", List.of());

        assertThat(reply.request()).isEmpty();
        assertThat(reply.text()).contains("how to reach you");
    }

    @Test
    void detailsGivenAfterAQuestionAboutSomethingElseAreAMessage() {
        List<Turn> askedHours = List.of(
                new Turn(Turn.Role.USER, "when do you open?"), new Turn(Turn.Role.ASSISTANT, "Tue-Sat 9am-6pm."));

        OfflineResponder.Offline reply = responder.reply("ok, Ann here, 07700 900123", askedHours);

        assertThat(reply.request().orElseThrow().kind()).isEqualTo("secretary.take_message");
        assertThat(reply.request().orElseThrow().details().get("message"))
                .as("the hours question was not a request for the team")
                .isEqualTo("ok, Ann here, 07700 900123");
    }
}
