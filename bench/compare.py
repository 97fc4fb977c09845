"""cnn against PyTorch/OpenBLAS, interleaved: the README's comparison table.

    /usr/bin/python3 bench/compare.py [--rounds 3] [--out results.jsonl]

Each round runs `./cnn bench --kernels --json` and `bench/pytorch_reference.py --json` back to back (the order
alternating from round to round, so neither side always gets the warmer machine), 5 runs of 0.4 s per workload on
each side. Per workload it prints the median over rounds of each side's median and the median of the per-round
ratios cnn / peer with their range: the machine's speed drifts by up to 2x over minutes, and only a ratio taken
within one round is comparable. Needs what bench/pytorch_reference.py needs, and a built `./cnn`.
"""
import json, os, statistics, subprocess, sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
rounds = int(sys.argv[sys.argv.index('--rounds') + 1]) if '--rounds' in sys.argv else 3
out = sys.argv[sys.argv.index('--out') + 1] if '--out' in sys.argv else None
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
    if out:
        with open(out, 'a') as f:
            f.write(json.dumps({'round': r + 1, 'cnn': got['cnn'], 'peer': got['peer']}) + '\n')
    for w in got['cnn']:
        if w in got['peer']:
            cnn.setdefault(w + ' ratio', []).append(got['cnn'][w]['median'] / got['peer'][w]['median'])

print('peer: PyTorch %s, BLAS %s; %d interleaved rounds' % (info.get('torch'), info.get('blas'), rounds))
print()
print('| workload | unit | cnn | peer | ratio (median) | ratio (range) |')
print('| --- | --- | ---: | ---: | ---: | ---: |')
for w in order:
    if w not in cnn:
        continue
    unit = units[w]
    c = statistics.median(cnn[w])
    fmt = '{:,.1f}' if unit in ('GFLOP/s', 'GB/s') else '{:,.0f}'
    if w in peer:
        ratios = cnn[w + ' ratio']
        print('| %s | %s | %s | %s | %.2f | %.2f–%.2f |' % (w, unit, fmt.format(c), fmt.format(statistics.median(peer[w])),
                                                           statistics.median(ratios), min(ratios), max(ratios)))
    else:
        print('| %s | %s | %s | | | |' % (w, unit, fmt.format(c)))
