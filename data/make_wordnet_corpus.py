#!/usr/bin/env python3
"""Build labelled short-text corpora from WordNet glosses (Debian's wordnet-base).

Each output line is `LABEL<TAB>GLOSS`, the label being the synset's lexicographer
file (noun.food, verb.motion, ...). Uses the standard library only.

  make_wordnet_corpus.py wn6-1k   -o data/wn6-1k.tsv    # the bundled sample
  make_wordnet_corpus.py wn-nouns -o build/wn-nouns.tsv # all 82,115 noun glosses
  make_wordnet_corpus.py wn-verbs -o build/wn-verbs.tsv # all verb glosses

wn6-1k: 1,000 noun glosses drawn with a fixed seed, as equally as 1,000/6 allows,
from noun.food, noun.animal, noun.plant, noun.body, noun.location, noun.person
(ALGORITHMS/DATA.md). Output is deterministic for a seed.
"""
import argparse
import os
import random
import sys

WORDNET = "/usr/share/wordnet"

# lex_filenum -> lexicographer file name (man 5 lexnames).
LEXNAMES = [
    "adj.all", "adj.pert", "adv.all", "noun.Tops", "noun.act", "noun.animal",
    "noun.artifact", "noun.attribute", "noun.body", "noun.cognition",
    "noun.communication", "noun.event", "noun.feeling", "noun.food", "noun.group",
    "noun.location", "noun.motive", "noun.object", "noun.person", "noun.phenomenon",
    "noun.plant", "noun.possession", "noun.process", "noun.quantity", "noun.relation",
    "noun.shape", "noun.state", "noun.substance", "noun.time", "verb.body",
    "verb.change", "verb.cognition", "verb.communication", "verb.competition",
    "verb.consumption", "verb.contact", "verb.creation", "verb.emotion", "verb.motion",
    "verb.perception", "verb.possession", "verb.social", "verb.stative", "verb.weather",
    "adj.ppl",
]

WN6 = ["noun.food", "noun.animal", "noun.plant", "noun.body", "noun.location", "noun.person"]


def read_glosses(path):
    """Yield (label, gloss) for every synset line of a WordNet data file."""
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            if line.startswith("  "):  # licence header lines
                continue
            head, sep, gloss = line.partition(" | ")
            if not sep:
                continue
            fields = head.split()
            label = LEXNAMES[int(fields[1])]
            # Tabs and newlines would break the one-document-per-line format.
            gloss = " ".join(gloss.split())
            yield label, gloss


def wn6_sample(seed, total=1000):
    by_label = {label: [] for label in WN6}
    for label, gloss in read_glosses(os.path.join(WORDNET, "data.noun")):
        if label in by_label:
            by_label[label].append(gloss)
    rng = random.Random(seed)
    for label in WN6:
        rng.shuffle(by_label[label])
    # Round robin over the labels: counts differ by at most one.
    picked = []
    i = 0
    while len(picked) < total:
        label = WN6[i % len(WN6)]
        picked.append((label, by_label[label][i // len(WN6)]))
        i += 1
    rng.shuffle(picked)
    return picked


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("corpus", choices=["wn6-1k", "wn-nouns", "wn-verbs"])
    ap.add_argument("-o", "--output", required=True)
    ap.add_argument("--seed", type=int, default=20161)
    args = ap.parse_args()
    if not os.path.isdir(WORDNET):
        sys.exit("make_wordnet_corpus: %s is missing; apt-get install wordnet-base" % WORDNET)
    if args.corpus == "wn6-1k":
        rows = wn6_sample(args.seed)
    elif args.corpus == "wn-nouns":
        rows = list(read_glosses(os.path.join(WORDNET, "data.noun")))
    else:
        rows = list(read_glosses(os.path.join(WORDNET, "data.verb")))
    tmp = args.output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        for label, gloss in rows:
            f.write("%s\t%s\n" % (label, gloss))
    os.replace(tmp, args.output)
    print("wrote %d documents to %s" % (len(rows), args.output), file=sys.stderr)


if __name__ == "__main__":
    main()
