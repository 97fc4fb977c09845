"""Fashion-MNIST (IDX, as Debian's dataset-fashion-mnist installs it) as image folders for `cnn train images`.

    /usr/bin/python3 bench/fashion_folder.py FASHION_DIR OUT_DIR PER_CLASS

Writes OUT_DIR/train/<class>/<n>.png with the first PER_CLASS training images of each of the ten classes, and
OUT_DIR/test/<class>/<n>.png with all 10,000 test images: 28x28 grayscale PNGs, one folder per class, as a user's
own photos would be laid out. Needs numpy and Pillow (Debian: python3-numpy, python3-pil).
"""
import os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from PIL import Image
from idx import idx  # noqa: E402

CLASSES = ["t-shirt", "trouser", "pullover", "dress", "coat", "sandal", "shirt", "sneaker", "bag", "ankle-boot"]


def write(images, labels, root, per_class):
    counts = [0] * len(CLASSES)
    for image, label in zip(images, labels):
        if counts[label] < per_class:
            d = os.path.join(root, CLASSES[label])
            os.makedirs(d, exist_ok=True)
            Image.fromarray(image, mode="L").save(os.path.join(d, "%d.png" % counts[label]))
            counts[label] += 1
    return sum(counts)


data, out, per_class = sys.argv[1], sys.argv[2], int(sys.argv[3])
n = write(idx(data, "train-images-idx3-ubyte"), idx(data, "train-labels-idx1-ubyte"), os.path.join(out, "train"),
          per_class)
m = write(idx(data, "t10k-images-idx3-ubyte"), idx(data, "t10k-labels-idx1-ubyte"), os.path.join(out, "test"),
          10 ** 9)
print("wrote %d training and %d test images of %d classes under %s" % (n, m, len(CLASSES), out))
