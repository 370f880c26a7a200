//! Rendering of what the server streams back, shared by the commands and
//! the interactive chat: progress streams ([`progress`]), model details
//! ([`show`]) and reply statistics ([`stats`]).

pub mod progress;
pub mod show;
pub mod stats;
