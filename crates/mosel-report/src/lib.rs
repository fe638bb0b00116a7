//! mosel-report
