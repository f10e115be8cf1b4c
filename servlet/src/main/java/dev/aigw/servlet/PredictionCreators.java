package dev.aigw.servlet;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;
import dev.aigw.servlet.internal.CreatorIndex;

import java.util.Map;

/**
 * Remembers who created each prediction or training (the metadata of the creating call), so that
 * {@link AigwWebhookFilter} can report a webhook's completion with it and run the application's webhook handler in
 * that context. Add it as a listener of the {@code Gateway} whose calls create predictions:
 * <pre>{@code
 * PredictionCreators creators = new PredictionCreators();
 * Gateway gateway = Gateway.builder().settings(settings).listener(creators).build();
 * AigwWebhookFilter webhooks = AigwWebhookFilter.builder().gateway(gateway).creators(creators)...build();
 * }</pre>
 * The initializer does this for the gateway it builds. Keeps the latest 10,000 creations by default, in memory;
 * on a {@link SharedState} engine, every creation for {@link SharedState#DEFAULT_CREATOR_TTL} (one day by default), so
 * that a webhook that reaches another instance of the application still finds its creator.
 */
public final class PredictionCreators implements ExchangeListener {
    private static final int DEFAULT_CAPACITY = CreatorIndex.DEFAULT_CAPACITY;

    private final CreatorIndex index;

    public PredictionCreators() {
        this(DEFAULT_CAPACITY);
    }

    public PredictionCreators(int capacity) {
        this.index = new CreatorIndex(capacity);
    }

    /** On the state's engine (shared by every instance), or in memory for {@link SharedState#memory()}. */
    public PredictionCreators(SharedState state) {
        this.index = state.engineOrNull() == null ? new CreatorIndex(DEFAULT_CAPACITY)
                : new CreatorIndex(state.engineOrNull(), state.creatorTtl());
    }

    @Override
    public void onExchange(ExchangeRecord record) {
        index.onExchange(record);
    }

    /** The creating call's metadata, or {@code null} when that call was not seen here. */
    public Map<String, Object> metadataOf(String predictionId) {
        return index.creatorMetadata(predictionId);
    }

    /** The creating call's metadata, and whether the shared engine could be asked (for the webhook filter). */
    CreatorIndex.Lookup find(String predictionId) {
        return index.find(predictionId);
    }
}
