"""`cnn train mnist --model examples/small-resnet.json` in PyTorch, for the side-by-side accuracy and time per epoch.

Run with Debian's python3-torch (and numpy), from the checkout:
    /usr/bin/python3 bench/pytorch_small_resnet.py DATA_DIR [EPOCHS] [NETWORK.json] [--augment SHIFT,DEGREES] [--json]
DATA_DIR holds the four IDX files (e.g. /usr/share/datasets/fashion-mnist from Debian's dataset-fashion-mnist).
The network is read from the same JSON file cnn trains (default examples/small-resnet.json): Conv2D, BatchNorm,
ReLU, Add, GlobalAveragePooling2D, FullyConnected and Softmax nodes with their "inputs", so the two runs train one
architecture. As `cnn train mnist`: He-normal convolution and fully connected weights (Xavier for the last layer),
zero biases, batch-norm momentum as in the file (cnn's 0.9 is PyTorch's 0.1) and its epsilon; Adam lr 0.002 decayed
per epoch along a cosine to 5 % of it over the planned epochs; batch 64; 54,000 training and 6,000 validation images
(a stratified 10 % split); each training image shifted by a whole number of pixels in [-SHIFT, SHIFT] and turned by an
angle in [-DEGREES, DEGREES] (bilinear, zero fill; default 2,10 as `cnn train mnist`), drawn anew every epoch; 2 threads,
channels-last. The split, shuffling
and augmentation draws use numpy's and torch's generators, not cnn's: the batches are alike, not the same.
Prints one line per epoch (training seconds, validation accuracy) and the test accuracy; with --json one JSON object
(and the epoch lines on standard error).
"""
import json, math, os, sys, time
import numpy as np
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from idx import idx as read_idx  # noqa: E402
import torch, torch.nn as nn, torch.nn.functional as F

argv = sys.argv[1:]
shift_degrees = (2, 10.0)
if "--augment" in argv:
    a = argv.pop(argv.index("--augment") + 1).split(","); argv.remove("--augment")
    shift_degrees = (int(a[0]), float(a[1]))
args = [a for a in argv if not a.startswith("--")]
JSON = "--json" in argv
here = os.path.dirname(os.path.abspath(__file__))
data = args[0] if args else "/usr/share/datasets/fashion-mnist"
epochs = int(args[1]) if len(args) > 1 else 15
network = args[2] if len(args) > 2 else os.path.join(here, "..", "examples", "small-resnet.json")
torch.set_num_threads(2)
torch.manual_seed(1)


def idx(name):
    return read_idx(data, name)


class Graph(nn.Module):
    """The nodes of a cnn network file, run in file order; a node reads the one before it unless it names inputs."""

    def __init__(self, layers):
        super().__init__()
        self.nodes, self.mods = [], nn.ModuleDict()
        prev, last = "input", None
        for l in layers:
            c, t, name = l.get("config", {}), l["type"], l["name"]
            if t == "Conv2D":
                m = nn.Conv2d(c["inChannels"], c["filters"], c["kernel"], c["stride"], c["padding"])
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu"); nn.init.zeros_(m.bias)
            elif t == "BatchNorm":
                m = nn.BatchNorm2d(c["channels"], eps=c["epsilon"], momentum=1 - c["momentum"])
            elif t == "FullyConnected":
                m = nn.Linear(c["inputSize"], c["outputSize"]); last = m; nn.init.zeros_(m.bias)
                nn.init.kaiming_normal_(m.weight, nonlinearity="relu")
            elif t in ("ReLU", "Add", "GlobalAveragePooling2D", "Softmax"):
                m = None
            else:
                sys.exit("node %s: type %s is not supported by this script" % (name, t))
            if m is not None:
                self.mods[name] = m
            self.nodes.append((name, t, l.get("inputs", [prev])))
            prev = name
        nn.init.xavier_normal_(last.weight)

    def forward(self, x):
        v = {"input": x}
        for name, t, ins in self.nodes:
            a = [v[i] for i in ins]
            if t == "ReLU":
                y = F.relu(a[0])
            elif t == "Add":
                y = a[0] + a[1]
            elif t == "GlobalAveragePooling2D":
                y = a[0].mean((2, 3))
            elif t == "Softmax":
                y = a[0]  # logits: cross_entropy applies the softmax, as cnn fuses it with its loss
            else:
                y = self.mods[name](a[0])
            v[name] = y
        return y


def augment(x, gen):
    """Per image: a whole-pixel shift in [-SHIFT, SHIFT] on each axis and a rotation in [-DEGREES, DEGREES]."""
    n, _, h, w = x.shape
    shift, degrees = shift_degrees
    if shift == 0 and degrees == 0:
        return x
    ang = (torch.rand(n, generator=gen) * 2 - 1) * math.radians(degrees)
    dx = torch.randint(-shift, shift + 1, (n,), generator=gen).float() * 2 / w
    dy = torch.randint(-shift, shift + 1, (n,), generator=gen).float() * 2 / h
    cos, sin = torch.cos(ang), torch.sin(ang)
    theta = torch.stack([torch.stack([cos, -sin, -dx], 1), torch.stack([sin, cos, -dy], 1)], 1)
    grid = F.affine_grid(theta, x.shape, align_corners=False)
    return F.grid_sample(x, grid, mode="bilinear", padding_mode="zeros", align_corners=False)


xtr, ytr = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte")
xte, yte = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
rng = np.random.RandomState(1)
val = np.concatenate([rng.permutation(np.where(ytr == c)[0])[:int(round(0.1 * np.sum(ytr == c)))] for c in range(10)])
train = np.setdiff1d(np.arange(len(ytr)), val)
to_t = lambda x: torch.from_numpy(x.astype(np.float32) / 255).unsqueeze(1).contiguous()
with open(network) as f:
    net = Graph(json.load(f)).to(memory_format=torch.channels_last)
opt = torch.optim.Adam(net.parameters(), lr=0.002)
xt, yt = to_t(xtr[train]), torch.from_numpy(ytr[train].astype(np.int64))
gen = torch.Generator().manual_seed(1)


def accuracy(x, y):
    net.eval()
    with torch.no_grad():
        return float(np.mean([(net(to_t(x[i:i + 500]).contiguous(memory_format=torch.channels_last)).argmax(1).numpy()
                               == y[i:i + 500]).mean() for i in range(0, len(y), 500)]))


per_epoch = []
for e in range(epochs):
    t = min(1.0, e / max(1, epochs - 1))
    for g in opt.param_groups:
        g["lr"] = 0.002 * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * t)))
    order = torch.from_numpy(np.random.RandomState(1 + 7919 * e).permutation(len(train)))
    start = time.time(); net.train()
    for b in range(0, len(train), 64):
        i = order[b:b + 64]
        xb = augment(xt[i], gen).contiguous(memory_format=torch.channels_last)
        opt.zero_grad(); loss = F.cross_entropy(net(xb), yt[i]); loss.backward(); opt.step()
    secs = time.time() - start
    acc = accuracy(xtr[val], ytr[val])
    per_epoch.append({"epoch": e + 1, "seconds": secs, "validationAccuracy": acc})
    print("epoch %d: %.1f s, validation accuracy %.4f" % (e + 1, secs, acc), file=sys.stderr if JSON else sys.stdout,
          flush=True)
test = accuracy(xte, yte)
if JSON:
    print(json.dumps({"torch": torch.__version__, "augment": shift_degrees, "epochs": per_epoch, "testAccuracy": test}))
else:
    print("test accuracy %.4f" % test)
