"""cnn against PyTorch/OpenBLAS, interleaved: the comparison table of the README and docs/performance.md.

    /usr/bin/python3 bench/compare.py [--rounds 3] [--results DIR]

Each round runs `./cnn bench --kernels --json` and `bench/pytorch_reference.py --json` back to back (the order
alternating from round to round, so neither side always gets the warmer machine), 5 runs of 0.4 s per workload on
each side. Per workload it prints the median over rounds of each side's median and the median of the per-round
ratios cnn / peer with their range: the machine's speed drifts by up to 2x over minutes, and only a ratio taken
within one round is comparable. Needs what bench/pytorch_reference.py needs, and a built `./cnn`.

It writes DIR/<date>-compare.md (default DIR: bench/results) with the machine (CPU model, cores, JDK, commit),
the peer's versions and BLAS core, cnn's pure-FMA loop on one core before and after each round's kernels, and
the table; and DIR/<date>-compare.jsonl with every round's raw figures.
"""
import json, os, statistics, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
rounds = int(sys.argv[sys.argv.index('--rounds') + 1]) if '--rounds' in sys.argv else 3
results = sys.argv[sys.argv.index('--results') + 1] if '--results' in sys.argv else os.path.join(here, 'results')
import datetime, platform
stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H%MZ')
os.makedirs(results, exist_ok=True)
out = os.path.join(results, stamp + '-compare.jsonl')
CNN = [os.path.join(root, 'cnn'), 'bench', '--kernels', '--json', '--runs', '5', '--seconds', '0.4']
PEER = [sys.executable, os.path.join(here, 'pytorch_reference.py'), '--json']


def run(cmd):
    text = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return [json.loads(line) for line in text.splitlines() if line.startswith('{')]


cnn, peer, order, info, units = {}, {}, [], {}, {}
for r in range(rounds):
    sides = [('cnn', CNN), ('peer', PEER)]
    if r % 2 == 1:
        sides.reverse()
    got = {}
    for side, cmd in sides:
        got[side] = {}
        for rec in run(cmd):
            if rec.get('workload') == 'peer':
                info = rec
            elif 'median' in rec:
                got[side][rec['workload']] = rec
                units[rec['workload']] = rec['unit']
                (cnn if side == 'cnn' else peer).setdefault(rec['workload'], []).append(rec['median'])
                if rec['workload'] not in order:
                    order.append(rec['workload'])
        print('round %d: %s done' % (r + 1, side), file=sys.stderr, flush=True)
    with open(out, 'a') as f:
        f.write(json.dumps({'round': r + 1, 'cnn': got['cnn'], 'peer': got['peer']}) + '\n')
    for w in got['cnn']:
        if w in got['peer']:
            cnn.setdefault(w + ' ratio', []).append(got['cnn'][w]['median'] / got['peer'][w]['median'])


def sh(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, cwd=root).stdout.strip() or \
            subprocess.run(cmd, capture_output=True, text=True, cwd=root).stderr.strip()
    except OSError:
        return 'unknown'


cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
java = sh(['java', '-version']).splitlines()
lines = []
lines.append('# cnn against PyTorch and OpenBLAS, %s' % stamp)
lines.append('')
lines.append('- written by `bench/compare.py --rounds %d` (cnn / peer ratios taken within each round, then the median)' % rounds)
lines.append('- machine: %s, %d logical cores; %s' % (cpu, os.cpu_count(), platform.platform()))
lines.append('- JDK: %s' % (java[0] if java else 'unknown'))
lines.append('- commit: %s%s' % (sh(['git', 'rev-parse', '--short', 'HEAD']), ' (with uncommitted changes)' if sh(['git', 'status', '--porcelain', '--untracked-files=no']) else ''))
lines.append('- peer: PyTorch %s (channels-last, 2 threads); BLAS: %s' % (info.get('torch'), info.get('blas')))
fma = {k: v for k, v in cnn.items() if k.startswith('fma-loop')}
if fma:
    lines.append('- a pure FMA loop on one core (cnn, GFLOP/s, per round): ' + '; '.join(
        '%s %s' % (k.replace('fma-loop 1 core ', ''), ', '.join('%.1f' % x for x in v)) for k, v in fma.items()))
lines.append('- raw figures of every round: [%s](%s)' % (os.path.basename(out), os.path.basename(out)))
lines.append('')
lines.append('| workload | unit | cnn | peer | ratio (median) | ratio (range) |')
lines.append('| --- | --- | ---: | ---: | ---: | ---: |')
for w in order:
    if w not in cnn or w.startswith('fma-loop'):
        continue
    unit = units[w]
    c = statistics.median(cnn[w])
    fmt = '{:,.1f}' if unit in ('GFLOP/s', 'GB/s') else '{:,.0f}'
    if w in peer:
        ratios = cnn[w + ' ratio']
        lines.append('| %s | %s | %s | %s | %.2f | %.2f–%.2f |' % (w, unit, fmt.format(c), fmt.format(statistics.median(peer[w])),
                                                                 statistics.median(ratios), min(ratios), max(ratios)))
    else:
        lines.append('| %s | %s | %s | | | |' % (w, unit, fmt.format(c)))
text = '\n'.join(lines) + '\n'
md = os.path.join(results, stamp + '-compare.md')
open(md, 'w').write(text)
print(text)
print('wrote %s and %s' % (md, out), file=sys.stderr)
