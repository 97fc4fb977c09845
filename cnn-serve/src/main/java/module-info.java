/**
 * cnn-serve: {@link dev.cnn.serve.ModelServer}, an HTTP server that answers the Open Inference Protocol (KServe
 * v2) for cnn models, batching concurrent requests. The HTTP server (Jetty) and the metrics client (Prometheus)
 * are this module's alone: cnn-core, cnn-nn and cnn-data stay free of them.
 */
module dev.cnn.serve {
    requires transitive dev.cnn.nn;
    requires dev.cnn.data;
    requires java.desktop;
    requires com.google.gson;
    requires org.apache.logging.log4j;
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.util;
    requires io.prometheus.metrics.core;
    requires io.prometheus.metrics.model;
    requires io.prometheus.writer.text;

    exports dev.cnn.serve;
}
