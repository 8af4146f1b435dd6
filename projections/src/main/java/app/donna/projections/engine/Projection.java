package app.donna.projections.engine;

import app.donna.schemas.Topic;
import java.util.List;
import org.jooq.DSLContext;

/**
 * One read model fed from some topics. {@link #apply} receives a whole batch of decoded events and
 * writes it with as few statements as possible (multi-row inserts, not a round trip per row), inside the
 * transaction that also records the batch's offsets.
 */
public interface Projection {

    /** Stable id: names the consumer group and the rows in {@code projector_offsets}. */
    String name();

    List<Topic<?>> topics();

    /**
     * The tables this projection alone writes, and so may rebuild ({@code donna replay}): empty for one that
     * cannot be rebuilt.
     */
    List<String> tables();

    void apply(DSLContext transaction, List<ProjectedEvent> batch);
}
