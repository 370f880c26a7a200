//! Rendering of what the server sends back, shared by the commands and the
//! interactive chat: replies as they stream ([`reply`], with word wrapping
//! in [`wrap`] and Markdown in [`markdown`]) and their statistics
//! ([`stats`]), progress streams ([`progress`]), model details ([`show`]),
//! tool calls and results ([`tools`]), the escape codes of all of them
//! ([`style`]), and the spinner shown while a reply is awaited
//! ([`waiting`]); [`cursor`] tells whether a reply left a line open.

pub mod cursor;
pub mod markdown;
pub mod progress;
pub mod reply;
pub mod show;
pub mod stats;
pub mod style;
pub mod tools;
pub mod waiting;
pub mod wrap;
