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
}
