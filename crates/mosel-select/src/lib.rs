//! mosel-select
