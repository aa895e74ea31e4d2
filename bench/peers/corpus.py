"""Shared loading for the peer scripts: a labelled corpus as SOSO prepares it.

The vocabulary can come from a SOSO export (vocab.txt) so that peers and SOSO see the
same columns; words are runs of ASCII letters, lowercased, which is SOSO's tokenizer on
the ASCII text of WordNet glosses (DATA.md's preprocessing).
"""
import re

import numpy as np
import scipy.sparse as sp

TOKEN = re.compile(r"[a-z]+")


def read_corpus(path):
    """(labels, texts) of a corpus file: one document a line, 'label<TAB>' optional."""
    labels, texts = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n").rstrip("\r")
            label, sep, text = line.partition("\t")
            if not sep:
                label, text = None, line
            labels.append(label)
            texts.append(text)
    return labels, texts


def binary_l2(texts, vocab, min_len=2):
    """Binary bag-of-words over vocab (list of words), rows scaled to unit L2 norm (CSR)."""
    index = {w: i for i, w in enumerate(vocab)}
    indptr, indices = [0], []
    for t in texts:
        cols = sorted({index[w] for w in TOKEN.findall(t.lower()) if len(w) >= min_len and w in index})
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float64)
    X = sp.csr_matrix((data, np.array(indices, dtype=np.int64), np.array(indptr)), shape=(len(texts), len(vocab)))
    norms = np.sqrt(np.asarray(X.multiply(X).sum(axis=1)).ravel())
    norms[norms == 0] = 1
    return sp.diags(1 / norms) @ X


def load_npy_vocab(npy, vocab_txt):
    W = np.load(npy)
    vocab = open(vocab_txt, encoding="utf-8").read().split("\n")[:-1]
    assert W.shape[1] == len(vocab), "weights and vocabulary disagree"
    return W, vocab
