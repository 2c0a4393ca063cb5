//! `runner doctor bundle`: `Exit::Ok` when the bundle was written, `Exit::Usage` when it
//! could not be.

use super::{runtime, usage_error};
use crate::bundle::{self, BundleOptions};
use crate::cli::BundleArgs;
use crate::config::Environment;
use crate::report::Exit;

pub fn command(args: &BundleArgs, env: &Environment) -> Exit {
    let opts = BundleOptions {
        config_path: args.config.config.clone(),
        output: args.output.clone().unwrap_or_else(bundle::default_name),
        force: args.force,
        timeout: args.timeout,
    };
    let written = match bundle::write(&opts, env, &runtime()) {
        Ok(w) => w,
        Err(e) => return usage_error(e),
    };
    // What leaves goes through the egress scrubber, as every other command's output does.
    use crate::redact::egress::{print, scrub};
    for f in &written.not_gathered {
        eprintln!(
            "{}",
            scrub(&format!(
                "runner: warning: {} not gathered: {}",
                f.item, f.error
            ))
        );
    }
    print(&format!(
        "Support bundle written to {} ({}, mode 0600).\n{}\n",
        written.path.display(),
        bundle::human_size(written.size),
        written.summary
    ));
    Exit::Ok
}
