//! mosel
