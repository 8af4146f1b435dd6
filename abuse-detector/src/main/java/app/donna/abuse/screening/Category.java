package app.donna.abuse.screening;

/** What kind of risk a finding is; the names match the event contract's RiskCategory. */
public enum Category {
    THREAT,
    HARASSMENT,
    SEXUAL,
    SELF_HARM,
    SPAM,
    PROMPT_INJECTION,
    PAYMENT_CARD,
    CREDENTIAL,
    RATE,
    REPETITION,
    ESCALATION,
    OTHER
}
