//! Sorting helpers: order-preserving float keys and an LSD radix sort.

/// Maps a finite f64 to a u64 with the same order (`-0.0` and `0.0` map to the
/// same key, as numpy treats them as equal scores).
#[inline(always)]
pub(crate) fn key(x: f64) -> u64 {
    let x = if x == 0.0 { 0.0 } else { x };
    let b = x.to_bits();
    if b >> 63 == 1 { !b } else { b | (1 << 63) }
}

/// Inverse of [`key`].
#[inline(always)]
pub(crate) fn unkey(k: u64) -> f64 {
    let b = if k >> 63 == 1 { k & !(1 << 63) } else { !k };
    f64::from_bits(b)
}

/// Sorts `v` ascending. LSD radix sort with 8-bit digits; digits on which all
/// keys agree are skipped (common for scores in a narrow range). Small inputs
/// use the standard library sort.
pub(crate) fn radix_sort_u64(v: &mut Vec<u64>) {
    let n = v.len();
    if n < 2048 {
        v.sort_unstable();
        return;
    }
    let mut hist = vec![[0usize; 256]; 8];
    for &x in v.iter() {
        for (d, h) in hist.iter_mut().enumerate() {
            h[((x >> (8 * d)) & 0xff) as usize] += 1;
        }
    }
    let mut buf = vec![0u64; n];
    for (d, h) in hist.iter().enumerate() {
        if h.contains(&n) {
            continue; // every key has the same digit here
        }
        let mut offs = [0usize; 256];
        let mut s = 0;
        for (o, &c) in offs.iter_mut().zip(h.iter()) {
            *o = s;
            s += c;
        }
        let shift = 8 * d;
        for &x in v.iter() {
            let b = ((x >> shift) & 0xff) as usize;
            buf[offs[b]] = x;
            offs[b] += 1;
        }
        std::mem::swap(v, &mut buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_preserve_order_and_round_trip() {
        let xs = [-1e300, -2.5, -1e-300, -0.0, 0.0, 1e-300, 0.5, 1.0, 3e300];
        for w in xs.windows(2) {
            assert!(key(w[0]) <= key(w[1]));
            assert_eq!(key(w[0]) == key(w[1]), w[0] == w[1]);
        }
        for &x in &xs {
            assert_eq!(unkey(key(x)), if x == 0.0 { 0.0 } else { x });
        }
    }

    #[test]
    fn radix_matches_std_sort() {
        let mut s = 0x9e3779b97f4a7c15u64;
        let mut v: Vec<u64> = (0..10_000)
            .map(|i| {
                s ^= s << 13;
                s ^= s >> 7;
                s ^= s << 17;
                if i % 3 == 0 {
                    key((s % 1000) as f64 / 7.0)
                } else {
                    s
                }
            })
            .collect();
        let mut w = v.clone();
        radix_sort_u64(&mut v);
        w.sort_unstable();
        assert_eq!(v, w);
    }
}
