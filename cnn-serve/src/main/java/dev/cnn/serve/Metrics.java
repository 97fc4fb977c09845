package dev.cnn.serve;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Map;
import java.util.function.ToIntFunction;

/**
 * The server's Prometheus metrics, in a registry of its own: {@code cnn_requests_total{model,status}},
 * {@code cnn_request_duration_seconds{model}} (a histogram of inference requests, from the body read to the
 * answer written), {@code cnn_batch_size{model}} (rows per batch run), {@code cnn_queue_depth{model}} and
 * {@code cnn_model_load_seconds{model}}.
 */
final class Metrics {
    /** The text format's content type, {@code text/plain; version=0.0.4; charset=utf-8}. */
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final Counter requests = Counter.builder().name("cnn_requests_total")
            .help("HTTP requests answered, by model (empty for the server's own routes) and status code")
            .labelNames("model", "status").register(registry);
    private final Histogram latency = Histogram.builder().name("cnn_request_duration_seconds")
            .help("Time from an inference request's arrival to its answer, in seconds").classicOnly()
            .classicUpperBounds(0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10)
            .labelNames("model").register(registry);
    private final Histogram batchSize = Histogram.builder().name("cnn_batch_size")
            .help("Rows in each batch the model ran").classicOnly()
            .classicUpperBounds(1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024)
            .labelNames("model").register(registry);
    private final Gauge loadSeconds = Gauge.builder().name("cnn_model_load_seconds")
            .help("Time to load each model file, in seconds").labelNames("model").register(registry);

    /** Registers the queue-depth gauge, read from {@code depth} at every scrape. */
    Metrics(Map<String, ?> models, ToIntFunction<String> depth) {
        GaugeWithCallback.builder().name("cnn_queue_depth").help("Inference requests waiting, by model")
                .labelNames("model").callback(cb -> {
                    for (String m : models.keySet()) {
                        cb.call(depth.applyAsInt(m), m);
                    }
                }).register(registry);
    }

    void request(String model, int status) {
        requests.labelValues(model, Integer.toString(status)).inc();
    }

    void latency(String model, double seconds) {
        latency.labelValues(model).observe(seconds);
    }

    void batch(String model, int rows) {
        batchSize.labelValues(model).observe(rows);
    }

    void loaded(String model, double seconds) {
        loadSeconds.labelValues(model).set(seconds);
    }

    /** Everything, in the Prometheus text format. */
    byte[] scrape() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        PrometheusTextFormatWriter.create().write(out, registry.scrape());
        return out.toByteArray();
    }
}
