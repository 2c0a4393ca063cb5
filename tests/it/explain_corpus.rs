//! `runner doctor explain` scored on the corpus of error lines that real clients printed against
//! real broken endpoints (tests/data/explain-corpus.tsv, made by scripts/explain-corpus/run.sh):
//! top-1 ≥ 95% on lines that name a cause, and at least one candidate for every line.

use runner::cause::Cause;
use runner::explain::explain;
use std::collections::BTreeMap;

const CORPUS: &str = include_str!("../data/explain-corpus.tsv");

struct Row<'a> {
    client: &'a str,
    cause: Cause,
    vague: bool,
    line: &'a str,
}

fn rows() -> Vec<Row<'static>> {
    CORPUS
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|l| {
            let f: Vec<&str> = l.splitn(4, '\t').collect();
            assert_eq!(f.len(), 4, "corpus row has 4 fields: {l}");
            let (vague, code) = match f[2].strip_prefix("vague:") {
                Some(c) => (true, c),
                None => (false, f[2]),
            };
            let cause = Cause::from_code(code).unwrap_or_else(|| panic!("not a cause: {code}"));
            Row {
                client: f[0],
                cause,
                vague,
                line: f[3],
            }
        })
        .collect()
}

#[test]
fn corpus_top1_and_candidates_meet_the_goal() {
    let rows = rows();
    assert!(rows.len() >= 200, "corpus too small: {}", rows.len());
    let (mut named, mut top1, mut vague, mut vague_in, mut none) = (0, 0, 0, 0, Vec::new());
    let mut per_client: BTreeMap<&str, (u32, u32)> = BTreeMap::new();
    let mut misses = Vec::new();
    for r in &rows {
        let got: Vec<Cause> = explain(r.line).iter().map(|m| m.cause).collect();
        if got.is_empty() {
            none.push(r.line);
        }
        if r.vague {
            vague += 1;
            if got.contains(&r.cause) {
                vague_in += 1;
            } else {
                misses.push(format!("vague {} [{}] not among {got:?}: {}", r.client, r.cause, r.line));
            }
            continue;
        }
        named += 1;
        let e = per_client.entry(r.client).or_default();
        e.0 += 1;
        if got.first() == Some(&r.cause) {
            top1 += 1;
            e.1 += 1;
        } else {
            misses.push(format!("{} [{}] got {:?}: {}", r.client, r.cause, got.first(), r.line));
        }
    }
    let pct = 100.0 * f64::from(top1) / f64::from(named);
    eprintln!("corpus: {} lines; named {named}, top-1 {top1} ({pct:.1}%); vague {vague}, case cause among candidates {vague_in}", rows.len());
    for (c, (n, ok)) in &per_client {
        eprintln!("  {c:14} {ok}/{n}");
    }
    for m in &misses {
        eprintln!("  miss: {m}");
    }
    assert!(none.is_empty(), "lines without any candidate: {none:#?}");
    assert!(pct >= 95.0, "top-1 {pct:.1}% is below 95%");
    assert!(
        f64::from(vague_in) >= 0.9 * f64::from(vague),
        "vague lines: the case's cause is a candidate for only {vague_in} of {vague}"
    );
}
