//! Wording of configuration findings: built from typed facts by the config stage.
