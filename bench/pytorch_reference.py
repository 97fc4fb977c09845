"""The `cnn bench --kernels` workloads in PyTorch (channels-last, 2 threads), for side-by-side ratios.

Run with Debian's python3-torch:  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 bench/pytorch_reference.py
Each figure is median, min and max of 5 timed runs of 0.4 s after 1 s of warm-up, like `cnn bench`.
"""
import time, statistics, torch, torch.nn as nn, torch.nn.functional as F
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
cl=torch.channels_last
for cin,cout,name in [(8,16,'conv-layer'),(1,8,'conv-first-layer')]:
    x=torch.randn(64,cin,28,28).to(memory_format=cl); conv=nn.Conv2d(cin,cout,5,padding=2).to(memory_format=cl)
    fl=2*64*28*28*cout*25*cin/1e9
    with torch.no_grad(): print(name,'forward', 'GFLOP/s %.1f %.1f %.1f'%bench(lambda: conv(x), fl))
    xg=x.clone().requires_grad_(cin>1)
    def fb():
        y=conv(xg); y.backward(torch.ones_like(y))
    print(name,'fwd+bwd','GFLOP/s %.1f %.1f %.1f'%bench(fb, 3*fl))
class Lenet(nn.Module):
    def __init__(s):
        super().__init__(); s.c1=nn.Conv2d(1,8,5,padding=2); s.c2=nn.Conv2d(8,16,5,padding=2); s.f1=nn.Linear(784,64); s.f2=nn.Linear(64,1)
    def forward(s,x):
        x=F.max_pool2d(F.relu(s.c1(x)),2); x=F.max_pool2d(F.relu(s.c2(x)),2)
        x=x.permute(0,2,3,1).reshape(x.shape[0],-1); return s.f2(F.relu(s.f1(x)))
m=Lenet().to(memory_format=cl); opt=torch.optim.Adam(m.parameters()); x=torch.rand(64,1,28,28).to(memory_format=cl); y=(torch.arange(64)%2).float().view(64,1)
def step():
    opt.zero_grad(); l=F.binary_cross_entropy_with_logits(m(x),y); l.backward(); opt.step()
print('lenet-2v5 train step images/s %.0f %.0f %.0f'%bench(step,64))
with torch.no_grad(): print('lenet-2v5 inference images/s %.0f %.0f %.0f'%bench(lambda: m(x),64))
mlp=nn.Sequential(nn.Linear(8,64),nn.ReLU(),nn.Linear(64,64),nn.ReLU(),nn.Linear(64,1)); o2=torch.optim.Adam(mlp.parameters()); hx=torch.randn(32,8); hy=torch.randn(32,1)
def hstep():
    o2.zero_grad(); l=F.mse_loss(mlp(hx),hy); l.backward(); o2.step()
print('housing-mlp train step samples/s %.0f %.0f %.0f'%bench(hstep,32))
a=torch.rand(1024,1024); b=torch.rand(1024,1024)
print('matmul 1024 GFLOP/s %.1f %.1f %.1f'%bench(lambda: a@b, 2*1024**3/1e9))
