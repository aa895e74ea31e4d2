"""The peers' scoring of a codebook (DATA.md): cluster = argmax of X Wn^T with the rows
of W normalised; NMI, ARI and purity against labels; NPMI coherence of each unit's
top-10 words; mean |cos| between units; dead units."""
import itertools

import numpy as np
from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score


def clusters(X, W):
    Wn = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-30)
    S = np.asarray(X @ Wn.T)
    return np.argmax(S, axis=1)


def purity(labels, assign):
    total = 0
    for c in np.unique(assign):
        _, counts = np.unique(labels[assign == c], return_counts=True)
        total += counts.max()
    return total / len(labels)


def npmi_coherence(X, W, top=10):
    """Mean NPMI over the pairs of each unit's top words (document co-occurrence)."""
    B = (X != 0).astype(np.float64).tocsc()
    n = B.shape[0]
    df = np.asarray(B.sum(axis=0)).ravel()
    scores = []
    for row in W:
        words = np.argsort(-row, kind="stable")[:top]
        for a, b in itertools.combinations(words, 2):
            pa, pb = df[a] / n, df[b] / n
            pab = B[:, a].multiply(B[:, b]).sum() / n
            if pab == 0:
                scores.append(-1.0)
            elif pab == 1:
                scores.append(1.0)
            else:
                scores.append(np.log(pab / (pa * pb)) / -np.log(pab))
    return float(np.mean(scores))


def mean_abs_cos(W):
    Wn = W / np.maximum(np.linalg.norm(W, axis=1, keepdims=True), 1e-30)
    C = np.abs(Wn @ Wn.T)
    H = W.shape[0]
    return float((C.sum() - np.trace(C)) / (H * (H - 1))) if H > 1 else 0.0


def score(X, W, labels):
    labels = np.asarray(labels)
    assign = clusters(X, W)
    return {
        "nmi": normalized_mutual_info_score(labels, assign, average_method="arithmetic"),
        "ari": adjusted_rand_score(labels, assign),
        "purity": purity(labels, assign),
        "npmi": npmi_coherence(X, W),
        "mean_abs_cos": mean_abs_cos(W),
        "dead": int(W.shape[0] - len(np.unique(assign))),
    }
