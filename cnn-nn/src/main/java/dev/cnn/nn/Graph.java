package dev.cnn.nn;

import dev.cnn.core.Shapes;
import dev.cnn.core.Tensor;
import dev.cnn.core.kernel.Workspace;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.MultiInputLayer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The wiring of a network: which node feeds which. Nodes are numbered in the order they were added, which
 * is a topological order (a node may only name nodes added before it, so there are no cycles); input
 * {@value #INPUT} is the model's input, the last node its output. Forward runs the nodes in order; backward
 * runs them in reverse and sums the gradients arriving at a node whose output feeds several others. A
 * chain is the graph in which every node reads the one before it. Immutable; the tensors it runs through
 * belong to the layers and to a {@link Pass}.
 */
final class Graph {
    /** The name of the model's input in a node's input list. */
    static final String INPUT = Model.INPUT;
    /** Index of the model's input in {@link #inputs}. */
    static final int INPUT_INDEX = -1;

    private final List<String> names;
    private final int[][] inputs;
    /** How many edges leave each node (an input named twice counts twice). */
    private final int[] uses;

    private Graph(List<String> names, int[][] inputs) {
        this.names = List.copyOf(names);
        this.inputs = inputs;
        this.uses = new int[names.size()];
        for (int[] in : inputs) {
            for (int j : in) {
                if (j >= 0) {
                    uses[j]++;
                }
            }
        }
    }

    /**
     * The graph of nodes {@code names} whose inputs are {@code inputNames} (per node a list of earlier node
     * names or {@value #INPUT}; an empty list: the previous node, or the input for the first). Every node but
     * the last must feed a later one.
     */
    static Graph of(List<String> names, List<List<String>> inputNames) {
        int n = names.size();
        int[][] in = new int[n][];
        for (int i = 0; i < n; i++) {
            List<String> given = inputNames.get(i);
            if (given.isEmpty()) {
                in[i] = new int[] {i - 1};
                continue;
            }
            in[i] = new int[given.size()];
            for (int k = 0; k < given.size(); k++) {
                String s = given.get(k);
                int j = s.equals(INPUT) ? INPUT_INDEX : names.subList(0, i).indexOf(s);
                if (j == INPUT_INDEX && !s.equals(INPUT)) {
                    throw new IllegalArgumentException("node '" + names.get(i) + "' reads '" + s + "', which is "
                            + (names.contains(s) ? "added after it (a node reads only nodes added before it)"
                            : "not a node of the network (nodes: " + names.subList(0, i) + ", or '" + INPUT + "')"));
                }
                in[i][k] = j;
            }
        }
        Graph g = new Graph(names, in);
        for (int i = 0; i < n - 1; i++) {
            if (g.uses[i] == 0) {
                throw new IllegalArgumentException("node '" + names.get(i) + "' feeds no later node; the network's "
                        + "output is its last node '" + names.get(n - 1) + "', so every other node must lead to it");
            }
        }
        return g;
    }

    /** Fails unless {@code name} is a valid, new node name (letters, digits, '_' and '-'; not {@value #INPUT}). */
    static void checkName(String name, List<String> names) {
        if (!name.matches("[A-Za-z0-9_-]+")) {
            throw new IllegalArgumentException("layer name '" + name + "' may only use letters, digits, '_' and '-'");
        }
        if (name.equals(INPUT)) {
            throw new IllegalArgumentException("layer name '" + INPUT + "' is reserved for the model's input");
        }
        if (names.contains(name)) {
            throw new IllegalArgumentException("duplicate layer name '" + name + "'");
        }
    }

    /** Fails when one layer instance is added twice: a layer holds its own weights and buffers. */
    static void checkDistinct(List<String> names, List<Layer> layers) {
        for (int i = 0; i < layers.size(); i++) {
            for (int j = 0; j < i; j++) {
                if (layers.get(i) == layers.get(j)) {
                    throw new IllegalArgumentException("layers '" + names.get(j) + "' and '" + names.get(i)
                            + "' are the same instance; a layer holds its own weights and buffers, so each needs its own");
                }
            }
        }
    }

    int size() {
        return names.size();
    }

    /** Whether every node reads exactly the one before it. */
    boolean isChain() {
        for (int i = 0; i < inputs.length; i++) {
            if (inputs[i].length != 1 || inputs[i][0] != i - 1) {
                return false;
            }
        }
        return true;
    }

    /** The names of node {@code i}'s inputs ({@value #INPUT} for the model's input). */
    List<String> inputNames(int i) {
        List<String> r = new ArrayList<>();
        for (int j : inputs[i]) {
            r.add(j == INPUT_INDEX ? INPUT : names.get(j));
        }
        return r;
    }

    /**
     * The output shape of every node for samples of {@code inputShape}, checking that each layer accepts its
     * inputs; errors name the node.
     */
    int[][] shapes(int[] inputShape, List<Layer> layers) {
        int[][] shapes = new int[layers.size()][];
        for (int i = 0; i < layers.size(); i++) {
            Layer l = layers.get(i);
            try {
                if (!(l instanceof MultiInputLayer) && inputs[i].length != 1) {
                    throw new IllegalArgumentException("takes one input, got " + inputs[i].length + " " + inputNames(i)
                            + " (Add, Concatenate and other MultiInputLayers take several)");
                }
                shapes[i] = l instanceof MultiInputLayer m ? m.outputShape(inputShapes(i, inputShape, shapes))
                        : l.outputShape(shapeOf(inputs[i][0], inputShape, shapes).clone());
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("layer '" + names.get(i) + "' (" + l.type() + "): " + e.getMessage(), e);
            }
        }
        return shapes;
    }

    /** The shapes of node {@code i}'s inputs. */
    List<int[]> inputShapes(int i, int[] inputShape, int[][] shapes) {
        List<int[]> r = new ArrayList<>();
        for (int j : inputs[i]) {
            r.add(shapeOf(j, inputShape, shapes).clone());
        }
        return r;
    }

    private static int[] shapeOf(int j, int[] inputShape, int[][] shapes) {
        return j == INPUT_INDEX ? inputShape : shapes[j];
    }

    /**
     * Every layer's shapes and parameter count, before any weight is allocated: a network whose parameters
     * with their gradients (8 bytes each, allocated when the model is built) and one sample's activations
     * (4 bytes a value) would not fit in the heap is refused with the figures, rather than failing with an
     * OutOfMemoryError after allocating part of it.
     */
    static void checkFits(int[] inputShape, Graph graph, List<String> names, List<Layer> layers,
                                  int[][] shapes) {
        long parameters = 0;
        long activations = 0;
        for (int i = 0; i < layers.size(); i++) {
            try {
                parameters = Math.addExact(parameters, layers.get(i).parameterCount(
                        graph.inputShapes(i, inputShape, shapes).get(0)));
                activations += Shapes.product(shapes[i]);
            } catch (IllegalArgumentException | ArithmeticException e) {
                throw new IllegalArgumentException("layer '" + names.get(i) + "' (" + layers.get(i).type() + "): "
                        + (e instanceof ArithmeticException ? "too many parameters" : e.getMessage()), e);
            }
        }
        long heap = Runtime.getRuntime().maxMemory();
        long need = parameters > Long.MAX_VALUE / 8 ? Long.MAX_VALUE : 8 * parameters + 4 * activations;
        if (need > heap) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT, "the network has %,d parameters and "
                    + "%,d activation values per sample: it needs at least %,d MB (weights, their gradients and one "
                    + "sample's activations; training adds the optimizer's state and a batch), but this JVM may use "
                    + "%,d MB (-Xmx; for the cnn command, CNN_JAVA_OPTS=-Xmx...)", parameters, activations, need >> 20,
                    heap >> 20));
        }
    }

    /**
     * One pass's tensors through a graph: every node's output and the gradients arriving at each. The
     * gradients the layers borrow from its {@link Workspace} (and the sums at forks) are given back as soon
     * as the node they belong to has run its backward pass, so a deep network holds only the gradients alive at
     * once; an array reached through several tensors (a gradient passed through, or reshaped) is given back when
     * the last of them is done.
     */
    static final class Pass {
        private final Graph graph;
        private final Workspace workspace;
        private final Tensor[] outputs;
        private final Tensor[] grads;
        private final int[] arrived;
        /** How many entries of {@link #grads} (or, in inference, readers still to run) hold each lent array. */
        private final Map<float[], Integer> holders = new IdentityHashMap<>();
        private Tensor input;
        private int lastBatch = -1;
        /** Per node: whether backward must reach it (it, or a node it reads, learns); null: every node. */
        private boolean[] needed;

        /** A pass whose gradient buffers are the layers' own; only the sums at forks are lent, by a workspace of its own. */
        Pass(Graph graph) {
            this(graph, new Workspace());
        }

        /** A pass that gives the gradients lent by {@code workspace} back once they are read (null: one of its own). */
        Pass(Graph graph, Workspace workspace) {
            this.graph = graph;
            this.workspace = workspace != null ? workspace : new Workspace();
            int n = graph.size();
            outputs = new Tensor[n];
            grads = new Tensor[n];
            arrived = new int[n];
        }

        /**
         * Runs every node on the batch {@code x}; returns the last node's output. With an inference workspace
         * ({@link Workspace#lendsOutputs}) each output lent from it is given back once its last reader has run
         * (the last node's inputs and output stay until the next pass: {@link #lastInput} and the caller read them).
         */
        Tensor forward(List<Layer> layers, Tensor x) {
            input = x;
            int last = layers.size() - 1;
            boolean lend = workspace.lendsOutputs();
            if (lend) {
                holders.clear();
                workspace.reclaimAll(x.dim(0), lastBatch);
                lastBatch = x.dim(0);
            }
            for (int i = 0; i <= last; i++) {
                Layer l = layers.get(i);
                outputs[i] = l instanceof MultiInputLayer m ? m.forward(inputsOf(i)) : l.forward(tensorOf(graph.inputs[i][0]));
                if (lend && i < last) {
                    hold(outputs[i], graph.uses[i]);
                    for (int j : graph.inputs[i]) {
                        if (j != INPUT_INDEX) {
                            release(outputs[j]);
                        }
                    }
                }
            }
            return outputs[last];
        }

        /** The first input of the last node in the latest forward: the logits a fused output head needs. */
        Tensor lastInput() {
            return tensorOf(graph.inputs[graph.size() - 1][0]);
        }

        private List<Tensor> inputsOf(int i) {
            List<Tensor> r = new ArrayList<>(graph.inputs[i].length);
            for (int j : graph.inputs[i]) {
                r.add(tensorOf(j));
            }
            return r;
        }

        private Tensor tensorOf(int j) {
            return j == INPUT_INDEX ? input : outputs[j];
        }

        /**
         * Limits {@link #backward} to what learning needs: {@code learns[i]} says whether node {@code i} has
         * parameters an optimizer updates. A node that does not learn and reads (directly or not) no node that
         * does is skipped — no parameter gradients, no input gradient — so a frozen feature extractor under a new
         * head costs its forward pass only. Null: every node runs backward.
         */
        void learnOnly(boolean[] learns) {
            if (learns == null) {
                needed = null;
                return;
            }
            boolean[] n = new boolean[graph.size()];
            for (int i = 0; i < n.length; i++) {
                n[i] = learns[i];
                for (int j : graph.inputs[i]) {
                    n[i] |= j != INPUT_INDEX && n[j];
                }
            }
            needed = n;
        }

        private boolean needs(int j) {
            return j != INPUT_INDEX && (needed == null || needed[j]);
        }

        /**
         * Back-propagates {@code dOut}, the gradient of the last node's output — or, when {@code skipLast}, of
         * its input (a fused output head) — through every node, setting each layer's parameter gradients.
         */
        void backward(List<Layer> layers, Tensor dOut, boolean skipLast) {
            int last = layers.size() - 1;
            Arrays.fill(grads, null);
            Arrays.fill(arrived, 0);
            holders.clear();
            int batch = dOut.dim(0);
            workspace.reclaimAll(batch, lastBatch);
            lastBatch = batch;
            if (skipLast) {
                deliver(graph.inputs[last][0], dOut);
            } else {
                grads[last] = dOut;
            }
            for (int i = skipLast ? last - 1 : last; i >= 0; i--) {
                if (!needs(i)) {
                    release(grads[i]);
                    grads[i] = null;
                    continue;
                }
                Layer l = layers.get(i);
                int[] in = graph.inputs[i];
                if (l instanceof MultiInputLayer m) {
                    List<Tensor> d = m.backwardAll(grads[i]);
                    for (int k = 0; k < in.length; k++) {
                        deliver(in[k], d.get(k));
                    }
                    release(grads[i]);
                    for (Tensor t : d) {
                        releaseIfUnheld(t);
                    }
                } else {
                    Tensor d = l.backward(grads[i], needs(in[0]));
                    deliver(in[0], d);
                    release(grads[i]);
                    releaseIfUnheld(d);
                }
                grads[i] = null;
            }
        }

        /** Hands gradient {@code g} to node {@code j}, summing it with what arrived before when {@code j} forks. */
        private void deliver(int j, Tensor g) {
            if (!needs(j)) {
                return;
            }
            if (graph.uses[j] == 1) {
                grads[j] = g;
                hold(g);
                return;
            }
            if (arrived[j]++ == 0) {
                Tensor s = workspace.lend(g.shape());
                System.arraycopy(g.data(), 0, s.data(), 0, g.size());
                grads[j] = s;
                hold(s);
                return;
            }
            float[] s = grads[j].data();
            float[] d = g.data();
            for (int k = 0; k < s.length; k++) {
                s[k] += d[k];
            }
        }

        private void hold(Tensor t) {
            hold(t, 1);
        }

        /** Counts {@code count} more holders of {@code t}'s array when it is lent. */
        private void hold(Tensor t, int count) {
            if (workspace.isLent(t)) {
                holders.merge(t.data(), count, Integer::sum);
            }
        }

        /** One holder of {@code t} is done with it; the last gives its array back. */
        private void release(Tensor t) {
            if (t == null) {
                return;
            }
            Integer n = holders.get(t.data());
            if (n == null) {
                return;
            }
            if (n > 1) {
                holders.put(t.data(), n - 1);
            } else {
                holders.remove(t.data());
                workspace.giveBack(t);
            }
        }

        /** Gives back a lent gradient that no entry holds (it was summed into a fork, or not needed). */
        private void releaseIfUnheld(Tensor t) {
            if (t != null && workspace.isLent(t) && !holders.containsKey(t.data())) {
                workspace.giveBack(t);
            }
        }
    }
}
