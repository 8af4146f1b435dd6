package app.donna.email.draft;

import app.donna.email.draft.writing.ReplyWriting;
import java.util.Optional;

/** The language model that drafts replies. The feature owns this interface; an adapter implements it. */
public interface DraftModel {

    /**
     * What the model wrote, which model it was and the tokens it used; the proposal is empty when the answer
     * was not the JSON asked for.
     */
    record Answer(Optional<ReplyWriting.Proposal> proposal, String model, long inputTokens, long outputTokens) {}

    /** The model could not be asked, or did not answer in time. */
    final class Unavailable extends Exception {
        public Unavailable(String message) {
            super(message);
        }
    }

    /** Whether a model is configured at all; without one, every draft is the acknowledgement. */
    boolean configured();

    Answer write(ReplyWriting.Prompt prompt) throws Unavailable;
}
