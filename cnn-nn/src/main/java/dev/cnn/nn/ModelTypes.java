package dev.cnn.nn;

import dev.cnn.core.PoolMode;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which layer and optimizer types a model file may name, and how each is rebuilt: type name (as
 * {@link Layer#type()} or {@link Optimizer#type()} returns it) to factory. The built-in types are
 * registered from the start; register your own before loading a file that contains them. Thread-safe.
 */
public final class ModelTypes {
    private static final Map<String, LayerFactory> LAYERS = new ConcurrentHashMap<>();
    private static final Map<String, OptimizerFactory> OPTIMIZERS = new ConcurrentHashMap<>();

    static {
        registerLayer("FullyConnected", FullyConnected::fromConfig);
        registerLayer("Conv2D", Conv2D::fromConfig);
        registerLayer("MaxPool2D", (c, w) -> Pool2D.fromConfig(c, PoolMode.MAX));
        registerLayer("AveragePool2D", (c, w) -> Pool2D.fromConfig(c, PoolMode.AVERAGE));
        registerLayer("Flatten", (c, w) -> new Flatten());
        for (Activation.Kind k : Activation.Kind.values()) {
            registerLayer(k.typeName(), (c, w) -> new Activation(k));
        }
        registerOptimizer("Adam", Adam::fromConfig);
        registerOptimizer("GradientDescent", GradientDescent::fromConfig);
    }

    private ModelTypes() {
    }

    /** Makes layers of {@code type} loadable (replacing any factory registered for that name). */
    public static void registerLayer(String type, LayerFactory factory) {
        LAYERS.put(type, factory);
    }

    /** Makes optimizers of {@code type} loadable (replacing any factory registered for that name). */
    public static void registerOptimizer(String type, OptimizerFactory factory) {
        OPTIMIZERS.put(type, factory);
    }

    static LayerFactory layer(String type) {
        LayerFactory f = LAYERS.get(type);
        if (f == null) {
            throw new IllegalArgumentException("unknown layer type '" + type + "' (known: " + new TreeSet<>(LAYERS.keySet())
                    + "; register others with ModelTypes.registerLayer)");
        }
        return f;
    }

    static OptimizerFactory optimizer(String type) {
        OptimizerFactory f = OPTIMIZERS.get(type);
        if (f == null) {
            throw new IllegalArgumentException("unknown optimizer type '" + type + "' (known: "
                    + new TreeSet<>(OPTIMIZERS.keySet()) + "; register others with ModelTypes.registerOptimizer)");
        }
        return f;
    }
}
