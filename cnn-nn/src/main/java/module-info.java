/**
 * cnn-nn: the {@link dev.cnn.nn.Model} (a graph of layers) with its {@link dev.cnn.nn.Trainer}, and by role
 * the layers ({@code dev.cnn.nn.layers}), losses ({@code .losses}), optimizers ({@code .optimizers}),
 * learning-rate schedules ({@code .schedules}), model files and the type registry ({@code .io}) and ONNX
 * export and import ({@code .onnx}). Reads {@code dev.cnn.core} transitively (its {@code Tensor} and {@code Dataset}
 * appear in this API).
 */
module dev.cnn.nn {
    requires transitive dev.cnn.core;
    requires com.google.gson;
    requires com.google.protobuf;
    requires org.apache.logging.log4j;

    exports dev.cnn.nn;
    exports dev.cnn.nn.layers;
    exports dev.cnn.nn.losses;
    exports dev.cnn.nn.optimizers;
    exports dev.cnn.nn.schedules;
    exports dev.cnn.nn.io;
    exports dev.cnn.nn.onnx;
}
