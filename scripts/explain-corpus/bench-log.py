"""Writes a log of about SIZE_MB megabytes for the `explain --file` benchmark: ordinary job lines
with the real logs of tests/data/explain-logs and the corpus' error lines mixed in (1 in 10),
times and ports varying. Usage: bench-log.py OUT [SIZE_MB]"""
import glob
import os
import random
import sys

out, size = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100
root = os.path.join(os.path.dirname(__file__), "..", "..", "tests", "data")
errors = [l.rstrip("\n").split("\t", 3)[3] for l in open(os.path.join(root, "explain-corpus.tsv"), encoding="utf-8") if not l.startswith("#")]
chunks = [open(p, encoding="utf-8", errors="replace").read() for p in glob.glob(os.path.join(root, "explain-logs", "*"))]
rnd = random.Random(7)
limit = size * 1024 * 1024
with open(out, "w", encoding="utf-8") as f:
    n = 0
    while f.tell() < limit:
        n += 1
        ts = f"2026-12-01T{n // 3600000 % 24:02d}:{n // 60000 % 60:02d}:{n // 1000 % 60:02d}.{n % 1000:03d}Z"
        r = rnd.random()
        if r < 0.09:
            f.write(f"{ts} warn exporter: {rnd.choice(errors).replace('4317', str(rnd.randint(1024, 65535)))}\n")
        elif r < 0.091:
            f.write(rnd.choice(chunks))
        else:
            f.write(f"{ts} info job {n} step {rnd.randint(1, 40)} finished in {rnd.randint(1, 9999)} ms (runner {rnd.randint(1, 8)}, stage build)\n")
