/**
 * ONNX export: {@link dev.cnn.nn.onnx.OnnxExport} writes a model (chain or graph) as an ONNX file for inference,
 * opset 13, NHWC input and output as {@code Model.predict} has them (docs/onnx.md). Stateless and thread-safe.
 */
package dev.cnn.nn.onnx;
