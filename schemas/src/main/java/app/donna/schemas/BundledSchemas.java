package app.donna.schemas;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaNormalization;
import org.apache.avro.message.SchemaStore;
import org.apache.avro.specific.SpecificData;

/**
 * Every released version of every event schema, as bundled in this jar under
 * {@code app/donna/schemas/history/<full name>/v<N>.avsc}, indexed by their 64-bit Rabin fingerprint.
 *
 * <p>This replaces a schema registry: a writer stamps the fingerprint of its schema on each payload, and
 * any reader finds the writer's schema here, so old and new services read each other's events. It is
 * the {@link SchemaStore} Avro's {@link org.apache.avro.message.BinaryMessageDecoder} resolves writer
 * schemas in.
 */
public final class BundledSchemas implements SchemaStore {

    static final String HISTORY_ROOT = "app/donna/schemas/history/";

    /** A released writer schema and the reader schema (the generated class) it resolves to. */
    public record Version(String fullName, int version, long fingerprint, Schema writer) {}

    private static final BundledSchemas INSTANCE = at(HISTORY_ROOT);

    private final Map<Long, Version> byFingerprint;
    private final Map<String, List<Version>> byName;

    private BundledSchemas(Map<Long, Version> byFingerprint, Map<String, List<Version>> byName) {
        this.byFingerprint = Map.copyOf(byFingerprint);
        this.byName = Collections.unmodifiableMap(byName);
    }

    public static BundledSchemas get() {
        return INSTANCE;
    }

    public Optional<Version> byFingerprint(long fingerprint) {
        return Optional.ofNullable(byFingerprint.get(fingerprint));
    }

    /** The released writer schema with this fingerprint, or null: Avro's {@link SchemaStore} contract. */
    @Override
    public Schema findByFingerprint(long fingerprint) {
        Version version = byFingerprint.get(fingerprint);
        return version == null ? null : version.writer();
    }

    /** Released versions of one event type, oldest first. */
    public List<Version> history(String fullName) {
        return byName.getOrDefault(fullName, List.of());
    }

    public Map<String, List<Version>> all() {
        return byName;
    }

    /** The schema of the generated class for {@code fullName}: what this build reads events as. */
    public static Schema readerSchema(String fullName) {
        Class<?> type = SpecificData.get().getClass(Schema.createRecord(fullName, null, null, false));
        if (type == null) {
            throw new IllegalStateException("no generated class for event type " + fullName);
        }
        return SpecificData.get().getSchema(type);
    }

    public static long fingerprint(Schema schema) {
        return SchemaNormalization.parsingFingerprint64(schema);
    }

    /** A set of versions other than the bundled ones, for tests of schema resolution. */
    public static BundledSchemas of(List<Version> versions) {
        return index(versions);
    }

    /**
     * The released versions bundled under another resource root laid out the same way
     * ({@code <root><full name>/v<N>.avsc} and an {@code INDEX}): a service's own state-store schemas,
     * which are not topic contracts and so are not in the event history.
     */
    public static BundledSchemas at(String historyRoot) {
        List<Version> versions = new ArrayList<>();
        for (String entry : read(historyRoot + "INDEX")
                .lines()
                .map(String::strip)
                .filter(l -> !l.isEmpty())
                .toList()) {
            // entry: <full name>/v<N>.avsc
            int slash = entry.indexOf('/');
            String fullName = entry.substring(0, slash);
            int version = Integer.parseInt(entry.substring(slash + 2, entry.length() - ".avsc".length()));
            Schema writer = new Schema.Parser().parse(read(historyRoot + entry));
            versions.add(new Version(fullName, version, fingerprint(writer), writer));
        }
        return index(versions);
    }

    private static BundledSchemas index(List<Version> versions) {
        Map<Long, Version> byFingerprint = new HashMap<>();
        Map<String, List<Version>> byName = new LinkedHashMap<>();
        for (Version v : versions) {
            String fullName = v.fullName();
            Version clash = byFingerprint.putIfAbsent(v.fingerprint(), v);
            if (clash != null && !clash.fullName().equals(fullName)) {
                throw new IllegalStateException("fingerprint clash between " + clash + " and " + v);
            }
            byName.computeIfAbsent(fullName, n -> new ArrayList<>()).add(v);
        }
        byName.values().forEach(list -> list.sort((a, b) -> Integer.compare(a.version(), b.version())));
        return new BundledSchemas(byFingerprint, byName);
    }

    private static String read(String resource) {
        try (InputStream in = BundledSchemas.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing bundled schema resource " + resource);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
