package app.donna.projections.engine;

/**
 * Text as PostgreSQL can hold it. Its {@code text} type refuses NUL, and a projection that passed one on
 * would fail its whole batch and drop a person's words to the dead-letter topic; ingress-api refuses NUL
 * at the door, but events written before that, or by other producers, may still carry it. Each NUL
 * becomes U+FFFD, the replacement character, so the turn is kept and the gap stays visible.
 */
public final class StorableText {

    private StorableText() {}

    public static String of(String text) {
        return text == null || text.indexOf('\u0000') < 0 ? text : text.replace('\u0000', '\uFFFD');
    }
}
