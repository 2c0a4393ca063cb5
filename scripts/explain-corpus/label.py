"""Writes the corpus: raw client lines (client, version, case cause, line), de-duplicated, with
lines that do not name their cause relabelled `vague:<case cause>` (regexes in vague-lines.txt),
followed by the Java and .NET lines quoted from their sources (static-lines.tsv)."""
import re
import sys

raw, vague_file, static_file, out = sys.argv[1:5]
# `regex` applies to every case, `case<TAB>regex` to that case's lines only.
vague = []
for l in open(vague_file):
    if l.strip() and not l.startswith("#"):
        case, _, rx = l.rstrip("\n").rpartition("\t")
        vague.append((case, re.compile(rx, re.I)))
# Clients that do not show the case's failure: they follow redirects (the line is then about
# where they were sent), or ignore proxy variables (the line is then a DNS failure).
EXCLUDE = {("go-http", "http_redirect"), ("python-http", "http_redirect"), ("node-proto", "proxy_failure")}
# Lines that are only the frame of a multi-line repr (grpcio's `<_InactiveRpcError …>`).
NOISE = re.compile(r"^(<_InactiveRpcError|status = StatusCode\.|>$)")
seen = set()
rows = []
for rec in open(raw, encoding="utf-8", errors="replace"):
    parts = rec.rstrip("\n").split("\t", 3)
    if len(parts) != 4:
        continue
    client, version, cause, line = parts
    line = line.strip()[:600]
    if len(line) < 4 or NOISE.search(line) or (client, cause) in EXCLUDE or (client, cause, line) in seen:
        continue
    seen.add((client, cause, line))
    # grpc tried `localhost` as ::1 first, where the IPv4-only server is not: the line reports
    # that refusal, which is what it names.
    if "%5B::1%5D" in line and "refused" in line:
        cause = "address_family_mismatch"
    label = f"vague:{cause}" if any((not c or c == cause) and v.search(line) for c, v in vague) else cause
    rows.append((client, version, label, line))
with open(out, "w", encoding="utf-8") as f:
    f.write("# explain corpus: client\tversion\tcause or vague:<cause>\terror line\n")
    f.write("# regenerate: scripts/explain-corpus/run.sh (real clients on loopback; not run in CI)\n")
    for r in sorted(rows, key=lambda r: (r[2].removeprefix('vague:'), r[0], r[3])):
        f.write("\t".join(r) + "\n")
    for l in open(static_file, encoding="utf-8"):
        if l.strip() and not l.startswith("#"):
            f.write(l if l.endswith("\n") else l + "\n")
