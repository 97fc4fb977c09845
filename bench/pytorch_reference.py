"""The `cnn bench --kernels` workloads in PyTorch (channels-last, 2 threads) and OpenBLAS (GEMM), for side-by-side ratios.

Run with Debian's python3-torch, python3-numpy, libopenblas0-pthread and python3-threadpoolctl:
    /usr/bin/python3 bench/pytorch_reference.py [--json]
`bench/compare.py` runs it interleaved with `cnn bench` and prints the README's table.
Each figure is median, min and max of 5 timed runs of 0.4 s after 1 s of warm-up, like `cnn bench`.
GEMM goes through numpy to OpenBLAS. OpenBLAS 0.3.21 does not recognise this machine's CPU (Sapphire Rapids) and
falls back to its SSE3 "Prescott" kernels; the script selects its AVX-512 "SkylakeX" kernels (the fastest it has
here) unless OPENBLAS_CORETYPE is set, and prints the core OpenBLAS really uses.
"""
import os, sys, json
os.environ.pop('OPENBLAS_L2_SIZE', None)
os.environ.setdefault('OPENBLAS_CORETYPE', 'SkylakeX')
os.environ.setdefault('OPENBLAS_NUM_THREADS', '2')
import time, statistics, numpy, torch, torch.nn as nn, torch.nn.functional as F
JSON='--json' in sys.argv
torch.set_num_threads(2)
def bench(fn, work, runs=5, secs=0.4):
    end=time.time()+1.0
    while time.time()<end: fn()
    r=[]
    for _ in range(runs):
        t=time.time(); n=0
        while True:
            fn(); n+=1
            if time.time()-t>=secs: break
        r.append(work*n/(time.time()-t))
    return statistics.median(r), min(r), max(r)
def blas():
    """Which BLAS torch and numpy really call (the README's table names it)."""
    try:
        import threadpoolctl, numpy
        numpy.ones((2, 2)) @ numpy.ones((2, 2))
        return ', '.join('%s %s, core %s, %d threads (%s)' % (i.get('internal_api'), i.get('version'), i.get('architecture'),
                                                              i.get('num_threads'), i.get('filepath'))
                         for i in threadpoolctl.threadpool_info() if i.get('user_api') == 'blas') or 'none found by threadpoolctl'
    except ImportError:
        return 'unknown (python3-threadpoolctl not installed)'
def report(name, unit, r):
    """One line per workload, named as `cnn bench` names it."""
    if JSON:
        print(json.dumps({'workload': name, 'unit': unit, 'median': r[0], 'min': r[1], 'max': r[2]}), flush=True)
    else:
        print('%-28s %14.1f %14.1f %14.1f  %s' % ((name,) + tuple(r) + (unit,)), flush=True)
info = {'workload': 'peer', 'torch': torch.__version__, 'blas': blas()}
print(json.dumps(info) if JSON else 'torch %s | BLAS: %s' % (info['torch'], info['blas']), flush=True)
cl=torch.channels_last
for cin,cout,hw,name in [(8,16,28,'conv-layer'),(1,8,28,'conv-first-layer'),(32,64,14,'conv-32-64')]:
    x=torch.randn(64,cin,hw,hw).to(memory_format=cl); conv=nn.Conv2d(cin,cout,5,padding=2).to(memory_format=cl)
    fl=2*64*hw*hw*cout*25*cin/1e9
    with torch.no_grad(): report(name+' forward', 'GFLOP/s', bench(lambda: conv(x), fl))
    xg=x.clone().requires_grad_(cin>1)
    def fb():
        y=conv(xg); y.backward(torch.ones_like(y))
    report(name+' fwd+bwd', 'GFLOP/s', bench(fb, (3 if cin>1 else 2)*fl))
class Lenet(nn.Module):
    def __init__(s):
        super().__init__(); s.c1=nn.Conv2d(1,8,5,padding=2); s.c2=nn.Conv2d(8,16,5,padding=2); s.f1=nn.Linear(784,64); s.f2=nn.Linear(64,1)
    def forward(s,x):
        x=F.max_pool2d(F.relu(s.c1(x)),2); x=F.max_pool2d(F.relu(s.c2(x)),2)
        x=x.permute(0,2,3,1).reshape(x.shape[0],-1); return s.f2(F.relu(s.f1(x)))
m=Lenet().to(memory_format=cl); opt=torch.optim.Adam(m.parameters()); x=torch.rand(64,1,28,28).to(memory_format=cl); y=(torch.arange(64)%2).float().view(64,1)
def step():
    opt.zero_grad(); l=F.binary_cross_entropy_with_logits(m(x),y); l.backward(); opt.step()
report('lenet-2v5 train step', 'images/s', bench(step,64))
with torch.no_grad(): report('lenet-2v5 inference', 'images/s', bench(lambda: m(x),64))
mlp=nn.Sequential(nn.Linear(8,64),nn.ReLU(),nn.Linear(64,64),nn.ReLU(),nn.Linear(64,1)); o2=torch.optim.Adam(mlp.parameters()); hx=torch.randn(32,8); hy=torch.randn(32,1)
def hstep():
    o2.zero_grad(); l=F.mse_loss(mlp(hx),hy); l.backward(); o2.step()
report('housing-mlp train step', 'samples/s', bench(hstep,32))
for m,n,k in [(64,64,784),(64,256,3136),(1024,1024,1024)]:
    # numpy float32 products go to OpenBLAS's sgemm (the transposed operands as views: no copies)
    a=numpy.random.rand(m,k).astype(numpy.float32); b=numpy.random.rand(k,n).astype(numpy.float32); c=a@b; fl=2*m*n*k/1e9
    report('matmul %dx%dx%d'%(m,k,n), 'GFLOP/s', bench(lambda: a@b, fl))
    if m==1024: continue
    report('matmul-AtB %dx%dx%d'%(k,m,n), 'GFLOP/s', bench(lambda: a.T@c, fl))
    report('matmul-ABt %dx%dx%d'%(m,n,k), 'GFLOP/s', bench(lambda: c@b.T, fl))
