package dev.cnn.nn.io;

import dev.cnn.core.ConfigView;
import dev.cnn.core.PoolMode;
import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Activation;
import dev.cnn.nn.layers.Add;
import dev.cnn.nn.layers.BatchNorm;
import dev.cnn.nn.layers.Concatenate;
import dev.cnn.nn.layers.Conv2D;
import dev.cnn.nn.layers.DepthwiseConv2D;
import dev.cnn.nn.layers.Dropout;
import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.FullyConnected;
import dev.cnn.nn.layers.GlobalAveragePooling2D;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.LayerFactory;
import dev.cnn.nn.layers.LeakyReLU;
import dev.cnn.nn.layers.Parameter;
import dev.cnn.nn.layers.Pool2D;
import dev.cnn.nn.losses.Loss;
import dev.cnn.nn.losses.WeightedCategoricalCrossEntropy;
import dev.cnn.nn.optimizers.Adam;
import dev.cnn.nn.optimizers.AdamW;
import dev.cnn.nn.optimizers.GradientDescent;
import dev.cnn.nn.optimizers.Optimizer;
import dev.cnn.nn.optimizers.OptimizerFactory;
import dev.cnn.nn.optimizers.RMSprop;
import dev.cnn.nn.schedules.ConstantRate;
import dev.cnn.nn.schedules.CosineDecay;
import dev.cnn.nn.schedules.LearningRateSchedule;
import dev.cnn.nn.schedules.StepDecay;
import dev.cnn.nn.schedules.WarmUp;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Which layer, optimizer, loss and learning-rate schedule types a model file may name, and how each is rebuilt: type name (as
 * {@link Layer#type()}, {@link Optimizer#type()}, {@link Loss#typeName()} or
 * {@link LearningRateSchedule#type()} returns it) to factory. The built-in types are
 * registered from the start; register your own before loading a file that contains them. Thread-safe.
 */
public final class ModelTypes {
    private static final Map<String, LayerFactory> LAYERS = new ConcurrentHashMap<>();
    private static final Map<String, OptimizerFactory> OPTIMIZERS = new ConcurrentHashMap<>();
    private static final Map<String, LearningRateSchedule.Factory> SCHEDULES = new ConcurrentHashMap<>();
    private static final Map<String, Loss.Factory> LOSSES = new ConcurrentHashMap<>();

    static {
        registerLayer("FullyConnected", FullyConnected::fromConfig);
        registerLayer("Conv2D", Conv2D::fromConfig);
        registerLayer("MaxPool2D", (c, w) -> Pool2D.fromConfig(c, PoolMode.MAX));
        registerLayer("AveragePool2D", (c, w) -> Pool2D.fromConfig(c, PoolMode.AVERAGE));
        registerLayer("Flatten", (c, w) -> new Flatten());
        registerLayer("BatchNorm", BatchNorm::fromConfig);
        registerLayer("Dropout", (c, w) -> Dropout.fromConfig(c));
        registerLayer("GlobalAveragePooling2D", (c, w) -> new GlobalAveragePooling2D());
        registerLayer("Add", (c, w) -> new Add());
        registerLayer("DepthwiseConv2D", DepthwiseConv2D::fromConfig);
        registerLayer("LeakyReLU", (c, w) -> LeakyReLU.fromConfig(c));
        registerLayer("Concatenate", (c, w) -> new Concatenate());
        for (Activation.Kind k : Activation.Kind.values()) {
            registerLayer(k.typeName(), (c, w) -> new Activation(k));
        }
        registerOptimizer("Adam", Adam::fromConfig);
        registerOptimizer("GradientDescent", GradientDescent::fromConfig);
        registerOptimizer("RMSprop", RMSprop::fromConfig);
        registerOptimizer("AdamW", AdamW::fromConfig);
        registerLoss("BinaryCrossEntropy", c -> Loss.BINARY_CROSS_ENTROPY);
        registerLoss("MeanSquaredError", c -> Loss.MEAN_SQUARED_ERROR);
        registerLoss("CategoricalCrossEntropy", c -> Loss.CATEGORICAL_CROSS_ENTROPY);
        registerLoss("WeightedCategoricalCrossEntropy", WeightedCategoricalCrossEntropy::fromConfig);
        registerSchedule("ConstantRate", ConstantRate::fromConfig);
        registerSchedule("StepDecay", StepDecay::fromConfig);
        registerSchedule("CosineDecay", CosineDecay::fromConfig);
        registerSchedule("WarmUp", c -> WarmUp.fromConfig(c, ModelTypes::schedule));
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

    /** Makes learning-rate schedules of {@code type} loadable (replacing any factory registered for that name). */
    public static void registerSchedule(String type, LearningRateSchedule.Factory factory) {
        SCHEDULES.put(type, factory);
    }

    /** Makes losses of {@code type} loadable (replacing any factory registered for that name). */
    public static void registerLoss(String type, Loss.Factory factory) {
        LOSSES.put(type, factory);
    }

    static Loss loss(String type, ConfigView config) {
        Loss.Factory f = LOSSES.get(type);
        if (f == null) {
            throw new IllegalArgumentException("unknown loss type '" + type + "' (known: " + new TreeSet<>(LOSSES.keySet())
                    + "; register others with ModelTypes.registerLoss)");
        }
        return f.create(config);
    }

    /** The schedule saved as {@link LearningRateSchedule#savedForm}: the factory registered for its type, on its config. */
    public static LearningRateSchedule schedule(ConfigView saved) {
        String type = saved.string("type");
        LearningRateSchedule.Factory f = SCHEDULES.get(type);
        if (f == null) {
            throw new IllegalArgumentException(saved.where() + ": unknown learning-rate schedule '" + type + "' (known: "
                    + new TreeSet<>(SCHEDULES.keySet()) + "; register others with ModelTypes.registerSchedule)");
        }
        return f.create(saved.has("config") ? saved.object("config") : new ConfigView(Map.of(), saved.where()));
    }

    /**
     * The factory registered for layer {@code type}; an {@link IllegalArgumentException} listing the known
     * types when there is none. With weights of your own choosing it builds a layer from a saved config
     * (e.g. a network described in JSON).
     */
    public static LayerFactory layerFactory(String type) {
        return layer(type);
    }

    static LayerFactory layer(String type) {
        LayerFactory f = LAYERS.get(type);
        if (f == null) {
            throw new IllegalArgumentException("unknown layer type '" + type + "' (known: " + new TreeSet<>(LAYERS.keySet())
                    + "; register others with ModelTypes.registerLayer)");
        }
        return f;
    }

    /** The factory registered for optimizer {@code type}; an {@link IllegalArgumentException} listing the known types when there is none. */
    public static OptimizerFactory optimizerFactory(String type) {
        return optimizer(type);
    }

    static OptimizerFactory optimizer(String type) {
        OptimizerFactory f = OPTIMIZERS.get(type);
        if (f == null) {
            throw new IllegalArgumentException("unknown optimizer type '" + type + "' (known: "
                    + new TreeSet<>(OPTIMIZERS.keySet()) + "; register others with ModelTypes.registerOptimizer)");
        }
        return f;
    }

    /**
     * An independent copy of {@code l} (named {@code layerName} in errors) rebuilt by the factory registered for
     * its type from its config and a copy of its parameters and state.
     */
    public static Layer copyOfLayer(Layer l, String layerName) {
        Map<String, Tensor> byName = new LinkedHashMap<>();
        for (Parameter p : l.parameters()) {
            byName.put(p.name(), p.value());
        }
        byName.putAll(l.state());
        try {
            return layer(l.type()).create(new ConfigView(l.config(), "layer '" + layerName + "'"),
                    (name, shape) -> {
                        Tensor t = byName.get(name);
                        if (t == null) {
                            throw new IllegalArgumentException("layer '" + layerName + "' has no parameter '" + name + "'");
                        }
                        t.requireShape("parameter " + layerName + "." + name, shape);
                        return t.copy();
                    });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
