package app.donna.projections.engine;

import org.apache.avro.specific.SpecificRecordBase;

/** A decoded event and where it was read from. */
public record ProjectedEvent(String topic, int partition, long offset, String key, SpecificRecordBase event) {}
