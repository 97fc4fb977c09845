package dev.cnn.nn;

import dev.cnn.nn.layers.Flatten;
import dev.cnn.nn.layers.GlobalAveragePooling2D;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.Pool2D;
import java.util.ArrayDeque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Fine-tuning: a trained (or imported) model's feature extractor under a new head. {@link #features} copies the
 * layers up to a node — by default {@link #featureEnd}, where the base model's classifier starts — wired as
 * they were and frozen; add the head for your classes and build:
 *
 * <pre>{@code
 * Model base = Model.importOnnx(Path.of("resnet18.onnx"));
 * Model tuned = Transfer.features(base, Transfer.featureEnd(base)).seed(1)
 *         .add("head", new FullyConnected(5)).add("softmax", Activation.softmax()).build();
 * tuned.setTrainable("layer4_1_conv2", true);                  // train a last convolution too
 * }</pre>
 *
 * The copies are independent of {@code base} (weights copied, through each layer's registered factory).
 */
public final class Transfer {
    private Transfer() {
    }

    /**
     * Where {@code base}'s feature extractor ends: its last {@link Flatten}, {@link GlobalAveragePooling2D} or
     * {@link Pool2D} node, the classifier being what follows. Fails, naming the layers, when there is none.
     */
    public static String featureEnd(Model base) {
        List<String> names = base.layerNames();
        for (int i = names.size() - 1; i >= 0; i--) {
            Layer l = base.layer(names.get(i));
            if (l instanceof Flatten || l instanceof GlobalAveragePooling2D || l instanceof Pool2D) {
                return names.get(i);
            }
        }
        throw new IllegalArgumentException("the model has no flatten or pooling layer where a classifier would start "
                + "(layers: " + names + "); name the last feature layer with Transfer.features(model, name)");
    }

    /**
     * A builder for samples of {@code base}'s input shape holding copies of {@code lastNode} and every node it
     * reads, directly or not, in their order and wiring, each frozen ({@link Model#setTrainable}); the next
     * node added reads {@code lastNode}. The builder has no loss or optimizer yet.
     */
    public static Model.Builder features(Model base, String lastNode) {
        base.layer(lastNode); // fails naming the layers when there is no such node
        Set<String> keep = new HashSet<>();
        ArrayDeque<String> todo = new ArrayDeque<>(List.of(lastNode));
        while (!todo.isEmpty()) {
            String n = todo.pop();
            if (!n.equals(Model.INPUT) && keep.add(n)) {
                todo.addAll(base.inputsOf(n));
            }
        }
        Model.Builder b = Model.builder(base.inputShape());
        for (String n : base.layerNames()) {
            if (keep.contains(n)) {
                b.add(n, base.copyOfLayer(n), base.inputsOf(n).toArray(new String[0])).freeze(n);
            }
        }
        return b;
    }
}
