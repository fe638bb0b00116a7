//! One parallel pass over the rows of a score or probability matrix that
//! checks every entry and sums a per-row value, with results that do not
//! depend on the number of threads.
//!
//! Rows are cut into chunks of about [`CHUNK`] entries (a size fixed by the
//! shape of the data, not one chunk per thread, and small enough to stay in
//! the L1 cache between the check and the per-row values); each chunk is
//! summed in a fixed order, and the chunk sums are added pairwise in chunk
//! order.

use std::ops::Range;

use rayon::prelude::*;

/// Entries per chunk (rows of several entries make chunks of fewer rows).
const CHUNK: usize = 1 << 12;
/// Inputs with fewer rows than this are scanned on the calling thread.
const PARALLEL_ROWS: usize = 1 << 15;

/// What a scan found.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Scan {
    /// Weighted sum of the per-row values.
    pub sum: f64,
    /// Sum of the weights (the number of rows without weights).
    pub weight: f64,
    /// Smallest entry.
    pub lo: f64,
    /// Largest entry.
    pub hi: f64,
    /// Whether every entry is finite.
    pub finite: bool,
}

impl Scan {
    const EMPTY: Scan = Scan {
        sum: 0.0,
        weight: 0.0,
        lo: f64::INFINITY,
        hi: f64::NEG_INFINITY,
        finite: true,
    };

    fn merge(a: Scan, b: Scan) -> Scan {
        Scan {
            sum: a.sum + b.sum,
            weight: a.weight + b.weight,
            lo: a.lo.min(b.lo),
            hi: a.hi.max(b.hi),
            finite: a.finite && b.finite,
        }
    }
}

/// Scans the `n` rows of the row-major `entries` (`entries.len() / n` per
/// row): the range and finiteness of all entries, and `Σ w_i v_i` and `Σ w_i`
/// over the rows (`w_i = 1` without weights). `values(rows, out)` writes the
/// value `v_i` of each row of the range `rows` into `out` (a simple loop over
/// slices, which the compiler can vectorise); it is not called on a chunk with
/// a non-finite entry.
pub(crate) fn scan_rows(
    n: usize,
    entries: &[f64],
    w: Option<&[f64]>,
    values: impl Fn(Range<usize>, &mut [f64]) + Sync,
) -> Scan {
    if n == 0 {
        return Scan::EMPTY;
    }
    let per_row = (entries.len() / n).max(1);
    let chunk_rows = (CHUNK / per_row).max(1);
    #[cfg(target_arch = "x86_64")]
    let avx2 = is_x86_feature_detected!("avx2");
    let chunk = |start: usize| {
        let rows = start..(start + chunk_rows).min(n);
        let entries = &entries[rows.start * per_row..rows.end * per_row];
        #[cfg(target_arch = "x86_64")]
        if avx2 {
            // SAFETY: `avx2` says the running CPU has AVX2.
            return unsafe { scan_chunk_avx2(rows, entries, w, &values) };
        }
        scan_chunk(rows, entries, w, &values)
    };
    let starts = (0..n).step_by(chunk_rows);
    let partials: Vec<Scan> = if n < PARALLEL_ROWS {
        starts.map(chunk).collect()
    } else {
        starts
            .collect::<Vec<_>>()
            .into_par_iter()
            .map(chunk)
            .collect()
    };
    pairwise(&partials)
}

/// [`scan_chunk`] compiled for AVX2: the same operations in the same order
/// (Rust never fuses a multiply and an add on its own), so the same results,
/// in wider registers.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn scan_chunk_avx2(
    rows: Range<usize>,
    entries: &[f64],
    w: Option<&[f64]>,
    values: &impl Fn(Range<usize>, &mut [f64]),
) -> Scan {
    scan_chunk(rows, entries, w, values)
}

/// One chunk of [`scan_rows`]: the range of its `entries`, then the sum of
/// the values of its `rows`.
#[inline(always)]
fn scan_chunk(
    rows: Range<usize>,
    entries: &[f64],
    w: Option<&[f64]>,
    values: &impl Fn(Range<usize>, &mut [f64]),
) -> Scan {
    let mut s = entry_range(entries);
    if !s.finite {
        return s;
    }
    let mut v = vec![0.0; rows.len()];
    values(rows.clone(), &mut v);
    match w {
        None => {
            s.sum = lane_sum(0..v.len(), |i| v[i]);
            s.weight = v.len() as f64;
        }
        Some(w) => {
            let w = &w[rows];
            s.sum = lane_sum(0..v.len(), |i| w[i] * v[i]);
            s.weight = lane_sum(0..v.len(), |i| w[i]);
        }
    }
    s
}

/// Independent accumulators in [`lane_sum`] and [`entry_range`]: they break
/// the chain of dependent additions and let the compiler vectorise.
const LANES: usize = 8;

