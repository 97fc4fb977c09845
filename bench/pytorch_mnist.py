"""`cnn train mnist` in PyTorch: the same network, optimizer, schedule, batches and split sizes, for the
side-by-side time per epoch (and accuracy) that the README reports.

Run with Debian's python3-torch (and numpy) and libopenblas0-pthread, from the checkout, with the datasets beside it:
    /usr/bin/python3 bench/pytorch_mnist.py [DATA_DIR] [EPOCHS]
Its fully connected layers go to the system BLAS: with Debian's reference BLAS an epoch took 108 s here, with
OpenBLAS 44 s. OpenBLAS 0.3.21 does not recognise this machine's CPU and would use its SSE3 kernels; the script
selects its AVX-512 ones (SkylakeX) unless OPENBLAS_CORETYPE is set, as bench/pytorch_reference.py does.
Network (as cnn's Task.MNIST): conv 5x5 same 32 -> ReLU -> max pool 2 -> conv 5x5 same 64 -> ReLU -> max pool 2
-> flatten in (h, w, c) order -> FC 256 -> ReLU -> FC 10 -> softmax with cross-entropy; He-normal weights,
zero biases; Adam lr 0.002 decayed per epoch along a cosine to 5 % of it over the planned epochs; batch 64,
54,000 training and 6,000 validation images (a stratified 10 % split), shuffled per epoch; 2 threads,
channels-last. The split and shuffling use numpy's generator, not cnn's, so the batches are alike, not the same.
"""
import math, os, sys, time
os.environ.pop("OPENBLAS_L2_SIZE", None)
os.environ.setdefault("OPENBLAS_CORETYPE", "SkylakeX")
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx import idx as read_idx  # noqa: E402
import torch, torch.nn as nn, torch.nn.functional as F

torch.set_num_threads(2)
torch.manual_seed(1)
data = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "shared", "datasets", "mnist")
epochs = int(sys.argv[2]) if len(sys.argv) > 2 else 6

def idx(name):
    return read_idx(data, name)

xtr, ytr = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte")
xte, yte = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
rng = np.random.RandomState(1)
val = np.concatenate([rng.permutation(np.where(ytr == c)[0])[:int(round(0.1 * np.sum(ytr == c)))] for c in range(10)])
train = np.setdiff1d(np.arange(len(ytr)), val)
to_t = lambda x: torch.from_numpy(x.astype(np.float32) / 255).unsqueeze(1).contiguous(memory_format=torch.channels_last)

class Net(nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = nn.Conv2d(1, 32, 5, padding=2); s.c2 = nn.Conv2d(32, 64, 5, padding=2)
        s.f1 = nn.Linear(7 * 7 * 64, 256); s.f2 = nn.Linear(256, 10)
        for m in (s.c1, s.c2, s.f1):
            nn.init.kaiming_normal_(m.weight, nonlinearity="relu"); nn.init.zeros_(m.bias)
        nn.init.xavier_normal_(s.f2.weight); nn.init.zeros_(s.f2.bias)
    def forward(s, x):
        x = F.max_pool2d(F.relu(s.c1(x)), 2); x = F.max_pool2d(F.relu(s.c2(x)), 2)
        x = x.permute(0, 2, 3, 1).reshape(x.shape[0], -1)
        return s.f2(F.relu(s.f1(x)))

net = Net().to(memory_format=torch.channels_last)
opt = torch.optim.Adam(net.parameters(), lr=0.002)
xt, yt = to_t(xtr[train]), torch.from_numpy(ytr[train].astype(np.int64))
for e in range(epochs):
    t = min(1.0, e / max(1, epochs - 1))
    for g in opt.param_groups:
        g["lr"] = 0.002 * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))
    order = torch.from_numpy(np.random.RandomState(1 + 7919 * e).permutation(len(train)))
    start = time.time(); net.train()
    for b in range(0, len(train), 64):
        i = order[b:b + 64]
        opt.zero_grad(); loss = F.cross_entropy(net(xt[i]), yt[i]); loss.backward(); opt.step()
    secs = time.time() - start
    net.eval()
    with torch.no_grad():
        acc = (net(to_t(xtr[val])).argmax(1).numpy() == ytr[val]).mean()
    print("epoch %d: %.1f s, validation accuracy %.4f" % (e + 1, secs, acc), flush=True)
with torch.no_grad():
    print("test accuracy %.4f" % (net(to_t(xte)).argmax(1).numpy() == yte).mean())
