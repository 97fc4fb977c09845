/**
 * Serving cnn models over HTTP: {@link dev.cnn.serve.ModelServer} speaks the Open Inference Protocol's REST
 * routes ({@code /v2/...}), queues each model's requests and runs them together in batches
 * ({@link dev.cnn.serve.ServeOptions}), and reports Prometheus metrics at {@code /metrics}.
 */
package dev.cnn.serve;
