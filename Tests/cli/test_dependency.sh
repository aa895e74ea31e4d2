#!/bin/sh
# test_dependency.sh - another Swift package depends on SOSO by path (OpenMP on) and by a
# version tag (OpenMP left out, see README "OpenMP under SwiftPM"); both build and train.
# It clones the committed tree: commit first.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git clone -q "$top" "$tmp/soso"
git -C "$tmp/soso" tag 0.1.0
passed=0 failed=0
for kind in path version; do
    mkdir -p "$tmp/$kind/Sources/consumer"
    if [ $kind = path ]; then dep='.package(path: "../soso")'; else dep=".package(url: \"file://$tmp/soso\", from: \"0.1.0\")"; fi
    cat >"$tmp/$kind/Package.swift" <<EOS
// swift-tools-version:5.9
import PackageDescription
let package = Package(
    name: "consumer",
    dependencies: [$dep],
    targets: [.executableTarget(name: "consumer", dependencies: [.product(name: "Soso", package: "soso")])]
)
EOS
    cat >"$tmp/$kind/Sources/consumer/main.swift" <<'EOS'
import Soso
let corpus = try Corpus(lines: ["fruit\tapple pear plum", "fruit\tpear plum apple", "tree\toak pine elm", "tree\telm oak pine"])
let vocabulary = try Vocabulary(corpus: corpus)
var config = HebbianConfiguration()
config.units = 2
config.epochs = 50
let model = try Model(hebbian: config, vocabulary: vocabulary)
try model.train(try Documents(corpus: corpus, vocabulary: vocabulary), threads: 2)
print(Soso.buildInfo)
print("epochs", model.epochsDone)
EOS
    if out=$(cd "$tmp/$kind" && swift build -q 2>&1 && .build/debug/consumer 2>&1); then
        echo "$out" | tail -2
        want="openmp [0-9]"
        [ $kind = version ] && want="openmp none"
        if echo "$out" | grep -q "$want" && echo "$out" | grep -q "epochs 50"; then passed=$((passed + 1)); else
            echo "FAIL: dependency by $kind: want '$want'"; failed=$((failed + 1)); fi
    else
        echo "$out" | tail -20
        echo "FAIL: dependency by $kind does not build"
        failed=$((failed + 1))
    fi
done
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
