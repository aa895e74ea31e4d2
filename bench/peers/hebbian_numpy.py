"""The competing-hidden-units rule in numpy (ALGORITHMS.md section 1), as a peer.

Two versions of the same rule:
- dense: as in the reference notebook (DimaKrotov/Biological_Learning), every batch a
  dense V x B matrix;
- sparse: the batch stays a scipy CSR matrix; scores and the Hebbian term are sparse
  products, the decay term is dense over the H x V weights.
Same reference defaults and batch rule as SOSO (the last, smaller batch of an epoch is
used, so every document counts every epoch).
"""
import time

import numpy as np
import scipy.sparse as sp


def _g_matrix(I, k, delta):
    H, B = I.shape
    order = np.argsort(-I, axis=0, kind="stable")
    g = np.zeros_like(I)
    cols = np.arange(B)
    g[order[0], cols] = 1.0
    if k >= 2:
        g[order[k - 1], cols] = -delta
    return g


def train(X, units, epochs=200, batch=100, p=2.0, k=2, delta=0.4, eps0=0.02, prec=1e-30, seed=1,
          dense=True, dtype=np.float32, time_epochs=None):
    """X: CSR documents (rows). Returns W (units x V). time_epochs: list to receive seconds
    per epoch."""
    rng = np.random.default_rng(seed)
    N, V = X.shape
    W = rng.normal(size=(units, V)).astype(dtype)
    X = X.astype(dtype).tocsr()
    Xd = X.toarray() if dense else None
    for epoch in range(epochs):
        t0 = time.perf_counter()
        eps = eps0 * (1 - epoch / epochs)
        perm = rng.permutation(N)
        for start in range(0, N, batch):
            rows = perm[start:start + batch]
            Wp = W if p == 2 else np.sign(W) * np.abs(W) ** (p - 1)
            if dense:
                inputs = Xd[rows].T                      # V x B
                I = Wp @ inputs
                g = _g_matrix(I, k, delta)
                xx = np.sum(g * I, axis=1)
                ds = g @ inputs.T - xx[:, None] * W
            else:
                Xb = X[rows]                             # B x V sparse
                I = np.asarray((Xb @ Wp.T).T)            # H x B
                g = _g_matrix(I, k, delta)
                xx = np.sum(g * I, axis=1)
                ds = (sp.csr_matrix(g) @ Xb).toarray() - xx[:, None] * W
            nc = max(np.max(np.abs(ds)), prec)
            W += (eps / nc) * ds
        if time_epochs is not None:
            time_epochs.append(time.perf_counter() - t0)
    return W
