package app.donna.platform.settings;

import app.donna.platform.persona.Persona;
import jakarta.validation.constraints.NotBlank;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The receptionist's {@link Persona} as configuration, nested in each service's settings that speaks for
 * the business (chat-processor's {@code donna.chat.persona}, ingress-api's {@code donna.voice.persona}),
 * both bound from the same environment variables ({@code DONNA_BUSINESS_NAME}, {@code DONNA_BUSINESS_HOURS}).
 */
public record PersonaSettings(
        @NotBlank @DefaultValue("our business") String businessName,

        @NotBlank @DefaultValue("Monday to Friday, 9am to 5pm")
        String hours,

        @DefaultValue List<String> services,

        @NotBlank @DefaultValue("warm, professional and concise")
        String tone,

        @DefaultValue("") String instructions) {

    public Persona persona() {
        return new Persona(businessName, hours, services, tone, instructions);
    }
}
