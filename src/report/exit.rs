//! The process exit codes every command uses, named (the table is `docs/exit-codes.md`).

use super::Verdict;
use crate::cause::{Finding, Severity};

/// What a command's exit status says. Every command maps its outcome onto these; which
/// outcome is which code per command is `docs/exit-codes.md`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Done, and nothing to act on: no `error` finding, a pasted line recognised, a bundle
    /// written, the runner stopped by a signal.
    Ok,
    /// Done, and something to act on: an `error` finding (`doctor otel`/`collector`,
    /// `run --preflight strict`), or nothing recognised (`doctor explain`).
    Problem,
    /// Could not run as asked: a bad flag, a configuration or input that cannot be read.
    Usage,
    /// `runner run` aborted by a second stop signal while jobs drained (128 + SIGINT, as shells
    /// report an interrupted program).
    Aborted,
}

impl Exit {
    /// The status the process ends with.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Problem => 1,
            Exit::Usage => 2,
            Exit::Aborted => 130,
        }
    }

    /// `Problem` when `problem` holds, else `Ok`.
    pub fn problem_if(problem: bool) -> Exit {
        if problem {
            Exit::Problem
        } else {
            Exit::Ok
        }
    }

    /// A report's exit: `Problem` when any finding is an error (verdict `broken`), else `Ok`.
    pub fn of(findings: &[Finding]) -> Exit {
        Exit::problem_if(Verdict::of(findings) == Verdict::Broken)
    }
}

impl From<Exit> for std::process::ExitCode {
    fn from(e: Exit) -> Self {
        std::process::ExitCode::from(e.code())
    }
}

impl Verdict {
    /// `broken` on any error, `degraded` on any warning, else `healthy`: the one verdict both
    /// reports (`doctor otel`, `doctor collector`) give.
    pub fn of(findings: &[Finding]) -> Verdict {
        match findings.iter().map(|f| f.severity).max() {
            Some(Severity::Error) => Verdict::Broken,
            Some(Severity::Warning) => Verdict::Degraded,
            _ => Verdict::Healthy,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_codes_are_the_documented_ones() {
        assert_eq!(
            [Exit::Ok, Exit::Problem, Exit::Usage, Exit::Aborted].map(Exit::code),
            [0, 1, 2, 130]
        );
        assert_eq!(Exit::of(&[]), Exit::Ok);
    }
}
