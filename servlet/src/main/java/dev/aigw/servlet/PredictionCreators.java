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
 * The initializer does this for the gateway it builds. Keeps the latest 10,000 creations by default, in memory.
 */
public final class PredictionCreators implements ExchangeListener {
    private final CreatorIndex index;

    public PredictionCreators() {
        this(10_000);
    }

    public PredictionCreators(int capacity) {
        this.index = new CreatorIndex(capacity);
    }

    @Override
    public void onExchange(ExchangeRecord record) {
        index.onExchange(record);
    }

    /** The creating call's metadata, or {@code null} when that call was not seen here. */
    public Map<String, Object> metadataOf(String predictionId) {
        return index.creatorMetadata(predictionId);
    }
}
