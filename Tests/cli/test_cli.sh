#!/bin/bash
# test_cli.sh SOSO - the `soso` command end to end: every subcommand on the bundled
# corpus, and bad input: one readable line on stderr, a non-zero exit, no partial file,
# and an existing model left intact.
set -u
SOSO=$1
top=$(cd "$(dirname "$0")/../.." && pwd)
corpus="$top/data/wn6-1k.tsv"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

ok() { passed=$((passed + 1)); }
bad() { echo "FAIL: $*"; failed=$((failed + 1)); }

# run NAME WANT_RC CMD... : runs CMD, keeps stdout/stderr in $tmp/out and $tmp/err.
# WANT_RC 0: success; 1: any failure; another status (64: a bad option): exactly it.
run() {
    local name=$1 want=$2
    shift 2
    "$@" >"$tmp/out" 2>"$tmp/err"
    local rc=$?
    if [ "$want" = 0 ] && [ $rc -ne 0 ]; then bad "$name: exit $rc: $(cat "$tmp/err")"; return 1; fi
    if [ "$want" != 0 ] && [ $rc -eq 0 ]; then bad "$name: expected failure, got success"; return 1; fi
    if [ "$want" != 0 ] && [ "$want" != 1 ] && [ $rc -ne "$want" ]; then bad "$name: exit $rc, want $want"; return 1; fi
    if [ "$want" != 0 ]; then
        local lines
        lines=$(wc -l <"$tmp/err")
        if [ "$lines" -ne 1 ] || ! grep -q '^soso: ' "$tmp/err"; then
            bad "$name: want one 'soso: ...' line on stderr, got: $(cat "$tmp/err")"
            return 1
        fi
        if [ -n "${3:-}" ] && false; then :; fi
    fi
    ok
    return 0
}

expect_err() { grep -q -- "$1" "$tmp/err" && ok || bad "stderr lacks '$1': $(cat "$tmp/err")"; }
expect_out() { grep -q -- "$1" "$tmp/out" && ok || bad "stdout lacks '$1'"; }
no_file() { [ ! -e "$1" ] && [ -z "$(ls "$(dirname "$1")" | grep -F "$(basename "$1").tmp" || true)" ] && ok || bad "partial file left: $1"; }
json_ok() { python3 -m json.tool <"$1" >/dev/null 2>&1 && ok || bad "not valid JSON: $1"; }

# ---- help and version ----
run "help" 0 "$SOSO" --help && expect_out "SUBCOMMANDS" && expect_out "train" && expect_out "export"
run "train help" 0 "$SOSO" train --help && expect_out "--units" && expect_out "--min-df"
run "help on a subcommand" 0 "$SOSO" help memory build && expect_out "--add"
run "help on no command" 64 "$SOSO" help nope && expect_err "no command 'soso nope'" && expect_err "train, topics"
run "help on no subcommand" 64 "$SOSO" help memory nope && expect_err "build, recall, eval"
run "help below a leaf" 64 "$SOSO" help train nope && expect_err "'soso train' has no subcommands"
run "max-vocab 0" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --max-vocab 0 && expect_err "max-vocab must be at least 1"
run "help on help" 0 "$SOSO" help help && expect_out "USAGE"
run "version" 0 "$SOSO" --version && expect_out "^0\."

# ---- the happy path ----
model="$tmp/model.soso"
run "train" 0 "$SOSO" train "$corpus" -o "$model" --method hebbian --units 6 --epochs 30 --threads 2
expect_err "trained 6 units on 1000 documents"
grep -q "epoch" "$tmp/err" && bad "progress line printed while stderr is not a terminal" || ok
# On a terminal the progress line names the threads training used: by default at most 2
# for a hebbian model, even where OpenMP offers 4; --threads 3 gives 3 (128 units: work
# enough for 3). The first report is drawn at once and falls in the team tuner's first
# turn, which runs the whole team; later ones may show a smaller team (the tuner's
# choice), so the largest shown is checked. `script` gives the command a terminal.
threads_shown() {
    OMP_NUM_THREADS=4 script -qec "'$SOSO' train '$corpus' -o '$tmp/t.soso' --method hebbian --units 128 --epochs 3 $*" \
        /dev/null </dev/null | tr '\r' '\n' | grep -o "([0-9]* threads\{0,1\})" | tr -dc '0-9\n' | sort -n | tail -1
}
if "$SOSO" info "$model" | grep -q "; openmp [0-9]"; then  # a serial build (SOSO_NO_OPENMP) shows 1
    [ "$(threads_shown)" = "2" ] && ok || bad "hebbian's default threads: $(threads_shown)"
    [ "$(threads_shown --threads 3)" = "3" ] && ok || bad "hebbian --threads 3: $(threads_shown --threads 3)"
fi
# On a terminal the steps before training that take a while on a large corpus are named
# (osc by default: the expansion, then LSA); not with --quiet, nor without a terminal.
phases() { script -qec "'$SOSO' train '$corpus' -o '$tmp/ph.soso' --units 6 --epochs 1 $*" /dev/null </dev/null | tr -d '\r'; }
phases | grep -q "^expanding 1000 documents with their words' 100 strongest" && phases | grep -q "^starting 6 units.*(LSA)$" &&
    ok || bad "the steps before training on a terminal: $(phases | head -3)"
[ -z "$(phases --quiet)" ] && ok || bad "--quiet on a terminal still wrote: $(phases --quiet | head -2)"
run "osc train, no terminal" 0 "$SOSO" train "$corpus" -o "$tmp/ph.soso" --units 6 --epochs 1
grep -q "expanding\|(LSA)" "$tmp/err" && bad "steps named while stderr is not a terminal" || ok
script -qec "'$SOSO' update '$tmp/ph.soso' '$corpus' -o '$tmp/ph2.soso'" /dev/null </dev/null | tr -d '\r' |
    grep -q "^expanding 1000 documents" && ok || bad "soso update did not name its expansion on a terminal"
# Training that blows up (soft's eta 2 with an orthogonality penalty of 1 on six two-word
# documents) says so and fails, writing no model and keeping an old one; before, it wrote
# a model of NaNs that no command could load.
printf 'apple banana\nbanana cherry\ncherry grape\ngrape lemon\nlemon mango\nmango apple\n' >"$tmp/six.tsv"
run "diverged" 1 "$SOSO" train "$tmp/six.tsv" -o "$tmp/six.soso" --method soft --units 3 --gate 2 --min-df 1 \
    --eta 2 --ortho-penalty 1 --quiet && expect_err "training diverged" && no_file "$tmp/six.soso"
cp "$model" "$tmp/keep.soso"
run "diverged keeps the old model" 1 "$SOSO" train "$tmp/six.tsv" -o "$tmp/keep.soso" --method soft --units 3 --gate 2 \
    --min-df 1 --eta 2 --ortho-penalty 1 --quiet && cmp -s "$model" "$tmp/keep.soso" && ok || bad "the old model changed"
# Weights that grew huge but finite (hebbian, eps0 1e30) are a divergence too: the model
# was written and eval / health then refused it.
head -50 "$corpus" >"$tmp/d50.tsv"
run "diverged, finite" 1 "$SOSO" train "$tmp/d50.tsv" -o "$tmp/big.soso" --units 6 --method hebbian --eps0 1e30 --quiet &&
    expect_err "training diverged" && no_file "$tmp/big.soso"
# A corpus none of whose words the model knows: measures of it say nothing (eval printed
# NPMI -1 and every unit dead, health "healthy", rank nothing, each with exit 0).
printf '%s\n' '日本語のテキスト' 'もう一つの行' >"$tmp/unknown.tsv"
for cmd in eval health reconstruct; do
    run "$cmd of unknown words" 1 "$SOSO" $cmd "$model" "$tmp/unknown.tsv" && expect_err "contains a word of the model's vocabulary"
done
run "rank of unknown words" 1 "$SOSO" rank "$model" "$tmp/unknown.tsv" blood && expect_err "contains a word"
run "rank --stream of unknown words" 1 "$SOSO" rank "$model" "$tmp/unknown.tsv" blood --stream && expect_err "contains a word"
# Failures that trapped (a Swift crash, status 132): a full stdout, a NaN perplexity, units
# beyond any count.
if [ -w /dev/full ]; then
    "$SOSO" topics "$model" >/dev/full 2>"$tmp/err"; rc=$?
    [ $rc -eq 1 ] && ok || bad "topics to a full stdout: exit $rc"
    expect_err "cannot write to standard output"
