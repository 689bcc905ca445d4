"""The VSE++ training step in PyTorch on the CPU, timed as the anchor for `npm run bench -- train`.

Same step as the engine: embedding -> GRU -> last state, linear 2048 -> embed, L2 norms,
max-violation loss, grad-norm clip 2.0, Adam. Prints one JSON line per config.
"""
import json
import sys
import time

import torch
import torch.nn as nn

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 2)


def l2norm(x):
    return x / x.pow(2).sum(dim=1, keepdim=True).sqrt()


class Model(nn.Module):
    def __init__(self, vocab, word_dim, embed, img_dim):
        super().__init__()
        self.embed = nn.Embedding(vocab, word_dim)
        self.gru = nn.GRU(word_dim, embed, 1, batch_first=True)
        self.fc = nn.Linear(img_dim, embed)

    def forward(self, ims, caps):
        im = l2norm(self.fc(l2norm(ims)))
        out, _ = self.gru(self.embed(caps))
        s = l2norm(out[:, -1, :])
        return im, s


def loss_fn(im, s, margin=0.2):
    scores = im @ s.t()
    d = scores.diag().view(-1, 1)
    cost_s = (margin + scores - d).clamp(min=0)
    cost_im = (margin + scores - d.t()).clamp(min=0)
    mask = torch.eye(scores.size(0)) > 0.5
    cost_s = cost_s.masked_fill(mask, 0)
    cost_im = cost_im.masked_fill(mask, 0)
    return cost_s.max(1)[0].sum() + cost_im.max(0)[0].sum()


def bench(name, vocab, word_dim, embed, img_dim, batch, tokens, steps):
    torch.manual_seed(0)
    m = Model(vocab, word_dim, embed, img_dim)
    opt = torch.optim.Adam(m.parameters(), lr=2e-4)
    ims = torch.randn(batch, img_dim)
    caps = torch.randint(4, vocab, (batch, tokens))
    times = []
    for i in range(steps + 1):
        t = time.perf_counter()
        opt.zero_grad()
        loss = loss_fn(*m(ims, caps))
        loss.backward()
        nn.utils.clip_grad_norm_(m.parameters(), 2.0)
        opt.step()
        if i > 0:  # the first step warms up allocators
            times.append(time.perf_counter() - t)
    times.sort()
    print(json.dumps({"config": name, "seconds": times[len(times) // 2], "threads": torch.get_num_threads()}))


if __name__ == "__main__":
    steps = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    bench("paper", 5000, 300, 1024, 2048, 128, 12, steps)
    bench("small", 5000, 300, 256, 2048, 128, 12, steps)
