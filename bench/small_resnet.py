"""The residual network of examples/small-resnet.json on Fashion-MNIST in cnn and in PyTorch 1.13, one after the other.

    python3 bench/small_resnet.py [--data DIR] [--epochs N] [--augment SHIFT,DEGREES] [--results DIR]
    python3 bench/small_resnet.py --from CNN_STDOUT CNN_STDERR TORCH_JSON --commit REV [--epochs N] [--augment A] ...

Runs `./cnn train mnist --data DIR --model examples/small-resnet.json --epochs N --augment A --json` and then
`/usr/bin/python3 bench/pytorch_small_resnet.py DIR N --augment A --json` (the same network read from the same
file, optimizer, schedule, batch, split sizes and augmentation; see that script), nothing else running, and writes
DIR/<date>-small-resnet.md and .json (default DIR: bench/results): the machine, each side's test accuracy and
seconds per training epoch (median over the epochs, min–max; cnn's include scoring the validation split, PyTorch's
do not), and cnn's speed over PyTorch's. Default data:
/usr/share/datasets/fashion-mnist (Debian's dataset-fashion-mnist); default 20 epochs with --augment 2,0. With
--from it writes the same report from the outputs of runs made apart with the same commands (cnn's --json line and
its log, the PyTorch script's --json line) at commit REV, for runs too long to repeat.
"""
import datetime, json, os, platform, re, statistics, subprocess, sys, tempfile

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


data = arg('--data', '/usr/share/datasets/fashion-mnist')
epochs = int(arg('--epochs', '20'))
augment = arg('--augment', '2,0')
results = arg('--results', os.path.join(here, 'results'))
stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H%MZ')
os.makedirs(results, exist_ok=True)


def sh(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    return p.stdout.strip() or p.stderr.strip()


def cnn_epoch_seconds(log):
    """cnn's per-epoch times from its log lines `epoch N: train loss ... (MS ms)`."""
    return [int(ms) / 1000 for ms in re.findall(r'epoch \d+: train loss .*\((\d+) ms\)', log)]


def last_json(text):
    return json.loads(text.strip().splitlines()[-1])


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    if p.returncode != 0:
        sys.exit('%s failed (exit %d): %s' % (' '.join(cmd), p.returncode, p.stderr.strip()[-2000:]))
    return p


if '--from' in sys.argv:
    i = sys.argv.index('--from')
    cnn = last_json(open(sys.argv[i + 1]).read())
    cnn_epochs = cnn_epoch_seconds(open(sys.argv[i + 2]).read())
    torch = last_json(open(sys.argv[i + 3]).read())
else:
    with tempfile.TemporaryDirectory() as tmp:
        p = run([os.path.join(root, 'cnn'), 'train', 'mnist', '--data', data, '--model',
                 os.path.join(root, 'examples', 'small-resnet.json'), '--epochs', str(epochs), '--augment', augment,
                 '--json', '--out', os.path.join(tmp, 'model.cnn')])
    cnn = last_json(p.stdout)
    cnn_epochs = cnn_epoch_seconds(p.stderr)
    torch = last_json(run(['/usr/bin/python3', os.path.join(here, 'pytorch_small_resnet.py'), data, str(epochs),
                           '--augment', augment, '--json']).stdout)
torch_epochs = [e['seconds'] for e in torch['epochs']]

cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
java = sh(['java', '-version']).splitlines()
commit = arg('--commit', None) or sh(['git', 'rev-parse', '--short', 'HEAD'])
dirty = '--commit' not in sys.argv and bool(sh(['git', 'status', '--porcelain', '--untracked-files=no']))
meta = {'date': stamp, 'cpu': cpu, 'cores': os.cpu_count(), 'jdk': java[0] if java else None, 'torch': torch['torch'],
        'commit': commit, 'uncommittedChanges': dirty, 'data': os.path.abspath(data), 'epochs': epochs,
        'augment': augment}
out = {'machine': meta,
       'cnn': {'testAccuracy': cnn['test']['accuracy'], 'epochSeconds': cnn_epochs,
               'validationAccuracy': cnn['history']['validationMetric'] if 'history' in cnn else None},
       'pytorch': {'testAccuracy': torch['testAccuracy'], 'epochSeconds': torch_epochs,
                   'validationAccuracy': [e['validationAccuracy'] for e in torch['epochs']]}}
json.dump(out, open(os.path.join(results, stamp + '-small-resnet.json'), 'w'), indent=1)


def row(name, acc, secs):
    return '| %s | %.2f %% | %.1f (%.1f–%.1f) |' % (name, 100 * acc, statistics.median(secs), min(secs), max(secs))


ratio = statistics.median(torch_epochs) / statistics.median(cnn_epochs)
lines = ['# examples/small-resnet.json on Fashion-MNIST, cnn and PyTorch, %s' % stamp, '',
         '- written by `bench/small_resnet.py --data %s --epochs %d --augment %s`%s' % (data, epochs, augment,
             ' from runs made apart (`--from`); other work shared the machine during them, so their epoch times are '
             'not a comparison' if '--from' in sys.argv else ''),
         '- machine: %s, %d logical cores; %s' % (cpu, os.cpu_count(), platform.platform()),
         '- JDK: %s; torch %s' % (meta['jdk'], torch['torch']),
         '- commit: %s%s' % (commit, ' (with uncommitted changes)' if dirty else ''),
         '- raw figures: [%s](%s)' % (stamp + '-small-resnet.json', stamp + '-small-resnet.json'), '',
         '| engine | test accuracy (10,000 images) | s per training epoch (median, min–max) |', '| --- | ---: | --- |',
         row('cnn', cnn['test']['accuracy'], cnn_epochs), row('PyTorch 1.13', torch['testAccuracy'], torch_epochs), '',
         'cnn trains an epoch %.2fx as fast as PyTorch (median epoch against median epoch). cnn\'s epoch time includes '
         'scoring the 6,000 validation images; PyTorch\'s does not.' % ratio]
text = '\n'.join(lines) + '\n'
open(os.path.join(results, stamp + '-small-resnet.md'), 'w').write(text)
print(text)
