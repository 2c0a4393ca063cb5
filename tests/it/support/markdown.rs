//! Reading the repository's Markdown pages in tests: the rows of a table and the text of a code
//! span, so a page that states what the program does can be checked against the program.

/// The body rows of the first table whose header row starts with `| {first} |`, each row's
/// cells trimmed (`\|` unescaped to `|`).
pub fn table(page: &str, first: &str) -> Vec<Vec<String>> {
    let header = format!("| {first} |");
    let mut lines = page.lines().skip_while(|l| !l.starts_with(&header));
    lines.next(); // the header
    lines.next(); // |---|
    lines
        .take_while(|l| l.starts_with('|'))
        .map(cells)
        .collect()
}

fn cells(row: &str) -> Vec<String> {
    let row = row.trim().trim_start_matches('|').trim_end_matches('|');
    let mut out = vec![String::new()];
    let mut chars = row.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'|') => {
                out.last_mut().unwrap().push('|');
                chars.next();
            }
            '|' => out.push(String::new()),
            c => out.last_mut().unwrap().push(c),
        }
    }
    out.into_iter().map(|c| c.trim().to_string()).collect()
}

/// The text inside a cell that is one code span: `` `x` `` gives `x`.
pub fn code(cell: &str) -> Option<&str> {
    cell.strip_prefix('`')?.strip_suffix('`')
}

#[cfg(test)]
mod tests {
    #[test]
    fn rows_are_cut_at_unescaped_bars() {
        let page = "x\n| a | b |\n|---|---|\n| `1` | `p \\| q` |\n\nafter\n";
        let rows = super::table(page, "a");
        assert_eq!(rows, vec![vec!["`1`".to_string(), "`p | q`".to_string()]]);
        assert_eq!(super::code(&rows[0][1]), Some("p | q"));
    }
}
