package app.donna.chat.reply;

import app.donna.platform.persona.ReceptionistRequests;
import app.donna.platform.persona.ReceptionistTools;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * What a customer asked the business for while one of their messages was answered: the receptionist tool
 * calls the model made that the business can act on ({@link ReceptionistRequests} checks them, as on a
 * call), or what the offline responder read in the message. They go out as actions with the reply, in its
 * transaction, so a reply that is never delivered asks for nothing, and a message answered again after a
 * restart asks again in the same order (the actions' ids come from the message and the order).
 *
 * <p>Shared between the thread that calls the model, which adds, and the stream thread, which reads.
 */
public final class RequestsTaken {

    /** A request for the business: its kind ({@code <integration>.<tool>}) and what the customer gave. */
    public record Request(String kind, String integration, Map<String, String> details) {
        public Request {
            details = Map.copyOf(details);
        }

        /** The request a receptionist tool makes with {@code details}. */
        static Request of(ReceptionistRequests.Outcome.Accepted accepted) {
            return new Request(accepted.kind(), accepted.integration(), accepted.details());
        }
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<Request> taken = new CopyOnWriteArrayList<>();

    /**
     * Takes the request a tool call makes, if it is one the business can act on, and returns the tool's
     * output for the model: {@code passed_on}, or {@code invalid} with what to ask the customer for. The
     * same request made twice in one answer is taken once.
     */
    public String answer(LlmClient.ToolCall call) {
        Object arguments;
        try {
            arguments = JSON.readValue(call.argumentsJson(), Object.class);
        } catch (JacksonException e) {
            arguments = null;
        }
        Map<String, String> output = new LinkedHashMap<>();
        switch (ReceptionistRequests.of(call.name(), arguments, ReceptionistTools.CHAT)) {
            case ReceptionistRequests.Outcome.Accepted accepted -> {
                take(Request.of(accepted));
                output.put("status", "passed_on");
                output.put("message", "The team has it and will get back to the customer.");
            }
            case ReceptionistRequests.Outcome.Invalid invalid -> {
                output.put("status", "invalid");
                output.put("message", invalid.message());
            }
        }
        return JSON.writeValueAsString(output);
    }

    /** Takes a request (once, however often it is made). */
    public void take(Request request) {
        synchronized (taken) {
            if (!taken.contains(request)) {
                taken.add(request);
            }
        }
    }

    /** The requests taken so far, in the order they were made. */
    public List<Request> all() {
        return List.copyOf(taken);
    }

    public boolean isEmpty() {
        return taken.isEmpty();
    }
}
