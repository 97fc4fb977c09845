"""Exports torchvision's ResNet-18, MobileNetV2 and SqueezeNet 1.1 to ONNX for cnn's import tests.

No pretrained weights are downloaded: each network gets seeded random weights and batch-norm layers with
non-trivial statistics (running means and variances away from 0 and 1, scales and shifts away from 1 and 0),
so that folding batch norm into the convolutions is tested on values that matter. Each is exported with
torch.onnx.export at opsets 11 and 13, with and without constant folding, beside the input it was run on
(NCHW, float32 .npy) and PyTorch's output for it.

    python3 bench/torchvision_onnx.py OUT_DIR        # then: ./mvnw test -pl cnn-nn -Dcnn.torchvision=OUT_DIR
"""
import sys
from pathlib import Path

import numpy as np
import torch
import torchvision


def networks():
    return {
        "resnet18": lambda: torchvision.models.resnet18(weights=None),
        "mobilenet_v2": lambda: torchvision.models.mobilenet_v2(weights=None),
        "squeezenet1_1": lambda: torchvision.models.squeezenet1_1(weights=None),
    }


def with_statistics(model, generator):
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=generator) * 0.2)
            m.running_var.copy_(0.5 + torch.rand(c, generator=generator))
            m.weight.data.copy_(0.7 + 0.6 * torch.rand(c, generator=generator))
            m.bias.data.copy_(torch.randn(c, generator=generator) * 0.1)
    return model


def main(out):
    out.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    for name, make in networks().items():
        g = torch.Generator().manual_seed(1)
        model = with_statistics(make(), g).eval()
        x = torch.randn(2, 3, 224, 224, generator=g)
        with torch.no_grad():
            y = model(x)
        np.save(out / f"{name}-input.npy", x.numpy().astype(np.float32))
        np.save(out / f"{name}-output.npy", y.numpy().astype(np.float32))
        for opset in (11, 13):
            for fold in (False, True):
                path = out / f"{name}-opset{opset}-fold{int(fold)}.onnx"
                torch.onnx.export(model, x, str(path), opset_version=opset, do_constant_folding=fold,
                                  input_names=["image"], output_names=["logits"],
                                  dynamic_axes={"image": {0: "batch"}, "logits": {0: "batch"}})
                print(f"{path.name}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "torchvision-onnx"))
