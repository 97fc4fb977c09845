"""The reference tasks trained with their defaults, the figures the README's results table quotes.

    python3 bench/tasks.py [--data DIR] [--tasks digits,housing,images] [--seeds 1,2,3] [--results DIR]

Runs `./cnn train TASK --seed S --json --quiet` for each task and seed into a temporary directory (images on
DATA/mnist-2-5-jpg) and writes DIR/<date>-tasks.md and .json (default DIR: bench/results): the machine (CPU
model, cores, JDK, commit), and per task and seed the test (or validation) metrics, the training time and the
whole process's time. `mnist` is allowed in --tasks but takes minutes.
"""
import datetime, json, os, platform, statistics, subprocess, sys, tempfile, time

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)


def arg(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


data = arg('--data', os.path.join(root, '..', 'shared', 'datasets'))
tasks = arg('--tasks', 'digits,housing,images').split(',')
seeds = [int(s) for s in arg('--seeds', '1,2,3').split(',')]
results = arg('--results', os.path.join(here, 'results'))
stamp = datetime.datetime.now(datetime.timezone.utc).strftime('%Y-%m-%dT%H%MZ')
os.makedirs(results, exist_ok=True)


def sh(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
    return (p.stdout.strip() or p.stderr.strip())


runs = []
with tempfile.TemporaryDirectory() as tmp:
    for task in tasks:
        for seed in seeds:
            cmd = [os.path.join(root, 'cnn'), 'train', task]
            if task == 'images':
                cmd.append(os.path.join(data, 'mnist-2-5-jpg'))
            else:
                cmd += ['--data', data]
            out = os.path.join(tmp, '%s-%d' % (task, seed), 'model.cnn')
            cmd += ['--seed', str(seed), '--out', out, '--quiet', '--json']
            t0 = time.time()
            p = subprocess.run(cmd, capture_output=True, text=True, cwd=root)
            wall = time.time() - t0
            if p.returncode != 0:
                sys.exit('%s failed (exit %d): %s' % (' '.join(cmd), p.returncode, p.stderr.strip()))
            m = json.load(open(os.path.join(os.path.dirname(out), 'metrics.json')))
            runs.append({'task': task, 'seed': seed, 'test': m['test'], 'trainSeconds': m['trainSeconds'],
                         'processSeconds': wall, 'epochs': m.get('epochs', m.get('settings', {}).get('epochs'))})
            print('%s seed %d: %.1f s' % (task, seed, wall), file=sys.stderr, flush=True)

cpu = next((l.split(':', 1)[1].strip() for l in open('/proc/cpuinfo') if l.startswith('model name')), platform.processor())
java = sh(['java', '-version']).splitlines()
commit = sh(['git', 'rev-parse', '--short', 'HEAD'])
dirty = bool(sh(['git', 'status', '--porcelain', '--untracked-files=no']))
meta = {'date': stamp, 'cpu': cpu, 'cores': os.cpu_count(), 'jdk': java[0] if java else None, 'commit': commit,
        'uncommittedChanges': dirty, 'data': os.path.abspath(data)}
json.dump({'machine': meta, 'runs': runs}, open(os.path.join(results, stamp + '-tasks.json'), 'w'), indent=1)


def result(r):
    t = r['test']
    if 'rmse' in t:
        unit = '$' if t.get('unit') == 'dollars' else ''
        return 'RMSE %s%s, MAE %s%s on %d samples (%s)' % (unit, '{:,.0f}'.format(t['rmse']), unit,
                                                           '{:,.0f}'.format(t['mae']), t['samples'], t['scope'])
    return '%.2f %% accuracy, %d of %d wrong (%s)' % (100 * t['accuracy'], t['errors'], t['samples'], t['scope'])


lines = ['# The reference tasks with their defaults, %s' % stamp, '',
         '- written by `bench/tasks.py --tasks %s --seeds %s`' % (','.join(tasks), ','.join(map(str, seeds))),
         '- machine: %s, %d logical cores; %s' % (cpu, os.cpu_count(), platform.platform()),
         '- JDK: %s' % meta['jdk'], '- commit: %s%s' % (commit, ' (with uncommitted changes)' if dirty else ''),
         '- raw figures: [%s](%s)' % (stamp + '-tasks.json', stamp + '-tasks.json'), '',
         '| task | seed | result | training s | process s |', '| --- | ---: | --- | ---: | ---: |']
for r in runs:
    lines.append('| %s | %d | %s | %.1f | %.1f |' % (r['task'], r['seed'], result(r), r['trainSeconds'], r['processSeconds']))
lines += ['', '| task | training s (median, min–max over seeds) |', '| --- | --- |']
for task in tasks:
    ts = [r['trainSeconds'] for r in runs if r['task'] == task]
    lines.append('| %s | %.1f (%.1f–%.1f) |' % (task, statistics.median(ts), min(ts), max(ts)))
text = '\n'.join(lines) + '\n'
open(os.path.join(results, stamp + '-tasks.md'), 'w').write(text)
print(text)
