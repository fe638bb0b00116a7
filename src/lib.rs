#![doc = include_str!("../README.md")]

pub use mosel_data as data;
pub use mosel_metrics as metrics;