fi
run "map nan perplexity" 64 "$SOSO" map "$model" "$corpus" -o "$tmp/m.svg" --perplexity nan && expect_err "perplexity"
run "huge units" 64 "$SOSO" train "$corpus" -o "$tmp/h.soso" --units 1000000000000000000 && expect_err "units"
# Defaults that follow --units: soft's gate (4) and hebbian's k (2) with fewer units
# failed as if the user had passed them ("--gate must be between 1 and --units (3), got 4").
run "soft, 3 units, default gate" 0 "$SOSO" train "$tmp/d50.tsv" -o "$tmp/g3.soso" --method soft --units 3 --quiet
run "hebbian, 1 unit, default k" 0 "$SOSO" train "$tmp/d50.tsv" -o "$tmp/k1.soso" --method hebbian --units 1 --epochs 2 --quiet
run "soft, gate above units" 64 "$SOSO" train "$tmp/d50.tsv" -o "$tmp/g3.soso" --method soft --units 3 --gate 5 &&
    expect_err "got 5"
# Messages that name the cause: a corpus of stop words or of another script has no word
# (min_df was blamed), a NaN threshold, one path for both export outputs.
printf 'the and of\nto in a\n' >"$tmp/stop.tsv"
run "stop words only" 1 "$SOSO" train "$tmp/stop.tsv" -o "$tmp/s.soso" && expect_err "no word but stop words"
run "encode nan threshold" 64 "$SOSO" encode "$model" "$corpus" --threshold nan && expect_err "threshold"
run "export one path" 64 "$SOSO" export "$model" --npy "$tmp/e.npy" --vocab "$tmp/./e.npy" && expect_err "same file"
# A map of about 100 labels (60, half of them also with a long suffix): the legend ran
# off the 700 px canvas beyond ~35, and its 20 colours repeated; long names are cut.
awk -F'\t' 'NR <= 300 { printf "label%d%s\t%s\n", NR % 60, (NR % 7 ? "" : "-with-a-rather-long-name"), $2 }' "$corpus" >"$tmp/many.tsv"
run "map of many labels" 0 "$SOSO" map "$model" "$tmp/many.tsv" -o "$tmp/many.svg" &&
    python3 - "$tmp/many.svg" <<'PY' && ok || bad "the map's legend does not fit its canvas"
import sys, xml.etree.ElementTree as E
root = E.parse(sys.argv[1]).getroot()
ys = [float(t.get("y")) for t in root.iter("{http://www.w3.org/2000/svg}text") if t.get("y")]
assert max(ys) < float(root.get("height")), (max(ys), root.get("height"))
fills = [r.get("fill") for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("width") == "12"]
assert len(fills) > 60 and len(set(fills)) == len(fills), fills  # the palette's 20 repeated before
PY
# A report of 20 documents: the map's perplexity follows the corpus (it was fixed at 30).
head -20 "$corpus" >"$tmp/d20.tsv"
run "report of 20 documents" 0 "$SOSO" report "$model" "$tmp/d20.tsv" -o "$tmp/r20.html"
run "train quiet" 0 "$SOSO" train "$corpus" -o "$tmp/q.soso" --method hebbian --units 6 --epochs 2 --quiet
[ ! -s "$tmp/err" ] && ok || bad "--quiet still wrote to stderr"
run "topics" 0 "$SOSO" topics "$model" --top 5
[ "$(wc -l <"$tmp/out")" -eq 6 ] && ok || bad "topics: want 6 lines"
run "topics json" 0 "$SOSO" topics "$model" --json && json_ok "$tmp/out"
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d)==6 and len(d[0]["words"])==10' "$tmp/out" && ok || bad "topics json shape"
run "info" 0 "$SOSO" info "$model" && expect_out "trained     30 of 30 epochs"
# OpenBLAS on generic kernels is said, not left to be found in the timings: forced to
# its Prescott (SSE) kernels on a CPU with AVX2, info and train warn; on Haswell's, not.
if grep -qw avx2 /proc/cpuinfo 2>/dev/null; then
    OPENBLAS_CORETYPE=Prescott run "info, generic BLAS" 0 "$SOSO" info "$model" &&
        expect_out "warning: OpenBLAS runs its Prescott kernels on a CPU with AVX2"
    OPENBLAS_CORETYPE=Prescott run "train, generic BLAS" 0 "$SOSO" train "$corpus" -o "$tmp/pb.soso" --method hebbian \
        --units 6 --epochs 2 && expect_err "set OPENBLAS_CORETYPE"
    OPENBLAS_CORETYPE=Haswell run "info, AVX2 BLAS" 0 "$SOSO" info "$model" &&
        { grep -q "warning: OpenBLAS" "$tmp/out" && bad "warned on Haswell kernels" || ok; }
fi
# On a CPU with AVX-512, AVX2 kernels get a note (in info only), AVX-512 ones none.
if grep -w avx512f /proc/cpuinfo 2>/dev/null | grep -w avx512bw | grep -w avx512dq | grep -qw avx512vl; then
    OPENBLAS_CORETYPE=Haswell run "info, AVX2 BLAS on AVX-512" 0 "$SOSO" info "$model" &&
        expect_out "note: OpenBLAS runs its Haswell kernels (set by OPENBLAS_CORETYPE=Haswell) on a CPU with AVX-512"
    OPENBLAS_CORETYPE=SkylakeX run "info, AVX-512 BLAS" 0 "$SOSO" info "$model" &&
        { grep -q "note: OpenBLAS" "$tmp/out" && bad "noted AVX-512 kernels" || ok; }
fi
run "encode" 0 "$SOSO" encode "$model" "$corpus" --top-k 2
[ "$(wc -l <"$tmp/out")" -eq 1000 ] && ok || bad "encode: want 1000 lines"
awk -F'\t' '$1 == 1 && ($2 ~ /^[0-5]$/) && split($3, a, " ") == 2 {found=1} END {exit !found}' "$tmp/out" && ok || bad "encode: line format"
run "encode json" 0 "$SOSO" encode "$model" "$corpus" --json --threshold 0
python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 1000 and rows[0]["line"] == 1 and rows[0]["label"]
assert all(c["value"] > 0 for r in rows for c in r["codes"])
' "$tmp/out" && ok || bad "encode json content"
printf 'apple tree fruit\n\nzzzz qqqq\n' >"$tmp/small.txt"
run "encode stdin" 0 "$SOSO" encode "$model" - <"$tmp/small.txt"
[ "$(sed -n 2p "$tmp/out" | cut -f2)" = "-" ] && ok || bad "encode: an empty document has no cluster"

run "export" 0 "$SOSO" export "$model" --npy "$tmp/W.npy" --vocab "$tmp/vocab.txt"
python3 - "$tmp/W.npy" "$tmp/vocab.txt" <<'EOF' && ok || bad "export: npy/vocab content"
import ast, struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:6] == b"\x93NUMPY" and data[6:8] == b"\x01\x00"
hlen = struct.unpack("<H", data[8:10])[0]
header = ast.literal_eval(data[10:10 + hlen].decode("latin1"))
assert (10 + hlen) % 64 == 0
assert header["descr"] == "<f4" and header["fortran_order"] is False
rows, cols = header["shape"]
words = open(sys.argv[2]).read().split("\n")[:-1]
assert rows == 6 and cols == len(words) and len(data) == 10 + hlen + 4 * rows * cols
assert words == sorted(words)
EOF

# ---- osc ----
osc="$tmp/osc.soso"
run "train osc" 0 "$SOSO" train "$corpus" -o "$osc" --method osc --units 12 --sparsity 3 --epochs 2
run "info osc" 0 "$SOSO" info "$osc" && expect_out "learner     osc  sparsity=3" && expect_out "overlap     mean |cos| 0.0000"
run "topics osc" 0 "$SOSO" topics "$osc" --top 4
[ "$(grep -c "contrary:" "$tmp/out")" -ge 10 ] && ok || bad "osc topics lack contrary words"
# Three disjoint planted topics: each unit's negative weights are rounding (~1e-16), not
# contrary words; the text leaves them out (under 2% of the unit's strongest), --json not.
python3 -c '
import random
random.seed(3)
G = [["apple", "pear", "plum", "cherry", "peach"], ["oak", "pine", "elm", "birch", "maple"], ["trout", "cod", "tuna", "salmon", "perch"]]
for i in range(300): print(" ".join(random.sample(G[i % 3], 3)))' >"$tmp/planted3.txt"
run "train planted" 0 "$SOSO" train "$tmp/planted3.txt" -o "$tmp/pl.soso" --units 3 --expand 0 --quiet
run "topics planted" 0 "$SOSO" topics "$tmp/pl.soso" --top 5 && { grep -q "contrary:" "$tmp/out" && bad "rounding shown as contrary words: $(cat "$tmp/out")" || ok; }
run "topics planted json" 0 "$SOSO" topics "$tmp/pl.soso" --top 5 --json && expect_out '"contrary":\[{'
run "topics osc json" 0 "$SOSO" topics "$osc" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert all("contrary" in u for u in d) and all(w["weight"] < 0 for u in d for w in u["contrary"])' "$tmp/out" && ok || bad "osc topics json"
run "encode osc" 0 "$SOSO" encode "$osc" "$corpus"
awk -F'\t' '$2 != "-" && split($3, a, " ") != 3 {bad=1} END {exit bad}' "$tmp/out" && ok || bad "osc encode keeps --sparsity codes"
run "reconstruct" 0 "$SOSO" reconstruct "$osc" "$corpus" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["k"] == 3 and 0 < d["relativeError"] < 1 and d["documents"] == 1000' "$tmp/out" && ok || bad "reconstruct json"
run "reconstruct all codes" 0 "$SOSO" reconstruct "$osc" "$corpus" --top-k 12 && expect_out "12 of 12 codes kept"
run "osc sparsity 0" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method osc --units 4 --sparsity 0 && expect_err "sparsity"
run "osc sparsity > units" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method osc --units 4 --sparsity 5 && expect_err "sparsity"
run "osc units > vocabulary" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method osc --units 5000 &&
    expect_err "^soso: --units 5000 is more than the [0-9]* words of the vocabulary, and osc's atoms are orthonormal: lower --units, or lower --min-df$"
