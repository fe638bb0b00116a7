//! Class labels as integer codes.

/// A class label given as a small non-negative integer code (0, 1, 2, ...).
///
/// The library works on codes; a caller with string labels maps them to codes
/// first (the `mosel` CLI does so). Implemented for the unsigned integer types.
pub trait Label: Copy + Send + Sync + 'static {
    /// The code as an index.
    fn code(self) -> usize;
}

macro_rules! impl_label {
    ($($t:ty),*) => {$(
        impl Label for $t {
            #[inline(always)]
            fn code(self) -> usize {
                self as usize
            }
        }
    )*};
}
impl_label!(u8, u16, u32, u64, usize);

impl Label for bool {
    #[inline(always)]
    fn code(self) -> usize {
        self as usize
    }
}

/// Largest supported number of distinct class codes for dense confusion matrices.
pub const MAX_CLASSES: usize = 4096;

/// Largest code in `y` (0 for an empty slice).
pub(crate) fn max_code<L: Label>(y: &[L]) -> usize {
    y.iter().fold(0usize, |m, &x| m.max(x.code()))
}
