#!/usr/bin/env python3
"""test_readme.py SOSO - runs the README's transcripts and checks their output.

A transcript is a fenced block without a language whose first line starts with "$ ". Each
"$ " line is run by bash in one scratch directory per README (so a later block may use a
model an earlier one wrote), with `data/` the repository's and `soso` the given binary;
the lines after it, up to the next "$ ", are what it must print. The README went stale
once (the expansion default changed its examples' output and nobody noticed); this keeps
it true.

How output is compared, so that the check holds on any CPU and OpenBLAS kernel:
- stdout and stderr are read apart; the expected lines must be an interleaving of the two
  (a terminal shows them mixed, a pipe does not keep their order);
- a line "..." stands for any further lines of that command (or none);
- the warning about OpenBLAS's kernel, which depends on the machine, is skipped;
- words and integers must match exactly; decimals within 0.5% (+ 1e-4); durations
  ("in 0.2 s") are not compared.
Prints each failure and ends with "N passed, N failed" (one test a command).
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUMBER = re.compile(r"(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)")
DURATION = re.compile(r"\bin \d+(?:\.\d+)? s\b")


def transcripts(text):
    """[(line number, [(command, [expected lines])])] for every transcript block."""
    blocks, lines, i = [], text.split("\n"), 0
    while i < len(lines):
        if not lines[i].startswith("```"):
            i += 1
            continue
        start, plain, body = i + 1, lines[i].strip() == "```", []
        i += 1
        while i < len(lines) and not lines[i].startswith("```"):
            body.append(lines[i])
            i += 1
        i += 1
        if not plain or not body or not body[0].startswith("$ "):
            continue
        cmds = []
        for line in body:
            if line.startswith("$ "):
                cmds.append((line[2:], []))
            else:
                cmds[-1][1].append(line)
        blocks.append((start + 1, cmds))
    return blocks


def tokens(line):
    """The line as words and numbers, durations masked."""
    out = []
    for part in NUMBER.split(DURATION.sub("in T s", line)):
        if NUMBER.fullmatch(part):
            out.append(part)
        else:
            out.extend(part.split())
    return out


def same_line(expected, actual):
    e, a = tokens(expected), tokens(actual)
    if len(e) != len(a):
        return False
    for x, y in zip(e, a):
        if x == y:
            continue
        if not (NUMBER.fullmatch(x) and NUMBER.fullmatch(y)) or "." not in x + y:
            return False
        fx, fy = float(x), float(y)
        if abs(fx - fy) > 0.005 * max(abs(fx), abs(fy)) + 1e-4:
            return False
    return True


def matches(expected, out, err):
    """None when expected is an interleaving of out and err (with "..." for the rest),
    else the first expected line that could not be placed."""
    o = [l for l in out.split("\n") if l != ""]
    r = [l for l in err.split("\n") if l != "" and not l.startswith("warning: OpenBLAS")]
    expected = [l for l in expected if l != ""]
    for k, line in enumerate(expected):
        if line == "...":
            return None if k == len(expected) - 1 else "'...' must be a command's last line"
        if o and same_line(line, o[0]):
            o.pop(0)
        elif r and same_line(line, r[0]):
            r.pop(0)
        else:
            return line
    if o or r:
        return "(end of output), but it goes on: " + (o or r)[0]
    return None


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: test_readme.py SOSO")
    soso = os.path.abspath(sys.argv[1])
    readme = os.path.join(TOP, "README.md")
    blocks = transcripts(open(readme, encoding="utf-8").read())
    work = tempfile.mkdtemp(prefix="soso-readme.")
    bindir = os.path.join(work, "bin")
    os.mkdir(bindir)
    os.symlink(soso, os.path.join(bindir, "soso"))
    os.symlink(os.path.join(TOP, "data"), os.path.join(work, "data"))
    env = dict(os.environ, PATH=bindir + os.pathsep + os.environ.get("PATH", ""))
    passed = failed = 0
    try:
        if not blocks:
            print("FAIL README.md: no transcript found")
            failed += 1
        for line_no, cmds in blocks:
            for cmd, expected in cmds:
                p = subprocess.run(["bash", "-c", cmd], cwd=work, env=env, capture_output=True, text=True, timeout=300)
                bad = matches(expected, p.stdout, p.stderr)
                if bad is None:
                    passed += 1
                    continue
                failed += 1
                print("FAIL README.md block at line %d: $ %s" % (line_no, cmd))
                print("  expected: %s" % bad)
                print("  stdout:\n" + "".join("    " + l + "\n" for l in p.stdout.splitlines()[:20]), end="")
                print("  stderr:\n" + "".join("    " + l + "\n" for l in p.stderr.splitlines()[:20]), end="")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