run "units > vocabulary, the options that cut words" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method osc --units 500 --min-df 1 --max-vocab 100 &&
    expect_err "the 100 words of the vocabulary, and osc's atoms are orthonormal: lower --units, or raise --max-vocab$"
run "orthogonalize units > vocabulary" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method hebbian --units 5000 --orthogonalize 5 &&
    expect_err "--orthogonalize keeps the units orthonormal"
run "soft lsa units > vocabulary" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method soft --units 5000 --init lsa &&
    expect_err "--init lsa starts from orthonormal units"
# A stop-word file, one word a line (blank lines and CRLF endings read as nothing).
printf 'blood\r\n\nbone\t3\n' > "$tmp/stops.txt" # a TAB is no label here: both sides are stop words
run "stop-word file" 0 "$SOSO" train "$corpus" -o "$tmp/sw.soso" --units 4 --epochs 1 --quiet --stop-words "$tmp/stops.txt" &&
    run "stop-word file vocabulary" 0 "$SOSO" export "$tmp/sw.soso" --vocab - &&
    { ! grep -qx -e blood -e bone "$tmp/out" && grep -qx vein "$tmp/out" && ok || bad "stop words still in the vocabulary"; }
run "stop-word file missing" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --stop-words "$tmp/nope.txt" &&
    expect_err "the stop-word file: cannot open $tmp/nope.txt: No such file or directory" && no_file "$tmp/e.soso"
run "stop-word file a directory" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --stop-words "$tmp" && expect_err "the stop-word file: .*directory"
no_file "$tmp/e.soso"
run "hebbian orthogonalize" 0 "$SOSO" train "$corpus" -o "$tmp/ho.soso" --method hebbian --units 6 --epochs 3 --orthogonalize 5 --quiet
run "info orthogonalized" 0 "$SOSO" info "$tmp/ho.soso" && expect_out "orthogonalize=5" && expect_out "max 0.0000"

# ---- using concepts: rank, expand, recommend ----
run "rank" 0 "$SOSO" rank "$osc" "$corpus" "hepatic veins liver" --top 5
[ "$(wc -l <"$tmp/out")" -eq 5 ] && ok || bad "rank: want 5 lines"
sort -t$'\t' -k2,2 -g -r -c <(cut -f2 "$tmp/out") 2>/dev/null && ok || bad "rank: scores not descending"
run "rank json" 0 "$SOSO" rank "$osc" "$corpus" "hepatic veins liver" --top 10 --json
python3 -c '
import json, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
assert len(rows) == 10 and all(-1 <= r["score"] <= 1.0001 for r in rows)
assert sum(r["label"] == "noun.body" for r in rows) >= 6, [r["label"] for r in rows]' "$tmp/out" && ok || bad "rank json: body query should find noun.body"
run "rank with memory" 0 "$SOSO" rank "$osc" "$corpus" "hepatic veins" --top 3 --memory-weight 0.5
run "rank unknown words" 1 "$SOSO" rank "$osc" "$corpus" "zzzz qqqq" && expect_err "none of the query's words"
run "rank stop words" 1 "$SOSO" rank "$osc" "$corpus" "the of and" && expect_err "the query holds only stop words"
run "expand stop words" 1 "$SOSO" expand "$osc" "of the" && expect_err "the query holds only stop words"
run "rank bad weight" 1 "$SOSO" rank "$osc" "$corpus" "liver" --memory-weight 2 && expect_err "memory-weight"
run "rank bad word weight" 1 "$SOSO" rank "$osc" "$corpus" "liver" --word-weight -0.1 && expect_err "word-weight"
# The query's words (--word-weight 0.25 by default): more of the top 10 hold "tree" than
# with concepts alone (6 and 10 when measured).
run "rank concepts only" 0 "$SOSO" rank "$osc" "$corpus" "tree" --top 10 --word-weight 0 && cp "$tmp/out" "$tmp/r0"
run "rank with words" 0 "$SOSO" rank "$osc" "$corpus" "tree" --top 10
a=$(cut -f3 "$tmp/r0" | grep -c -w tree); b=$(cut -f3 "$tmp/out" | grep -c -w tree)
[ "$b" -gt "$a" ] && [ "$b" -ge 9 ] && ok || bad "rank: top 10 holding 'tree': $a with concepts alone, $b with words"
run "expand" 0 "$SOSO" expand "$osc" "liver veins" --top 8 && expect_out "^concept "
# A query word that carries its concept comes back marked.
word=$("$SOSO" topics "$osc" --top 1 --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["words"][0]["word"])')
run "expand marks query words" 0 "$SOSO" expand "$osc" "$word" --top 8 && expect_out "^\* $word"
run "expand json" 0 "$SOSO" expand "$osc" "liver" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); w=[x["weight"] for x in d["words"]]; assert d["concepts"] and w == sorted(w, reverse=True) and all(x > 0 for x in w)' "$tmp/out" && ok || bad "expand json"
run "expand unknown word" 1 "$SOSO" expand "$osc" "zzzz" && expect_err "none of the query's words is in the model's vocabulary"
run "recommend" 0 "$SOSO" recommend "$osc" "$corpus" --liked 1,5,9 --top 20 && expect_out "^shared concept "
awk -F'\t' 'NF >= 3 && ($1 == 1 || $1 == 5 || $1 == 9) {bad=1} END {exit bad}' "$tmp/out" && ok || bad "recommend returned a liked document"
[ "$(grep -c $'^[0-9]*\t' "$tmp/out")" -eq 20 ] && ok || bad "recommend: want 20 documents"
run "recommend json" 0 "$SOSO" recommend "$osc" "$corpus" --liked 2 --json
python3 -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert lines[0]["liked"] == [2] and lines[0]["concepts"]
assert all(r["line"] != 2 and r["concepts"] is not None for r in lines[1:])' "$tmp/out" && ok || bad "recommend json"
run "recommend bad line" 1 "$SOSO" recommend "$osc" "$corpus" --liked 0 && expect_err "not a line number"
run "recommend past end" 1 "$SOSO" recommend "$osc" "$corpus" --liked 5000 && expect_err "past the corpus"

# ---- online updates: half, then the other half, against all at once ----
# Without expansion on both sides (and for the streamed comparison below, which cannot
# expand): expanded, 1,000 documents give the co-occurrences that 500 cannot.
head -n 500 "$corpus" >"$tmp/half1.tsv"
tail -n 500 "$corpus" >"$tmp/half2.tsv"
run "train half" 0 "$SOSO" train "$tmp/half1.tsv" -o "$tmp/half.soso" --method osc --units 24 --expand 0 --quiet
run "update" 0 "$SOSO" update "$tmp/half.soso" "$tmp/half2.tsv" -o "$tmp/updated.soso" --epochs 5 &&
    expect_err "epochs 20 -> 25" && expect_err "not in the model's vocabulary and were ignored; most frequent: "
run "train all" 0 "$SOSO" train "$corpus" -o "$tmp/all.soso" --method osc --units 24 --expand 0 --quiet
"$SOSO" eval "$tmp/updated.soso" "$corpus" --json >"$tmp/u.json" && "$SOSO" eval "$tmp/all.soso" "$corpus" --json >"$tmp/a.json" &&
    python3 -c '
