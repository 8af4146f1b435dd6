package app.donna.ingress.dashboards;

import jakarta.validation.constraints.DecimalMin;
import jakarta.validation.constraints.NotNull;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

/**
 * The dashboards ({@code donna.dashboards}).
 *
 * @param prices what a model's tokens cost, by model name, for the analytics' estimated cost: US dollars per
 *               million input and output tokens. A model without a price is listed as unpriced, and its
 *               day's cost is not estimated rather than guessed.
 */
@Validated
@ConfigurationProperties("donna.dashboards")
public record DashboardSettings(@DefaultValue Map<String, Price> prices) {

    /** US dollars per million tokens. */
    public record Price(
            @NotNull @DecimalMin("0") BigDecimal input,
            @NotNull @DecimalMin("0") BigDecimal output) {

        private static final BigDecimal MILLION = BigDecimal.valueOf(1_000_000);

        BigDecimal of(long inputTokens, long outputTokens) {
            return input.multiply(BigDecimal.valueOf(inputTokens))
                    .add(output.multiply(BigDecimal.valueOf(outputTokens)))
                    .divide(MILLION, MathContext.DECIMAL64);
        }
    }
}
