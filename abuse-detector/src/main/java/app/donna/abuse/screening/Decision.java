package app.donna.abuse.screening;

/** What happens to a message: answered, answered but flagged for review, or refused. */
public enum Decision {
    ALLOW,
    FLAG,
    BLOCK
}
