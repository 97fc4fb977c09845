package dev.cnn.nn;

import dev.cnn.core.Tensor;
import dev.cnn.nn.layers.Layer;
import dev.cnn.nn.layers.Parameter;

/** The table {@link Model#summary()} prints. */
final class Summary {
    private Summary() {
    }

    /**
     * A table of every layer's name, type, output shape and parameter count, and the totals; for a graph
     * network also each layer's inputs (the nodes it reads).
     */
    static String of(Model m) {
        boolean chain = m.isChain();
        int width = 14;
        for (String n : m.layerNames()) {
            width = Math.max(width, n.length() + 1);
        }
        String fmt = "%-" + width + "s %-22s %-16s %12s" + (chain ? "%s" : "  %s") + "%n";
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(fmt, "layer", "type", "output shape", "parameters", chain ? "" : "inputs"));
        int rule = width + 54 + (chain ? 0 : 8);
        sb.append("-".repeat(rule)).append('\n');
        sb.append(String.format(fmt, "input", "", Tensor.shapeText(m.inputShape()), "", ""));
        for (int i = 0; i < m.layers().size(); i++) {
            Layer l = m.layers().get(i);
            long count = 0;
            for (Parameter p : l.parameters()) {
                count += p.value().size();
            }
            String name = m.layerNames().get(i);
            sb.append(String.format(fmt, name, l.type(), Tensor.shapeText(m.outputShape(name)), count,
                    chain ? "" : String.join(", ", m.inputsOf(name))));
        }
        sb.append("-".repeat(rule)).append('\n');
        sb.append(String.format("total parameters: %d%nloss: %s, optimizer: %s %s%n", m.parameterCount(), m.loss().typeName(),
                m.optimizer().type(), m.optimizer().config()));
        return sb.toString();
    }
}