import json, sys
u, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
print("     NMI on wn6-1k: half + update %.3f, all at once %.3f" % (u["nmi"], a["nmi"]))
assert abs(u["nmi"] - a["nmi"]) <= 0.05 and u["deadUnits"] == 0' "$tmp/u.json" "$tmp/a.json" && ok || bad "update: NMI not within 0.05 of training on all"
run "update bad epochs" 1 "$SOSO" update "$tmp/half.soso" "$tmp/half2.tsv" -o "$tmp/e.soso" --epochs 0 && expect_err "epochs"
no_file "$tmp/e.soso"

# ---- soft competition and health ----
soft="$tmp/soft.soso"
run "train soft" 0 "$SOSO" train "$corpus" -o "$soft" --method soft --units 12 --epochs 5
expect_err "health: "
expect_err "effective units"
run "info soft" 0 "$SOSO" info "$soft" && expect_out "learner     soft  gate=4" && expect_out "orthogonalize=100"
run "soft orthogonalize 0" 0 "$SOSO" train "$corpus" -o "$tmp/s0.soso" --method soft --units 12 --epochs 1 --orthogonalize 0 --quiet
run "info soft orthogonalize 0" 0 "$SOSO" info "$tmp/s0.soso" && { grep -q orthogonalize "$tmp/out" && bad "orthogonalize 0 shown" || ok; }
# The health report's advice names options of the model's learner (an osc model refuses
# soft's --inhibitor).
run "hebbian dead units" 0 "$SOSO" train "$corpus" -o "$tmp/hd.soso" --method hebbian --units 200 --epochs 2 &&
    expect_err "warning: dead units: some units win no document; train more epochs or use fewer --units"
run "osc dead units" 0 "$SOSO" train "$corpus" -o "$tmp/od.soso" --units 200 --epochs 2 &&
    expect_err "warning: dead units: some units win no document; use fewer --units"
run "update health" 0 "$SOSO" update "$tmp/od.soso" "$corpus" -o "$tmp/od2.soso" --epochs 1 &&
    expect_err "health on the 1000 new documents:" && expect_err "dead units: some units win no document; use fewer --units"
run "health" 0 "$SOSO" health "$soft" "$corpus" && expect_out "gate entropy" && expect_out "wins per unit"
run "health json" 0 "$SOSO" health "$soft" "$corpus" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["units"] == 12 and sum(d["wins"]) == d["documents"] and d["gateEntropyMax"] > 1.38' "$tmp/out" && ok || bad "health json"
run "health hebbian" 0 "$SOSO" health "$model" "$corpus" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["gateEntropy"] is None and "healthy" in d' "$tmp/out" && ok || bad "health json for hebbian"
# A gate kept hot is flagged as uniform, in plain words.
run "train hot gate" 0 "$SOSO" train "$corpus" -o "$tmp/hot.soso" --method soft --units 8 --epochs 2 --t-initial 50 --t-final 50 --quiet
run "health hot gate" 0 "$SOSO" health "$tmp/hot.soso" "$corpus" && expect_out "warning: uniform gate"
run "soft gate > units" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method soft --units 3 --gate 4 && expect_err "gate"
run "soft bad temperatures" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method soft --t-initial 0.1 --t-final 1 && expect_err "\-\-t-final"
run "long min word" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --min-word-length 41 && expect_err "\-\-min-word-length must be between 1 and 40"
run "osc bad eps" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --eps-initial 2 && expect_err "\-\-eps-initial must be in (0, 1]"
no_file "$tmp/e.soso"

# ---- associative memory ----
mem="$tmp/mem.soso"
run "memory build" 0 "$SOSO" memory build "$corpus" -o "$mem" && expect_err "stored 965 documents"
printf 'noun.food\tsweet dessert made with apples\n' >"$tmp/more.txt"
run "memory add" 0 "$SOSO" memory build "$tmp/more.txt" -o "$mem" --add && expect_err "the memory holds 966"
cp "$mem" "$tmp/mem.before"
run "memory add --min-df" 64 "$SOSO" memory build "$tmp/more.txt" -o "$mem" --add --min-df 1 && expect_err "with --add the memory keeps its own"
cmp -s "$mem" "$tmp/mem.before" && ok || bad "a refused --add changed the memory"
run "memory --min-df 0" 64 "$SOSO" memory build "$corpus" -o "$tmp/e.mem" --min-df 0 && expect_err "min-df must be at least 1"
run "memory recall" 0 "$SOSO" memory recall "$mem" "hepatic veins" --top 2 && expect_out "completed: " && expect_out "noun.body"
run "memory recall json" 0 "$SOSO" memory recall "$mem" "capital city" --json --steps 3 --energy
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["documents"] and d["energy"] is not None and d["steps"] >= 1' "$tmp/out" && ok || bad "memory recall json"
run "memory recall unknown" 0 "$SOSO" memory recall "$mem" "hepatic zzzz qqqq" && expect_out "unknown query words: 2"
# No known word: an error, as rank and expand say it (the answer would be the prior's).
run "memory recall none known" 1 "$SOSO" memory recall "$mem" "zzzz qqqq" && expect_err "none of the query's words is in the memory's vocabulary"
run "memory recall stop words" 1 "$SOSO" memory recall "$mem" "the of" && expect_err "the query holds only stop words"
run "memory eval" 0 "$SOSO" memory eval "$corpus" --queries 0 --dump "$tmp/dump" && expect_out "bound" && expect_out "^2.5 "
[ "$(wc -l <"$tmp/dump/patterns.txt")" -eq 965 ] && [ "$(wc -l <"$tmp/dump/queries.txt")" -eq 965 ] && ok || bad "memory eval --dump"
run "memory eval json" 0 "$SOSO" memory eval "$corpus" --beta 10 --prior --json
python3 -c 'import json,sys; d=json.loads(open(sys.argv[1]).readline()); assert d["beta"] == 10 and 0.5 < d["exact"] <= 1 and d["bound"] >= d["uniform"]' "$tmp/out" && ok || bad "memory eval json"
run "memory bad beta" 1 "$SOSO" memory recall "$mem" "apple" --beta 0 && expect_err "beta"
run "memory bad mask" 1 "$SOSO" memory eval "$corpus" --mask 1 && expect_err "mask"
run "memory missing" 1 "$SOSO" memory recall "$tmp/nope.mem" "apple" && expect_err "nope.mem"
run "memory not a memory" 1 "$SOSO" memory recall "$model" "apple" && expect_err "another kind"
run "memory empty corpus" 1 "$SOSO" memory build "$tmp/empty.txt" -o "$tmp/e.mem"
no_file "$tmp/e.mem"

# ---- evaluation, map, report ----
run "eval" 0 "$SOSO" eval "$osc" "$corpus" && expect_out "NMI" && expect_out "NPMI coherence"
run "eval json" 0 "$SOSO" eval "$osc" "$corpus" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["labels"] == 6 and 0 < d["nmi"] < 1 and d["deadUnits"] == 0 and d["documents"] == 965' "$tmp/out" && ok || bad "eval json"
cut -f2 "$corpus" >"$tmp/nolabels.txt"
run "eval without labels" 0 "$SOSO" eval "$osc" "$tmp/nolabels.txt" --json
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["nmi"] is None and d["labels"] == 0 and d["npmi"] < 1' "$tmp/out" && ok || bad "eval json without labels"
run "map" 0 "$SOSO" map "$osc" "$corpus" -o "$tmp/map.svg" --iterations 250 --max-points 300
expect_err "even sample of 300" && expect_err "wrote the map to $tmp/map.svg"
grep -q "^soso: the map" "$tmp/err" && bad "map's note looks like an error" || ok
python3 - "$tmp/map.svg" <<'EOF' && ok || bad "map svg"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
ns = "{http://www.w3.org/2000/svg}"
assert root.tag == ns + "svg"
assert len(root.findall(".//%scircle" % ns)) == 300
legend = [t.text for t in root.findall(".//%sg[@class='legend']/%stext" % (ns, ns))]
assert legend == ["noun.animal", "noun.body", "noun.food", "noun.location", "noun.person", "noun.plant"], legend
EOF
run "map without labels" 0 "$SOSO" map "$osc" "$tmp/nolabels.txt" -o "$tmp/map2.svg" --iterations 100 --max-points 200
grep -q "unit 0: " "$tmp/map2.svg" && ok || bad "map without labels: legend by cluster"
run "report" 0 "$SOSO" report "$soft" "$corpus" -o "$tmp/report.html" --max-points 300 && expect_err "wrote the report"
python3 - "$tmp/report.html" <<'EOF' && ok || bad "report html"
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
h = "{http://www.w3.org/1999/xhtml}"
s = "{http://www.w3.org/2000/svg}"
heads = [e.text for e in root.iter(h + "h2")]
assert heads == ["Evaluation", "Health", "Units", "Unit usage", "Overlap between units", "Map of the documents"], heads
assert len(root.findall(".//%stable[@class='units']/%str" % (h, h))) == 13   # header + 12 units
assert len(root.findall(".//%ssvg" % s)) == 3
assert "NMI" in ET.tostring(root, encoding="unicode")
assert not any(e.tag.endswith("script") or e.get("src") or e.get("href") for e in root.iter())  # self-contained
EOF
run "map bad points" 1 "$SOSO" map "$osc" "$corpus" -o "$tmp/e.svg" --max-points 5 && expect_err "max-points"
no_file "$tmp/e.svg"

