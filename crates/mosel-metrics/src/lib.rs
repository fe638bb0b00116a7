//! mosel-metrics
