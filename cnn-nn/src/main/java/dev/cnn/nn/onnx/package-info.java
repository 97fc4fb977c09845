/**
 * ONNX, both ways: {@link dev.cnn.nn.onnx.OnnxExport} writes a model (chain or graph) as an ONNX file for
 * inference, opset 13, NHWC input and output as {@code Model.predict} has them; {@link dev.cnn.nn.onnx.OnnxImport}
 * reads what PyTorch exports (opsets 1 to 17) into a cnn graph network taking NHWC input, kernels converted and
 * batch norm folded (docs/onnx.md). Files are read and written with protobuf-java's coded streams; a damaged or
 * unsupported file is a {@link dev.cnn.nn.io.ModelIO.ModelFormatException} naming the node. Stateless and
 * thread-safe.
 */
package dev.cnn.nn.onnx;