# ---- bad input ----
: >"$tmp/empty.txt"
run "empty corpus" 1 "$SOSO" train "$tmp/empty.txt" -o "$tmp/e.soso" && expect_err "empty"
no_file "$tmp/e.soso"
printf '\n\n\n' >"$tmp/blank.txt"
run "only empty lines" 1 "$SOSO" train "$tmp/blank.txt" -o "$tmp/e.soso"
no_file "$tmp/e.soso"
printf 'good line here\nbad \xff\xfe bytes\n' >"$tmp/badutf8.txt"
run "invalid utf-8" 1 "$SOSO" train "$tmp/badutf8.txt" -o "$tmp/e.soso" && expect_err "line 2 is not valid UTF-8"
no_file "$tmp/e.soso"
printf 'apple pear \xff kiwi\napple pear kiwi\napple kiwi\n' >"$tmp/lossy.txt"
run "lossy utf-8" 0 "$SOSO" train "$tmp/lossy.txt" -o "$tmp/lossy.soso" --units 2 --epochs 2 --lossy-utf8 --quiet
run "line over --max-line-bytes" 1 "$SOSO" train "$tmp/lossy.txt" -o "$tmp/e.soso" --lossy-utf8 --max-line-bytes 10 &&
    expect_err "line 1 is 17 bytes, over the limit of 10" && expect_err "the CLI's --max-line-bytes"
run "over --max-distinct-words" 1 "$SOSO" train "$tmp/lossy.txt" -o "$tmp/e.soso" --lossy-utf8 --max-distinct-words 2 &&
    expect_err "more than 2 distinct words"
no_file "$tmp/e.soso"
run "units 0" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --units 0 && expect_err "units"
run "k > units" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method hebbian --units 3 --k 4 && expect_err "k"
no_file "$tmp/e.soso"
run "missing corpus" 1 "$SOSO" train "$tmp/nope.txt" -o "$tmp/e.soso" && expect_err "nope.txt"
run "missing model" 1 "$SOSO" topics "$tmp/nope.soso" && expect_err "nope.soso"
run "output dir missing" 1 "$SOSO" train "$corpus" -o "$tmp/no/dir/m.soso" --units 2 --epochs 1
[ ! -d "$tmp/no" ] && ok || bad "created a directory"

head -c 300 "$model" >"$tmp/trunc.soso"
run "truncated model" 1 "$SOSO" topics "$tmp/trunc.soso" && expect_err "truncated"
cp "$model" "$tmp/corrupt.soso"
printf '\x55' | dd of="$tmp/corrupt.soso" bs=1 seek=2000 conv=notrunc 2>/dev/null
run "corrupted model" 1 "$SOSO" encode "$tmp/corrupt.soso" "$corpus" && expect_err "corrupted"
cp "$model" "$tmp/newer.soso"
printf '\x07' | dd of="$tmp/newer.soso" bs=1 seek=8 conv=notrunc 2>/dev/null
run "newer model" 1 "$SOSO" info "$tmp/newer.soso" && expect_err "newer"
run "not a model" 1 "$SOSO" topics "$corpus" && expect_err "not a SOSO model"
run "export nothing" 1 "$SOSO" export "$model"

# A failed training never harms an existing model at its output path.
cp "$model" "$tmp/keep.soso"
run "fail keeps old model" 1 "$SOSO" train "$tmp/empty.txt" -o "$tmp/keep.soso"
cmp -s "$model" "$tmp/keep.soso" && ok || bad "the old model was changed"

