//! mosel-tune
