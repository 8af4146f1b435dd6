package app.donna.schemas;

/**
 * Header names of the CloudEvents 1.0 Kafka protocol binding (binary content mode), plus the W3C trace
 * context header. Written on every record by {@link EventSerializer}.
 */
public final class CloudEventHeaders {

    public static final String ID = "ce_id";
    public static final String TYPE = "ce_type";
    public static final String SOURCE = "ce_source";
    public static final String SPEC_VERSION = "ce_specversion";
    public static final String TIME = "ce_time";
    public static final String SUBJECT = "ce_subject";
    public static final String DATA_SCHEMA = "ce_dataschema";
    public static final String CONTENT_TYPE = "content-type";
    public static final String TRACEPARENT = "traceparent";

    public static final String SPEC_VERSION_1_0 = "1.0";
    /** Avro binary, single-object encoded (the body starts with the schema fingerprint). */
    public static final String AVRO_CONTENT_TYPE = "application/avro";

    private CloudEventHeaders() {}
}
