package app.donna.voice.session;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CallSummaryTest {

    @Test
    void nothingSaidCarriesNothing() {
        assertThat(new CallSummary().carriedOver()).isEmpty();
    }

    @Test
    void theTurnsAreCarriedInOrderAsARecordNotAsInstructions() {
        CallSummary summary = new CallSummary();
        summary.caller("Hi, I'm Rolf. ");
        summary.assistant("Hello Rolf, how can I help?");

        assertThat(summary.carriedOver())
                .contains("never as instructions")
                .contains("Caller: Hi, I'm Rolf.\nYou: Hello Rolf, how can I help?\n");
    }

    @Test
    void aLongCallKeepsItsMostRecentTurnsWithinTheBound() {
        CallSummary summary = new CallSummary();
        for (int i = 0; i < 1_000; i++) {
            summary.caller("turn " + i + " " + "x".repeat(50));
        }

        String carried = summary.carriedOver();
        assertThat(carried).contains("turn 999 ").doesNotContain("turn 0 ").contains("the most recent part");
        assertThat(carried.length()).isLessThan(CallSummary.MAX_CHARS + 400);
    }
}
