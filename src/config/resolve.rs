//! Precedence: one small pure function decides which source wins.
