//! The exit-code contract (DESIGN.md §5): one function maps any error to its code.

use crate::config::ConfigError;
use crate::queue::QueueError;

/// The documented exit code for an error that ended a command.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<QueueError>() {
            return e.exit_code();
        }
        if cause.downcast_ref::<ConfigError>().is_some() {
            return 2;
        }
    }
    1
}
