"""A small CNN trained in PyTorch on MNIST and exported to ONNX, for `cnn import` to score with exactly
PyTorch's mistakes.

    /usr/bin/python3 bench/pytorch_mnist_onnx.py MNIST_DIR OUT_DIR [EPOCHS]

Writes OUT_DIR/mnist-torch.onnx (opset 13, input "image" (batch, 1, 28, 28) of pixels / 255, output the ten
class probabilities), OUT_DIR/test-images.npy (the 10,000 test images as that input, NCHW float32) and
OUT_DIR/torch-classes.npy (PyTorch's predicted class of each, int64). The network is written the way PyTorch
users write one: conv-BN-ReLU twice with max pooling, then torch.flatten in PyTorch's (c, h, w) order into two
linear layers and a softmax. cnn must permute the first linear layer's rows to read its (h, w, c) features.
"""
import os, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import numpy as np
import torch, torch.nn as nn
from idx import idx  # noqa: E402

torch.set_num_threads(2)
torch.manual_seed(1)
data, out = sys.argv[1], sys.argv[2]
epochs = int(sys.argv[3]) if len(sys.argv) > 3 else 1
os.makedirs(out, exist_ok=True)
to_x = lambda a: torch.from_numpy(a.astype(np.float32) / 255).unsqueeze(1)
xtr, ytr = to_x(idx(data, "train-images-idx3-ubyte")), torch.from_numpy(idx(data, "train-labels-idx1-ubyte").astype(np.int64))
xte = to_x(idx(data, "t10k-images-idx3-ubyte"))
yte = idx(data, "t10k-labels-idx1-ubyte")

net = nn.Sequential(
    nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(), nn.MaxPool2d(2),
    nn.Flatten(), nn.Linear(32 * 7 * 7, 64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 10))
opt = torch.optim.Adam(net.parameters(), lr=0.002)
for e in range(epochs):
    net.train()
    start = time.time()
    order = torch.from_numpy(np.random.RandomState(1 + e).permutation(len(ytr)))
    for b in range(0, len(ytr), 64):
        i = order[b:b + 64]
        opt.zero_grad()
        nn.functional.cross_entropy(net(xtr[i]), ytr[i]).backward()
        opt.step()
    print("epoch %d: %.1f s" % (e + 1, time.time() - start), flush=True)
model = nn.Sequential(net, nn.Softmax(dim=1)).eval()
with torch.no_grad():
    classes = torch.cat([model(xte[b:b + 1000]).argmax(1) for b in range(0, len(xte), 1000)]).numpy()
wrong = int((classes != yte).sum())
print("PyTorch: test accuracy %.2f%% (%d wrong of %d)" % (100 * (1 - wrong / len(yte)), wrong, len(yte)))
np.save(os.path.join(out, "test-images.npy"), xte.numpy())
np.save(os.path.join(out, "torch-classes.npy"), classes.astype(np.int64))
torch.onnx.export(model, xte[:2], os.path.join(out, "mnist-torch.onnx"), opset_version=13, input_names=["image"],
                  output_names=["probabilities"], dynamic_axes={"image": {0: "batch"}, "probabilities": {0: "batch"}})
print("wrote", os.path.join(out, "mnist-torch.onnx"))