/// `Σ f(i)` over `rows`, in [`LANES`] interleaved partial sums (a fixed order).
#[inline(always)]
fn lane_sum(rows: Range<usize>, f: impl Fn(usize) -> f64) -> f64 {
    let mut acc = [0.0; LANES];
    let full = rows.start + rows.len() / LANES * LANES;
    for i in (rows.start..full).step_by(LANES) {
        for (l, a) in acc.iter_mut().enumerate() {
            *a += f(i + l);
        }
    }
    let tail: f64 = (full..rows.end).map(f).sum();
    pairwise_f64(&acc) + tail
}

/// Pairwise sum of a few values.
fn pairwise_f64(v: &[f64]) -> f64 {
    match v.len() {
        0 => 0.0,
        1 => v[0],
        n => pairwise_f64(&v[..n / 2]) + pairwise_f64(&v[n / 2..]),
    }
}

/// Range and finiteness of `x`, in [`LANES`] lanes.
#[inline(always)]
fn entry_range(x: &[f64]) -> Scan {
    let mut lo = [f64::INFINITY; LANES];
    let mut hi = [f64::NEG_INFINITY; LANES];
    let mut bad = [0.0; LANES]; // v * 0 is NaN for NaN and for infinities
    let mut blocks = x.chunks_exact(LANES);
    for b in &mut blocks {
        for l in 0..LANES {
            lo[l] = if b[l] < lo[l] { b[l] } else { lo[l] };
            hi[l] = if b[l] > hi[l] { b[l] } else { hi[l] };
            bad[l] += b[l] * 0.0;
        }
    }
    for (l, &v) in blocks.remainder().iter().enumerate() {
        lo[l] = if v < lo[l] { v } else { lo[l] };
        hi[l] = if v > hi[l] { v } else { hi[l] };
        bad[l] += v * 0.0;
    }
    Scan {
        lo: lo.iter().fold(f64::INFINITY, |a, &b| a.min(b)),
        hi: hi.iter().fold(f64::NEG_INFINITY, |a, &b| a.max(b)),
        finite: bad.iter().all(|&b| b == 0.0),
        ..Scan::EMPTY
    }
}

/// Merges partial scans pairwise, in order.
fn pairwise(v: &[Scan]) -> Scan {
    match v.len() {
        0 => Scan::EMPTY,
        1 => v[0],
        n => Scan::merge(pairwise(&v[..n / 2]), pairwise(&v[n / 2..])),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_ranges_and_finiteness() {
        let n = 100_003;
        let x: Vec<f64> = (0..2 * n).map(|i| (i % 1000) as f64 / 999.0).collect();
        let w: Vec<f64> = (0..n).map(|i| (i % 3) as f64).collect();
        let every_other = |r: Range<usize>, out: &mut [f64]| {
            for (o, i) in out.iter_mut().zip(r) {
                *o = x[2 * i];
            }
        };
        let s = scan_rows(n, &x, None, every_other);
        let want: f64 = (0..n).map(|i| x[2 * i]).sum();
        assert!((s.sum - want).abs() <= 1e-9 * want);
        assert_eq!((s.weight, s.lo, s.hi, s.finite), (n as f64, 0.0, 1.0, true));
        let s = scan_rows(n, &x, Some(&w), every_other);
        let want: f64 = (0..n).map(|i| w[i] * x[2 * i]).sum();
        assert!((s.sum - want).abs() <= 1e-9 * want);
        assert_eq!(s.weight, w.iter().sum::<f64>());
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            let mut y = x.clone();
            y[77_777] = bad;
            assert!(!scan_rows(n, &y, None, |_, _| ()).finite);
        }
    }

    /// The AVX2 copy computes exactly what the portable one does.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn avx2_chunks_match_the_portable_ones() {
        if !is_x86_feature_detected!("avx2") {
            return;
        }
        let n = 1001;
        let x: Vec<f64> = (0..3 * n)
            .map(|i| ((i * 7919) % 10007) as f64 / 10007.0 - 0.3)
            .collect();
        let w: Vec<f64> = (0..n).map(|i| (i % 5) as f64 * 0.7).collect();
        let values = |r: Range<usize>, out: &mut [f64]| {
            for (o, i) in out.iter_mut().zip(r) {
                *o = (x[3 * i] * 3.1).exp() - x[3 * i + 2];
            }
        };
        for weights in [None, Some(&w[..])] {
            let plain = scan_chunk(0..n, &x, weights, &values);
            // SAFETY: the CPU has AVX2 (checked above).
            let wide = unsafe { scan_chunk_avx2(0..n, &x, weights, &values) };
            assert_eq!(plain, wide);
        }
    }

    #[test]
    fn result_does_not_depend_on_the_thread_count() {
        let n = 300_000;
        let x: Vec<f64> = (0..n)
            .map(|i| ((i * 7919) % 10007) as f64 / 10007.0)
            .collect();
        let run = |threads| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(threads)
                .build()
                .unwrap()
                .install(|| {
                    scan_rows(n, &x, None, |r, out| {
                        for (o, &v) in out.iter_mut().zip(&x[r]) {
                            *o = v.ln_1p();
                        }
                    })
                })
        };
        assert_eq!(run(1), run(3));
    }
}
