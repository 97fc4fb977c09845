/**
 * cnn-nn: layers, activations, initialisers, losses, optimizers, learning-rate schedules and the
 * {@link dev.cnn.nn.Model} that trains, evaluates, predicts, saves and loads. Reads {@code dev.cnn.core}
 * transitively (its {@code Tensor} and {@code Dataset} appear in this API).
 */
module dev.cnn.nn {
    requires transitive dev.cnn.core;
    requires com.google.gson;
    requires org.apache.logging.log4j;

    exports dev.cnn.nn;
}