# Ctrl-C stops training cleanly: exit 130, a checkpoint and how to resume it, no model.
# The resumed run ends with exactly the model an uninterrupted run writes.
# The interrupt is sent once the first periodic checkpoint exists (training has begun,
# 790 epochs are left), not after a fixed sleep: 800 epochs can end within a second.
interrupt_when() {
    local pid=$1 file=$2 i=0
    while [ ! -e "$file" ] && [ $i -lt 400 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
    kill -INT "$pid"
}
# Ctrl-C before training starts (here while the corpus is read from a FIFO, whose writer
# opens only once train has opened it, so train's handler is in place): exit 130 at once,
# saying so (the default action ended it silently before), nothing written.
mkfifo "$tmp/fifo.tsv"
"$SOSO" train "$tmp/fifo.tsv" -o "$tmp/early.soso" 2>"$tmp/err" &
pid=$!
exec 3>"$tmp/fifo.tsv"
kill -INT "$pid"
wait $pid
rc=$?
exec 3>&-
[ $rc -eq 130 ] && ok || bad "early SIGINT: exit $rc, want 130"
expect_err "interrupted before training started; nothing written"
no_file "$tmp/early.soso"
args="--method hebbian --units 64 --epochs 800 --seed 5 --quiet"
"$SOSO" train "$corpus" -o "$tmp/int.soso" $args --checkpoint-every 10 2>"$tmp/err" &
pid=$!
interrupt_when $pid "$tmp/int.soso.checkpoint"
wait $pid
rc=$?
[ $rc -eq 130 ] && ok || bad "SIGINT: exit $rc, want 130"
grep -q "interrupted after .* checkpoint written to $tmp/int.soso.checkpoint; continue with: soso train .* --checkpoint-every 10 --resume" "$tmp/err" && ok || bad "SIGINT: message: $(cat "$tmp/err")"
no_file "$tmp/int.soso"
[ -s "$tmp/int.soso.checkpoint" ] && ok || bad "SIGINT: no checkpoint"
# Stopped between epochs or (on a loaded machine) inside one: the same refusal.
run "update an unfinished training" 1 "$SOSO" update "$tmp/int.soso.checkpoint" "$corpus" -o "$tmp/e.soso" &&
    expect_err "epochs left to train; finish it with soso train --resume"
run "resume" 0 "$SOSO" train "$corpus" -o "$tmp/int.soso" --resume "$tmp/int.soso.checkpoint"
expect_err "resuming"
run "uninterrupted" 0 "$SOSO" train "$corpus" -o "$tmp/whole.soso" $args
cmp -s "$tmp/int.soso" "$tmp/whole.soso" && ok || bad "resumed model differs from the uninterrupted one"
# Out of memory inside training (the n-th realloc failing, n = 1, 2, ... until one does
# so after some documents): a checkpoint of them and how to resume, and the resumed run
# ends with exactly the model an uninterrupted run writes (soft with the orthogonality
# penalty: W is plain after every batch). Needs a C compiler and LD_PRELOAD (Linux).
if [ "$(uname)" = Linux ] && cc -shared -fPIC -O2 "$top/Tests/cli/fail_realloc.c" -o "$tmp/fail_realloc.so" -ldl 2>/dev/null; then
    args="--method soft --units 6 --epochs 3 --batch 10 --ortho-penalty 0.5 --quiet"
    found=0
    for n in $(seq 1 2000); do
        rm -f "$tmp/oom.soso" # a run whose failing realloc was not SOSO's writes it
        (FAIL_REALLOC=$n LD_PRELOAD="$tmp/fail_realloc.so" "$SOSO" train "$corpus" -o "$tmp/oom.soso" $args \
            >"$tmp/out" 2>"$tmp/err"; true) 2>/dev/null # OpenMP's runtime aborts when its own realloc fails
        if grep -q "out of memory.*after [0-9]* documents of this run.*checkpoint written to $tmp/oom.soso.checkpoint; continue with: soso train .* --resume" "$tmp/err"; then
            found=$n
            break
        fi
    done
    [ "$found" -gt 0 ] && ok || bad "out of memory inside training: no run wrote a checkpoint"
    no_file "$tmp/oom.soso"
    run "resume after out of memory" 0 "$SOSO" train "$corpus" -o "$tmp/oom.soso" --resume "$tmp/oom.soso.checkpoint"
    run "uninterrupted soft" 0 "$SOSO" train "$corpus" -o "$tmp/oomw.soso" $args
    cmp -s "$tmp/oom.soso" "$tmp/oomw.soso" && ok || bad "resumed after out of memory: another model than uninterrupted"
fi
# Periodic checkpoints, and a checkpoint of another corpus size is refused.
run "checkpoint every" 0 "$SOSO" train "$corpus" -o "$tmp/p.soso" --method osc --units 8 --epochs 4 --checkpoint "$tmp/p.ck" --checkpoint-every 2 --quiet
[ -s "$tmp/p.ck" ] && ok || bad "no periodic checkpoint"
run "info checkpoint" 0 "$SOSO" info "$tmp/p.ck" && expect_out "trained     2 of 4 epochs"

# ---- outputs: never an input's own file, checked before the work, written through ----
# ---- links and pipes, permissions kept, '-' as standard output                   ----
cp "$corpus" "$tmp/same.tsv"
run "output is the corpus" 1 "$SOSO" train "$tmp/same.tsv" -o "$tmp/same.tsv" --units 2 --epochs 1 &&
    expect_err "is the input"
cmp -s "$corpus" "$tmp/same.tsv" && ok || bad "train -o CORPUS changed the corpus"
ln -s same.tsv "$tmp/same_link.tsv"
run "map output is the corpus by a link" 1 "$SOSO" map "$model" "$tmp/same_link.tsv" -o "$tmp/same.tsv" &&
    expect_err "is the input"
cmp -s "$corpus" "$tmp/same.tsv" && ok || bad "map -o CORPUS changed the corpus"
run "report output is the model" 1 "$SOSO" report "$model" "$corpus" -o "$model" && expect_err "is the input"
run "export over the model" 1 "$SOSO" export "$model" --vocab "$model" && expect_err "is the input"
run "memory build over the corpus" 1 "$SOSO" memory build "$tmp/same.tsv" -o "$tmp/same.tsv" && expect_err "is the input"
cmp -s "$corpus" "$tmp/same.tsv" && ok || bad "memory build -o CORPUS changed the corpus"
# A missing directory is found before t-SNE runs (so at once), and said plainly.
touch "$tmp/plain.txt"
run "map into a file's path" 1 "$SOSO" map "$model" "$corpus" -o "$tmp/plain.txt/x.svg" && expect_err "is not a directory"
run "map into a directory" 1 "$SOSO" map "$model" "$corpus" -o "$tmp" && expect_err "it is a directory"
run "map output to stdout" 0 "$SOSO" map "$model" "$corpus" -o - --max-points 50 --iterations 50 && expect_out "<svg"
[ ! -e ./- ] && ok || bad "map -o - wrote a file named -"
run "export vocabulary to stdout" 0 "$SOSO" export "$model" --vocab -
[ "$(wc -l <"$tmp/out")" -gt 100 ] && ok || bad "export --vocab - printed $(wc -l <"$tmp/out") words"
# A reader that leaves early: the command ends by SIGPIPE (141), saying nothing, as text
# output does (the library reports the broken pipe; it never raises SIGPIPE itself).
"$SOSO" train "$corpus" -o "$tmp/wide.soso" --method hebbian --units 300 --epochs 1 --quiet # 1.2 MB of weights: more than a pipe holds
"$SOSO" export "$tmp/wide.soso" --npy - 2>"$tmp/err" | head -c 10 >/dev/null
rc=${PIPESTATUS[0]}
[ "$rc" -eq 141 ] && [ ! -s "$tmp/err" ] && ok || bad "export to a closed pipe: exit $rc, stderr: $(cat "$tmp/err")"
"$SOSO" export "$tmp/wide.soso" --npy /dev/stdout 2>"$tmp/err" | head -c 10 >/dev/null # the pipe by another name
rc=${PIPESTATUS[0]}
[ "$rc" -eq 141 ] && [ ! -s "$tmp/err" ] && ok || bad "export to /dev/stdout, a closed pipe: exit $rc, stderr: $(cat "$tmp/err")"
run "export both to stdout" 64 "$SOSO" export "$model" --vocab - --npy - && expect_err "the same file"
# A model rewritten keeps its permissions; behind a link the target is rewritten and the
# link kept; a pipe is written into, not replaced by a file.
mode_of() { stat -c %a "$1" 2>/dev/null || stat -f %Lp "$1"; } # GNU, BSD
cp "$model" "$tmp/perm.soso"
chmod 604 "$tmp/perm.soso" # a mode no umask gives a new file
run "update keeps permissions" 0 "$SOSO" update "$tmp/perm.soso" "$corpus" -o "$tmp/perm.soso" --epochs 1 --quiet
[ "$(mode_of "$tmp/perm.soso")" = 604 ] && ok || bad "update reset the model's permissions to $(mode_of "$tmp/perm.soso")"
ln -s perm.soso "$tmp/perm_link.soso"
run "update through a link" 0 "$SOSO" update "$tmp/perm_link.soso" "$corpus" -o "$tmp/perm_link.soso" --epochs 1 --quiet
[ -L "$tmp/perm_link.soso" ] && ok || bad "update replaced the link by a file"
mkfifo "$tmp/pipe"
cat "$tmp/pipe" >"$tmp/piped.txt" &
reader=$!
(sleep 20; kill $reader 2>/dev/null) & # a writer that never opens the pipe fails the test, not hangs it
watchdog=$!
run "export into a pipe" 0 "$SOSO" export "$model" --vocab "$tmp/pipe"
wait $reader
kill $watchdog 2>/dev/null
[ -p "$tmp/pipe" ] && [ "$(wc -l <"$tmp/piped.txt")" -gt 10 ] && ok || bad "export replaced the pipe or wrote nothing into it"
# Huge counts are capped at what there is (a unit's words, the documents), not allocated.
run "topics --top huge" 0 "$SOSO" topics "$model" --top 9223372036854775807 && expect_out "^  0 "
run "rank --top huge" 0 "$SOSO" rank "$model" "$corpus" "sweet fruit" --top 9223372036854775807
run "eval --top over 1000" 64 "$SOSO" eval "$model" "$corpus" --top 100000 && expect_err "from 2 to 1000"
# Negative numbers are values, not options: a negative threshold is legitimate, and a
# negative count gets its range, not "missing value".
run "encode negative threshold" 0 "$SOSO" encode "$model" "$corpus" --threshold -0.5
run "health --threads 0" 64 "$SOSO" health "$model" "$corpus" --threads 0 && expect_err "threads must be at least 1"
# The learners' ranges under the flags' names (the C checks say p, inhibitor_rate, ...).
run "hebbian --p 0.5" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method hebbian --p 0.5 && expect_err "^soso: --p must be"
run "soft --inhibitor 1" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method soft --inhibitor 1 && expect_err "^soso: --inhibitor must be"
run "soft --ortho-penalty -1" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method soft --ortho-penalty -1 &&
    expect_err "^soso: --ortho-penalty must be"
run "huge --max-epochs" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --epochs auto --max-epochs 9223372036854775807 &&
    expect_err "max-epochs must be between"
run "negative units" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --units -1 && expect_err "units must be between 1"
# An option the chosen learner does not read is refused, not ignored.
run "osc --p" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --p 3 && expect_err "^soso: --p is for --method hebbian; it does nothing with osc"
run "hebbian --exact" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method hebbian --exact && expect_err "--exact is for --method osc"
run "soft --k" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method soft --k=2 && expect_err "--k is for --method hebbian"
run "osc --batch" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --batch 10 && expect_err "--batch is for --method hebbian or soft"
run "hebbian --init" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method hebbian --init random && expect_err "--init is for --method osc or soft"
no_file "$tmp/e.soso"

# ---- --epochs auto: stop once the documents keep their units ----
run "epochs auto" 0 "$SOSO" train "$corpus" -o "$tmp/auto.soso" --method hebbian --units 24 --epochs auto &&
    expect_err "epochs auto: stopped after epoch .* of at most 200: 0\.[0-4][0-9]% of the documents changed unit between epochs"
run "info auto" 0 "$SOSO" info "$tmp/auto.soso" && python3 -c '
import re, sys
m = re.search(r"trained +(\d+) of (\d+) epochs", open(sys.argv[1]).read())
assert m and m.group(1) == m.group(2) and int(m.group(1)) < 200, m and m.groups()' "$tmp/out" && ok || bad "auto: plan not cut to the epochs done: $(cat "$tmp/out")"
run "update after auto" 0 "$SOSO" update "$tmp/auto.soso" "$corpus" -o "$tmp/auto2.soso" --quiet
run "epochs auto budget" 0 "$SOSO" train "$corpus" -o "$tmp/auto3.soso" --method osc --units 8 --epochs auto --max-epochs 3 &&
    expect_err "ran all 3 epochs" && expect_err "between epochs 2 and 3)" # the last epoch measured too
run "epochs bad" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --epochs often && expect_err "epochs"
run "epochs zero" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --epochs 0 && expect_err "epochs must be between 1 and 4294967295, or auto (got 0)"
run "stable bad" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --epochs auto --stable 2 && expect_err "stable"
run "stable without auto" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --stable 0.1 && expect_err "go with --epochs auto"

# ---- osc's default epochs follow the corpus: ~30,000 updates a unit, 2 to 20 epochs ----
python3 -c '
import random
r = random.Random(3)
g = [["apple", "pear", "plum", "fig"], ["oak", "pine", "elm", "ash"], ["cod", "tuna", "carp", "eel"]]
print("\n".join("%d\t%s" % (i % 3, " ".join(r.choice(g[i % 3]) for _ in range(3))) for i in range(25000)))' >"$tmp/big.tsv"
# 25,000 documents x 1 code / 3 units = 8,333 updates a unit an epoch: 4 epochs.
run "osc epochs by size" 0 "$SOSO" train "$tmp/big.tsv" -o "$tmp/big.soso" --units 3 --sparsity 1 --quiet --min-df 1
run "osc epochs by size info" 0 "$SOSO" info "$tmp/big.soso" && expect_out "trained     4 of 4 epochs"
run "osc epochs small corpus" 0 "$SOSO" info "$tmp/all.soso" && expect_out "trained     20 of 20 epochs"

# ---- co-occurrence expansion of the training documents (osc's default) ----
run "expand default" 0 "$SOSO" train "$corpus" -o "$tmp/x.soso" --units 6 --threads 2 &&
    expect_err "expanded with 100 co-occurring words a word by two hops, gain 16"
# 1,000 documents: too few direct counts, so auto ranks neighbours by two hops.
run "expand info" 0 "$SOSO" info "$tmp/x.soso" && expect_out "^expansion   .* 100 strongest co-occurring words by two hops, gain 16" &&
    expect_out "osc  sparsity=2 "
run "expand one hop" 0 "$SOSO" train "$corpus" -o "$tmp/x1.soso" --units 6 --expand-hops 1 --quiet
run "expand one hop info" 0 "$SOSO" info "$tmp/x1.soso" && expect_out "^expansion   .* 100 strongest co-occurring words, gain 16"
# The units themselves differ (the files would anyway: they record the hops).
"$SOSO" export "$tmp/x.soso" --npy "$tmp/x2.npy" --vocab "$tmp/x2.txt" && "$SOSO" export "$tmp/x1.soso" --npy "$tmp/x1.npy" --vocab "$tmp/x1.txt" &&
    ! cmp -s "$tmp/x2.npy" "$tmp/x1.npy" && ok || bad "expand: one and two hops gave the same units"
# A file written before hops existed has an 8-byte EXPN section: it means one hop.
python3 -c '
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()[:-4]
n = struct.unpack_from("<I", data, 12)[0]
out, at = [data[:16]], 16
for _ in range(n):
    tag, size = data[at:at + 4], struct.unpack_from("<Q", data, at + 4)[0]
    payload = data[at + 12:at + 12 + size]
    if tag == b"EXPN":
        payload = payload[:8]
    out.append(tag + struct.pack("<Q", len(payload)) + payload)
    at += 12 + size
body = b"".join(out)
open(sys.argv[2], "wb").write(body + struct.pack("<I", zlib.crc32(body)))' "$tmp/x.soso" "$tmp/xold.soso"
run "expand old file" 0 "$SOSO" info "$tmp/xold.soso" && expect_out "^expansion   .* 100 strongest co-occurring words, gain 16"
run "expand off" 0 "$SOSO" train "$corpus" -o "$tmp/x0.soso" --units 6 --expand 0 --quiet
run "expand off info" 0 "$SOSO" info "$tmp/x0.soso" && expect_out "osc  sparsity=4 " &&
    { grep -q "^expansion" "$tmp/out" && bad "expand off: info shows an expansion" || ok; }
# The point of it: documents on a topic share few words; expanded, they cluster better.
"$SOSO" eval "$tmp/x.soso" "$corpus" --json >"$tmp/x.json" && "$SOSO" eval "$tmp/x0.soso" "$corpus" --json >"$tmp/x0.json" &&
python3 -c '
import json, sys
x, p = (json.load(open(f)) for f in sys.argv[1:3])
print("     NMI on wn6-1k, osc 6 units: expanded %.3f, plain %.3f" % (x["nmi"], p["nmi"]))
assert x["nmi"] >= p["nmi"] + 0.05 and x["deadUnits"] == 0' "$tmp/x.json" "$tmp/x0.json" && ok || bad "expand: NMI not above plain training"
run "expand hebbian" 0 "$SOSO" train "$corpus" -o "$tmp/xh.soso" --method hebbian --units 6 --epochs 5 --expand 30 --expand-gain 4 &&
    expect_err "expanded with 30 co-occurring words a word by two hops, gain 4"
# A checkpoint remembers the expansion: resuming gives the uninterrupted model.
run "expand checkpoints" 0 "$SOSO" train "$corpus" -o "$tmp/xc.soso" --units 6 --epochs 6 --expand 20 --expand-gain 3 --quiet \
    --checkpoint-every 3 --checkpoint "$tmp/xc.ck"
run "expand resume" 0 "$SOSO" train "$corpus" -o "$tmp/xr.soso" --resume "$tmp/xc.ck" --quiet
cmp -s "$tmp/xc.soso" "$tmp/xr.soso" && ok || bad "expand: the resumed model differs from the uninterrupted one"
# The same lines in another order are other documents: the checkpoint is refused on them.
{ tail -n +2 "$corpus"; head -n 1 "$corpus"; } >"$tmp/moved.tsv"
run "resume on other documents" 1 "$SOSO" train "$tmp/moved.tsv" -o "$tmp/e.soso" --resume "$tmp/xc.ck" --quiet &&
    expect_err "cannot resume $tmp/xc.ck: this training started on other documents, as many (1000); resume it with what it started on" &&
    no_file "$tmp/e.soso"
run "expand resume with options" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --resume "$tmp/xc.ck" --expand-hops 1 &&
    expect_err "as the checkpoint records; drop --expand-hops" && no_file "$tmp/e.soso"
run "resume with other settings" 64 "$SOSO" train "$corpus" -o "$tmp/e.soso" --resume "$tmp/xc.ck" --units 16 --method=hebbian \
    --epochs 3 && expect_err "drop --units, --method, --epochs" && no_file "$tmp/e.soso"
run "expand resume streamed" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --resume "$tmp/xc.ck" --stream && expect_err "without --stream" &&
    no_file "$tmp/e.soso"
run "expand update" 0 "$SOSO" update "$tmp/x.soso" "$corpus" -o "$tmp/xu.soso" --quiet
run "expand negative" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --expand -1 && expect_err "expand" && no_file "$tmp/e.soso"
run "expand too many" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --expand 1001 && expect_err "between 0 and 1000"
run "expand gain zero" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --expand-gain 0 && expect_err "expand-gain"
run "expand gain without" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method hebbian --expand-gain 2 && expect_err "goes with --expand"
run "expand hops without" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --expand 0 --expand-hops 2 && expect_err "goes with --expand"
run "expand hops three" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --expand-hops 3 && expect_err "expand-hops" && no_file "$tmp/e.soso"
run "expand stream" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --expand 10 --stream && expect_err "does not go with --stream"
run "expand stacked" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --expand 10 --input-model "$tmp/x.soso" && expect_err "input-model"

# ---- stacking: a second layer on a model's codes, saved as one model over the words ----
run "stack train" 0 "$SOSO" train "$corpus" -o "$tmp/l2.soso" --units 6 --input-model "$tmp/all.soso" --threads 2 &&
    expect_err "stacked on the 24 units of" && expect_err "health: "
run "stack info" 0 "$SOSO" info "$tmp/l2.soso" && expect_out "vocabulary  1038 words" && expect_out "^units       6"
# Encoding a text with the stacked model: the upper layer on the lower layer's codes.
run "stack encode" 0 "$SOSO" encode "$tmp/l2.soso" "$corpus" --json --top-k 6
run "stack eval" 0 "$SOSO" eval "$tmp/l2.soso" "$corpus" --json && python3 -c '
import json, sys
e = json.load(open(sys.argv[1]))
print("     stacked osc 6 on osc 24 (wn6-1k): NMI %.3f, dead units %d" % (e["nmi"], e["deadUnits"]))
assert e["nmi"] > 0.1 and e["deadUnits"] == 0' "$tmp/out" && ok || bad "stack: eval $(cat "$tmp/out")"
run "stack hebbian" 0 "$SOSO" train "$corpus" -o "$tmp/l2h.soso" --method hebbian --units 4 --epochs 20 --p 3 --input-model "$tmp/all.soso" --quiet
# A stacked run resumes from its checkpoint (the upper layer's) to the same model.
run "stack checkpoints" 0 "$SOSO" train "$corpus" -o "$tmp/l2c.soso" --method hebbian --units 6 --epochs 40 --seed 5 \
    --input-model "$tmp/all.soso" --quiet --checkpoint-every 15 --checkpoint "$tmp/l2c.ck"
run "stack resume" 0 "$SOSO" train "$corpus" -o "$tmp/l2r.soso" --input-model "$tmp/all.soso" --resume "$tmp/l2c.ck" --quiet
cmp -s "$tmp/l2c.soso" "$tmp/l2r.soso" && ok || bad "stack: the resumed stacked model differs from the uninterrupted one"
run "stack resume other corpus" 1 "$SOSO" train "$tmp/moved.tsv" -o "$tmp/e.soso" --input-model "$tmp/all.soso" --resume "$tmp/l2c.ck" \
    --quiet && expect_err "other documents, as many (1000); resume it with what it started on (a stacked run's documents are its lower model's codes: give the corpus and --input-model it started with)" &&
    no_file "$tmp/e.soso"
run "stack resume without lower" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --resume "$tmp/l2c.ck" && expect_err "input-model" && no_file "$tmp/e.soso"
run "stack resume wrong lower" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --resume "$tmp/l2c.ck" --input-model "$tmp/model.soso" &&
    expect_err "lower model the run started from" && no_file "$tmp/e.soso"
run "stack too many osc units" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --units 30 --input-model "$tmp/all.soso" && no_file "$tmp/e.soso" &&
    expect_err "--units 30 is more than the [0-9]* units of the --input-model, and osc's atoms are orthonormal: lower --units$"
run "stack with stream" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --input-model "$tmp/all.soso" --stream && expect_err "stream"
run "stack with idf" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --input-model "$tmp/all.soso" --idf && expect_err "lower model"
run "stack missing model" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --input-model "$tmp/nothing.soso" && no_file "$tmp/e.soso"
run "stack flat hebbian" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --method hebbian --units 4 --epochs 2 --p 1 --input-model "$tmp/all.soso" &&
    expect_err "p must be above 1" && no_file "$tmp/e.soso"

# ---- streamed corpora: pieces of the file, not the file in memory ----
run "stream train" 0 "$SOSO" train "$corpus" -o "$tmp/s.soso" --method osc --units 24 --stream --piece 200 &&
    expect_err "streamed in pieces of 200" && expect_err "health on a sample of"
"$SOSO" eval "$tmp/s.soso" "$corpus" --json >"$tmp/s.json" && "$SOSO" eval "$tmp/all.soso" "$corpus" --json >"$tmp/a.json" &&
python3 -c '
import json, sys
s, a = (json.load(open(p)) for p in sys.argv[1:3])
print("     NMI on wn6-1k: streamed in pieces of 200 %.3f, in memory %.3f" % (s["nmi"], a["nmi"]))
assert s["nmi"] >= a["nmi"] - 0.05 and s["deadUnits"] == 0' "$tmp/s.json" "$tmp/a.json" && ok || bad "stream: NMI not within 0.05 of in-memory training"
# A file sorted by label, in small pieces: osc's LSA start comes from lines spread over
# the file (one piece of whole blocks gave two or three of the six labels: NMI 0.18).
sort -s -t "$(printf '\t')" -k1,1 "$corpus" >"$tmp/sorted.tsv"
run "stream sorted" 0 "$SOSO" train "$tmp/sorted.tsv" -o "$tmp/ss.soso" --method osc --units 24 --stream --piece 100 --quiet
"$SOSO" eval "$tmp/ss.soso" "$corpus" --json >"$tmp/s.json" &&
python3 -c '
import json, sys
s, a = (json.load(open(p)) for p in sys.argv[1:3])
print("     NMI on wn6-1k sorted by label: streamed in pieces of 100 %.3f, in memory %.3f" % (s["nmi"], a["nmi"]))
assert s["nmi"] >= a["nmi"] - 0.05' "$tmp/s.json" "$tmp/a.json" && ok || bad "stream sorted: NMI not within 0.05 of in-memory training"
run "rank loaded" 0 "$SOSO" rank "$tmp/all.soso" "$corpus" "tree with leaves" --top 7 && cp "$tmp/out" "$tmp/rank1"
run "rank streamed" 0 "$SOSO" rank "$tmp/all.soso" "$corpus" "tree with leaves" --top 7 --stream --piece 100
cmp -s "$tmp/out" "$tmp/rank1" && ok || bad "streamed ranking differs from the loaded one"
run "rank streamed with memory" 1 "$SOSO" rank "$tmp/all.soso" "$corpus" "tree" --stream --memory-weight 0.5 && expect_err "not --stream"
run "stream from stdin" 1 "$SOSO" train - -o "$tmp/e.soso" --stream <"$corpus" && expect_err "not standard input"
run "stream bad piece" 1 "$SOSO" train "$corpus" -o "$tmp/e.soso" --stream --piece 0 && expect_err "piece"
printf 'ok words\nbad \377 byte\n' >"$tmp/badutf.tsv"
run "stream invalid UTF-8" 1 "$SOSO" train "$tmp/badutf.tsv" -o "$tmp/e.soso" --stream && expect_err "line 2 is not valid UTF-8"
# A streamed update of an expanded model (its new documents plain) resumes streamed, to the
# model of the uninterrupted update; in memory mid-epoch it could not.
run "stream update expanded" 0 "$SOSO" update "$tmp/x.soso" "$tmp/half2.tsv" -o "$tmp/sxu.soso" --epochs 3 --stream --piece 100 \
    --checkpoint-every 1 --checkpoint "$tmp/sxu.ck" --quiet
run "stream update expanded, resumed" 0 "$SOSO" train "$tmp/half2.tsv" -o "$tmp/sxr.soso" --stream --piece 100 --resume "$tmp/sxu.ck" --quiet
cmp -s "$tmp/sxu.soso" "$tmp/sxr.soso" && ok || bad "a streamed update's checkpoint resumed to another model"
run "stream update" 0 "$SOSO" update "$tmp/half.soso" "$tmp/half2.tsv" -o "$tmp/su.soso" --epochs 2 --stream --piece 100 &&
    expect_err "updated 24 units on 500 new documents" && expect_err "not in the model's vocabulary"
# Ctrl-C in a streamed run: the checkpoint resumes (with the same --stream --piece) to the
# model of an uninterrupted streamed run.
args="--method hebbian --units 64 --epochs 800 --seed 5 --quiet --stream --piece 300"
"$SOSO" train "$corpus" -o "$tmp/sint.soso" $args --checkpoint-every 10 2>"$tmp/err" &
pid=$!
interrupt_when $pid "$tmp/sint.soso.checkpoint"
wait $pid
rc=$?
[ $rc -eq 130 ] && ok || bad "stream SIGINT: exit $rc, want 130"
grep -q "continue with: soso train .* --stream --piece 300 --checkpoint-every 10 --resume" "$tmp/err" && ok || bad "stream SIGINT: message: $(cat "$tmp/err")"
run "stream resume on another file" 1 "$SOSO" train "$tmp/moved.tsv" -o "$tmp/sint.soso" --stream --piece 300 --quiet \
    --resume "$tmp/sint.soso.checkpoint" && expect_err "started on another file of the same 1000 lines" && no_file "$tmp/sint.soso"
run "stream resume" 0 "$SOSO" train "$corpus" -o "$tmp/sint.soso" --stream --piece 300 --resume "$tmp/sint.soso.checkpoint"
run "stream uninterrupted" 0 "$SOSO" train "$corpus" -o "$tmp/swhole.soso" $args
cmp -s "$tmp/sint.soso" "$tmp/swhole.soso" && ok || bad "resumed streamed model differs from the uninterrupted one"

# Ctrl-C in the map's t-SNE: exit 130, the reason, and no SVG. Sent once the sample's
# note is out (the stop handler is in place before it).
"$SOSO" map "$model" "$corpus" -o "$tmp/int.svg" --iterations 100000 --max-points 500 2>"$tmp/err" &
pid=$!
i=0
while ! grep -q "even sample" "$tmp/err" && [ $i -lt 400 ] && kill -0 "$pid" 2>/dev/null; do sleep 0.05; i=$((i + 1)); done
kill -INT "$pid"
wait $pid
rc=$?
[ $rc -eq 130 ] && ok || bad "map SIGINT: exit $rc, want 130"
grep -q "interrupted during the map's t-SNE; nothing written" "$tmp/err" && ok || bad "map SIGINT: message: $(cat "$tmp/err")"
no_file "$tmp/int.svg"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
