package app.donna.abuse.screening;

/**
 * One reason a message is risky.
 *
 * @param ruleId   the rule that found it
 * @param evidence a short, redacted excerpt; never a full card number or secret
 */
public record Finding(String ruleId, Category category, Severity severity, String evidence) {}
