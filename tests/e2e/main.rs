//! End to end: the real `wildtrace` binary, on the demo marketplace and on
//! files a user would pass it, checked against the marketplace's own ground
//! truth (one test binary; one module per topic).

mod badconfig;
mod browser;
mod cli;
mod discover;
mod export;
mod flag;
mod inspect;
mod money;
mod notebooks;
mod pipeline;
mod resume;
mod schedule;
mod support;
mod takedowns;
