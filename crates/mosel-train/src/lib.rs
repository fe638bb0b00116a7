//! mosel-train
