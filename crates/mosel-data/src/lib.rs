//! mosel-data
