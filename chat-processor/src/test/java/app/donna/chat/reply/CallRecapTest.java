package app.donna.chat.reply;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CallRecapTest {

    @Test
    void theRecordShowsWhoSaidWhatAndTheRequestsPassedOn() {
        String record = CallRecap.record(
                List.of(new CallRecap.Line(true, " Hi, Ada here "), new CallRecap.Line(false, "Hello Ada")),
                List.of("take_message"));

        assertThat(record)
                .isEqualTo(
                        "Caller: Hi, Ada here\nReceptionist: Hello Ada\nRequests passed to the business: take_message");
    }

    @Test
    void aLongCallKeepsItsEnd() {
        List<CallRecap.Line> lines = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            lines.add(new CallRecap.Line(true, "line " + i + " " + "x".repeat(40)));
        }

        String record = CallRecap.record(lines, List.of());

        assertThat(record)
                .startsWith("(earlier part of the call left out)")
                .contains("line 1999 ")
                .doesNotContain("line 0 ");
        assertThat(record.length()).isLessThanOrEqualTo(CallRecap.MAX_TRANSCRIPT_CHARS + 100);
    }

    @Test
    void withoutAModelTheCallersFirstAndLastWordsAndTheRequests() {
        assertThat(CallRecap.extractive(
                        List.of(
                                new CallRecap.Line(true, "Can I book a haircut?"),
                                new CallRecap.Line(false, "Of course."),
                                new CallRecap.Line(true, "Thanks, bye")),
                        List.of("request_booking")))
                .isEqualTo("The caller said: \"Can I book a haircut?\" and at the end: \"Thanks, bye\". "
                        + "Passed to the business: request_booking.");
        assertThat(CallRecap.extractive(List.of(), List.of())).contains("said nothing");
    }
}
