//! The sorting engine behind the unweighted score metrics: it sorts the
//! (score, label) pairs of a binary problem and walks their distinct scores
//! from the highest down, giving cumulative true / false positive counts.
//!
//! Each row becomes one `u64`, `(key(score) - base) << 1 | is_positive`, where
//! `base` is the smallest key ([`Packing`]): equal scores end up adjacent and
//! the label travels with its score. Large inputs are sorted in two levels so
//! that every step is one streaming pass over memory or runs inside the cache:
//!
//! 1. one pass checks the scores, finds their range and counts rows in
//!    65,536 bins (laid over the range of a sample of the scores); runs of
//!    consecutive bins form buckets of about [`BUCKET_ROWS`] rows (few
//!    buckets, so a second pass scatters the rows into them cheaply);
//! 2. each bucket fits in cache and is sorted there: an LSD radix sort on
//!    its most significant varying bits (a few more than log2 of its size),
//!    then the rare runs that agree on those bits are sorted completely.
//!
//! Buckets are sorted and handed to the caller's function in parallel, while
//! they are still in cache. The histogram tells each bucket how many positives
//! and negatives lie above it, so partial results do not depend on one
//! another; the caller combines them in a fixed order, and which rows form a
//! bucket depends only on the data, so results do not depend on the number of
//! threads.

use std::ops::Range;

use rayon::prelude::*;

use crate::buffer::zeroed;
use crate::sort::{key, unkey};

/// Bits of the histogram that defines the buckets (65,536 bins).
const BIN_BITS: u32 = 16;
/// Target number of rows per bucket (1 MiB of values: sorted in cache).
const BUCKET_ROWS: u64 = 1 << 16;
/// Inputs up to this size are sorted in one piece with the standard library.
const SMALL: usize = 1 << 15;
/// Bits per radix digit.
const DIGIT: u32 = 11;
/// Bits a bucket is radix-sorted on beyond log2 of its size: rows that agree
/// on the sorted bits are sorted afterwards, which is cheap while such rows
/// are rare (about one in 2^SPARE_BITS for evenly spread scores).
const SPARE_BITS: u32 = 5;
/// Rows sampled to lay out the histogram bins.
const SAMPLE: usize = 4096;

/// How a (score, label) pair becomes one sortable `u64`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Packing {
    base: u64,
}

impl Packing {
    /// Packing for keys in `min_key..=max_key`; `None` when the span of keys
    /// needs all 64 bits (scores of both signs and large magnitude), which
    /// leaves no room for the label.
    fn new(min_key: u64, max_key: u64) -> Option<Self> {
        (max_key - min_key < 1 << 63).then_some(Self { base: min_key })
    }

    /// The packed value of one row.
    #[inline(always)]
    fn pack(&self, score: f64, positive: bool) -> u64 {
        ((key(score) - self.base) << 1) | positive as u64
    }

    /// The score of a packed value shifted right by one (label dropped).
    fn score(&self, k: u64) -> f64 {
        unkey(k + self.base)
    }
}

/// Numbers of positive and negative rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    /// Positive rows.
    pub pos: u64,
    /// Negative rows.
    pub neg: u64,
}

/// A sorted bucket of rows, as [`rank`] hands it to its caller.
pub(crate) struct Run<'a> {
    rows: &'a [u64],
    above: Counts,
    packing: Packing,
}

impl Run<'_> {
    /// Counts of the rows with larger scores than any in this run.
    pub(crate) fn above(&self) -> Counts {
        self.above
    }

    /// Calls `f(score, pos, neg)` for each distinct score in the run, highest
    /// first, with the numbers of positive / negative rows of that score.
    /// `score` is computed only when `f` uses it.
    #[inline]
    pub(crate) fn for_each_group_desc(&self, mut f: impl FnMut(&dyn Fn() -> f64, u64, u64)) {
        let v = self.rows;
        let mut i = v.len();
        while i > 0 {
            let k = v[i - 1] >> 1;
            let (mut pos, mut n) = (0, 0);
            while i > 0 && v[i - 1] >> 1 == k {
                pos += v[i - 1] & 1;
                n += 1;
                i -= 1;
            }
            f(&|| self.packing.score(k), pos, n - pos);
        }
    }
}

/// What [`rank`] found.
pub(crate) enum Ranking<R> {
    /// The callback's results, from the highest scores down, and the totals.
    Ranked {
        /// One result per bucket.
        parts: Vec<R>,
        /// Numbers of positive and negative rows.
        total: Counts,
    },
    /// Some score is NaN or infinite.
    NonFinite,
    /// The scores span too wide a range to pack a label beside them.
    TooWide,
}

/// Memory [`rank_with`] can keep from one ranking to the next: ranking many
/// problems of the same size (one per class) then touches no fresh pages,
/// which costs as much as the sorting itself.
#[derive(Debug, Default)]
pub(crate) struct RankBuffers {
    /// Each part's rows, scattered by bucket (every entry is overwritten).
    scattered: Vec<Vec<u64>>,
}

/// Sorts rows `0..n` (score `score(i)`, positive when `is_pos(i)`) and calls
/// `f` on every sorted bucket, in parallel (see the module documentation).
pub(crate) fn rank<R: Send>(
    n: usize,
    score: impl Fn(usize) -> f64 + Sync,
    is_pos: impl Fn(usize) -> bool + Sync,
    f: impl Fn(&Run) -> R + Sync,
) -> Ranking<R> {
    rank_with(&mut RankBuffers::default(), n, score, is_pos, f)
}

/// [`rank`] with buffers kept by the caller.
pub(crate) fn rank_with<R: Send>(
    buffers: &mut RankBuffers,
    n: usize,
    score: impl Fn(usize) -> f64 + Sync,
    is_pos: impl Fn(usize) -> bool + Sync,
    f: impl Fn(&Run) -> R + Sync,
) -> Ranking<R> {
    if n <= SMALL {
        rank_small(n, &score, &is_pos, &f)
    } else {
        rank_large(buffers, n, &score, &is_pos, &f)
    }
}

/// The packing for keys in `lo..=hi`, or why there is none.
fn packing_for<R>(lo: u64, hi: u64) -> Result<Packing, Ranking<R>> {
    if lo < key(-f64::MAX) || hi > key(f64::MAX) {
        return Err(Ranking::NonFinite); // NaN and infinities have keys beyond these
    }
    Packing::new(lo, hi).ok_or(Ranking::TooWide)
}

/// [`rank`] of a small input: one bucket, sorted by the standard library.
fn rank_small<R>(
    n: usize,
    score: &impl Fn(usize) -> f64,
    is_pos: &impl Fn(usize) -> bool,
    f: &impl Fn(&Run) -> R,
) -> Ranking<R> {
    let (lo, hi) = (0..n).fold((u64::MAX, 0), |(lo, hi), i| {
        let k = key(score(i));
        (lo.min(k), hi.max(k))
    });
    let packing = match packing_for(lo, hi) {
        Ok(p) => p,
        Err(e) => return e,
    };
    let mut rows: Vec<u64> = (0..n).map(|i| packing.pack(score(i), is_pos(i))).collect();
    rows.sort_unstable();
    let pos = rows.iter().map(|&x| x & 1).sum::<u64>();
    let run = Run {
        rows: &rows,
        above: Counts::default(),
        packing,
    };
    Ranking::Ranked {
        parts: vec![f(&run)],
        total: Counts {
            pos,
            neg: n as u64 - pos,
        },
    }
}

/// Histogram bins laid linearly over a range of keys; keys outside it fall
/// into the first or last bin.
#[derive(Clone, Copy)]
struct Bins {
    lo: u64,
    hi: u64,
    shift: u32,
}

impl Bins {
    /// Bins over the range of the keys of [`SAMPLE`] evenly spaced rows.
    fn from_sample(n: usize, score: &impl Fn(usize) -> f64) -> Self {
        let (lo, hi) = (0..SAMPLE).fold((u64::MAX, 0), |(lo, hi), j| {
            let k = key(score(j * (n - 1) / (SAMPLE - 1)));
            (lo.min(k), hi.max(k))
        });
        let hi = hi.max(lo);
        let span_bits = 64 - (hi - lo).leading_zeros();
        Self {
            lo,
            hi,
            shift: span_bits.saturating_sub(BIN_BITS),
        }
    }

    /// The bin of a key (equal keys share a bin; bins are ordered like keys).
    #[inline(always)]
    fn of(&self, k: u64) -> usize {
        ((k.clamp(self.lo, self.hi) - self.lo) >> self.shift) as usize
    }
}

/// What the first pass learns from one part of the rows.
struct Scan {
    lo: u64,
    hi: u64,
    /// Per bin: number of rows in the low 32 bits, of positives in the high.
    hist: Vec<u64>,
}

/// Splits `0..n` into `parts` near-equal ranges.
fn split(n: usize, parts: usize) -> Vec<Range<usize>> {
    let step = n.div_ceil(parts);
    (0..parts)
        .map(|p| (p * step).min(n)..((p + 1) * step).min(n))
        .collect()
}

/// [`rank`] of a large input: two passes over the rows, then the buckets.
fn rank_large<R: Send>(
    buffers: &mut RankBuffers,
    n: usize,
    score: &(impl Fn(usize) -> f64 + Sync),
    is_pos: &(impl Fn(usize) -> bool + Sync),
    f: &(impl Fn(&Run) -> R + Sync),
) -> Ranking<R> {
    // Parts of fewer than 2^32 rows, so that bin counts fit in 32 bits.
    let n_parts = rayon::current_num_threads()
        .clamp(1, n / SMALL)
        .max(n.div_ceil(u32::MAX as usize));
    let parts = split(n, n_parts);
    let bins = Bins::from_sample(n, score);

    // Pass 1: range of keys and a histogram of bins, per part.
    let scans: Vec<Scan> = parts
        .par_iter()
        .map(|r| {
            let mut hist = vec![0u64; 1 << BIN_BITS];
            let (mut lo, mut hi) = (u64::MAX, 0);
            for i in r.clone() {
                let k = key(score(i));
                lo = lo.min(k);
                hi = hi.max(k);
                hist[bins.of(k)] += 1 | (is_pos(i) as u64) << 32;
            }
            Scan { lo, hi, hist }
        })
        .collect();
    let lo = scans.iter().map(|s| s.lo).min().unwrap_or(0);
    let hi = scans.iter().map(|s| s.hi).max().unwrap_or(0);
    let packing = match packing_for(lo, hi) {
        Ok(p) => p,
        Err(e) => return e,
    };

    // Runs of consecutive bins form buckets of about BUCKET_ROWS rows.
    let mut lut = vec![0u32; 1 << BIN_BITS];
    let mut sizes = vec![Counts::default()];
    for (b, slot) in lut.iter_mut().enumerate() {
        let last = sizes.len() - 1;
        *slot = last as u32;
        for s in &scans {
            let (rows, pos) = (s.hist[b] & 0xffff_ffff, s.hist[b] >> 32);
            sizes[last].pos += pos;
            sizes[last].neg += rows - pos;
        }
        if sizes[last].pos + sizes[last].neg >= BUCKET_ROWS {
            sizes.push(Counts::default());
        }
    }
    let n_buckets = sizes.len();
    let mut above = vec![Counts::default(); n_buckets];
    let mut total = Counts::default();
    for b in (0..n_buckets).rev() {
        above[b] = total;
        total.pos += sizes[b].pos;
        total.neg += sizes[b].neg;
    }

    // Where each part's rows of each bucket start in that part's output.
    let starts: Vec<Vec<usize>> = scans
        .iter()
        .map(|s| {
            let mut counts = vec![0usize; n_buckets + 1];
            for (b, &c) in s.hist.iter().enumerate() {
                counts[lut[b] as usize + 1] += (c & 0xffff_ffff) as usize;
            }
            for k in 1..=n_buckets {
                counts[k] += counts[k - 1];
            }
            counts
        })
        .collect();

    // Pass 2: every part scatters its packed rows into its own output, by bucket.
    let outs = &mut buffers.scattered;
    outs.resize_with(parts.len(), Vec::new);
    for (out, r) in outs.iter_mut().zip(&parts) {
        if out.len() >= r.len() {
            out.truncate(r.len()); // stale entries: all overwritten below
        } else {
            *out = zeroed::<u64>(r.len());
        }
    }
    parts
        .par_iter()
        .zip(outs.par_iter_mut())
        .zip(&starts)
        .for_each(|((r, out), s)| {
            let mut next = s[..n_buckets].to_vec();
            for i in r.clone() {
                let x = score(i);
                let b = lut[bins.of(key(x))] as usize;
                out[next[b]] = packing.pack(x, is_pos(i));
                next[b] += 1;
            }
        });
    let outs = &*outs;

    // Each bucket gathers its rows from every part, is sorted in cache and
    // handed to `f` right away.
    let mut parts: Vec<R> = (0..n_buckets)
        .into_par_iter()
        .map_init(
            || (Vec::new(), Vec::new()),
            |(rows, tmp), b| {
                rows.clear();
                for (out, s) in outs.iter().zip(&starts) {
                    rows.extend_from_slice(&out[s[b]..s[b + 1]]);
                }
                sort_in_cache(rows, tmp);

                f(&Run {
                    rows,
                    above: above[b],
                    packing,
                })
            },
        )
        .collect();

    parts.reverse();
    Ranking::Ranked { parts, total }
}

/// Sorts `v` ascending: LSD radix sort on its `log2(len) + SPARE_BITS` most
/// significant varying bits (whole digits), then a full sort of each run of
/// values equal on those bits.
fn sort_in_cache(v: &mut Vec<u64>, tmp: &mut Vec<u64>) {
    if v.len() <= 256 {
        v.sort_unstable();
        return;
    }
    let first = v[0];
    let varying = v.iter().fold(0, |o, &x| o | (x ^ first));
    let hi = 64 - varying.leading_zeros();
    if hi == 0 {
        return; // all equal
    }
    let bits = (v.len().ilog2() + SPARE_BITS)
        .next_multiple_of(DIGIT)
        .min(3 * DIGIT);
    let lo = hi.saturating_sub(bits);
    radix_sort_bits(v, tmp, lo, hi);
    if lo > 0 {
        sort_equal_prefix_runs(v, lo);
    }
}

/// Stable LSD radix sort of `v` on bits `lo..hi` (at most three digits of
/// [`DIGIT`] bits); digits on which all values agree are skipped.
fn radix_sort_bits(v: &mut Vec<u64>, tmp: &mut Vec<u64>, lo: u32, hi: u32) {
    const RADIX: usize = 1 << DIGIT;
    let passes = (hi - lo).div_ceil(DIGIT) as usize;
    debug_assert!(passes <= 3);
    let mut hist = [[0u32; RADIX]; 3];
    let digit = |x: u64, p: usize| ((x >> (lo + p as u32 * DIGIT)) as usize) & (RADIX - 1);
    for &x in v.iter() {
        for (p, h) in hist.iter_mut().enumerate().take(passes) {
            h[digit(x, p)] += 1;
        }
    }
    let n = v.len();
    tmp.clear();
    tmp.resize(n, 0);
    for (p, h) in hist.iter().enumerate().take(passes) {
        if h.iter().any(|&c| c as usize == n) {
            continue;
        }
        let mut next = [0u32; RADIX];
        let mut s = 0;
        for (o, &c) in next.iter_mut().zip(h) {
            *o = s;
            s += c;
        }
        for &x in v.iter() {
            let d = digit(x, p);
            tmp[next[d] as usize] = x;
            next[d] += 1;
        }
        std::mem::swap(v, tmp);
    }
}

/// Sorts every run of `v` whose values agree on bits `lo..` (`v` is sorted on
/// those bits), which makes `v` fully sorted.
fn sort_equal_prefix_runs(v: &mut [u64], lo: u32) {
    let mut i = 0;
    while i < v.len() {
        let p = v[i] >> lo;
        let mut j = i + 1;
        while j < v.len() && v[j] >> lo == p {
            j += 1;
        }
        if j - i > 1 {
            v[i..j].sort_unstable();
        }
        i = j;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    type Groups = Vec<(f64, u64, u64)>;

    fn groups_by_engine(scores: &[f64], labels: &[bool]) -> Groups {
        let r = rank(
            scores.len(),
            |i| scores[i],
            |i| labels[i],
            |run| {
                let mut g = Vec::new();
                run.for_each_group_desc(|s, pos, neg| g.push((s(), pos, neg)));
                g
            },
        );
        match r {
            Ranking::Ranked { parts, .. } => parts.concat(),
            _ => panic!("not ranked"),
        }
    }

    fn groups_by_reference(scores: &[f64], labels: &[bool]) -> Groups {
        let mut v: Vec<(f64, bool)> = scores.iter().copied().zip(labels.iter().copied()).collect();
        v.sort_by(|a, b| b.0.total_cmp(&a.0));
        let mut out: Groups = Vec::new();
        for (s, l) in v {
            let s = if s == 0.0 { 0.0 } else { s };
            match out.last_mut() {
                Some(last) if last.0 == s => {
                    last.1 += l as u64;
                    last.2 += !l as u64;
                }
                _ => out.push((s, l as u64, !l as u64)),
            }
        }
        out
    }

    #[test]
    fn groups_match_a_reference_sort_on_large_inputs() {
        let mut s = 0x2545_f491_4f6c_dd1d_u64;
        let n = 200_000;
        let unif = |r: u64| (r >> 11) as f64 / (1u64 << 53) as f64;
        let cases: Vec<Box<dyn Fn(u64, usize) -> f64>> = vec![
            // random doubles in [0, 1)
            Box::new(move |r, _| unif(r)),
            // heavy ties
            Box::new(|r, _| (r % 7) as f64 / 7.0),
            // values differing only in their last bits (long equal-prefix runs)
            Box::new(|r, _| f64::from_bits(0.75f64.to_bits() + (r % 5000))),
            // both signs (as wide as packing allows), with -0.0 and 0.0
            Box::new(move |r, i| match i % 5 {
                0 => -0.0,
                1 => 0.0,
                _ => (unif(r) - 0.5) * 3.0,
            }),
            // one huge cluster plus sparse outliers
            Box::new(|r, i| if i % 100 == 0 { (r % 1000) as f64 } else { 0.5 }),
            // sorted input whose sample misses most of the range
            Box::new(|_, i| {
                if i < 199_990 {
                    i as f64 * 1e-9
                } else {
                    1e6 + i as f64
                }
            }),
        ];
        for (c, make) in cases.iter().enumerate() {
            let (mut scores, mut labels) = (Vec::new(), Vec::new());
            for i in 0..n {
                let r = xorshift(&mut s);
                scores.push(make(r, i));
                labels.push(xorshift(&mut s).is_multiple_of(3));
            }
            let (got, want) = (
                groups_by_engine(&scores, &labels),
                groups_by_reference(&scores, &labels),
            );
            for (g, w) in got.iter().zip(&want) {
                assert_eq!(g, w, "case {c}");
            }
            assert_eq!(got.len(), want.len(), "case {c}");
        }
    }

    #[test]
    fn non_finite_and_too_wide_scores_are_reported() {
        for n in [10, 100_000] {
            let mut scores = vec![0.5; n];
            scores[n / 2] = f64::NAN;
            let r = rank(n, |i| scores[i], |i| i % 2 == 0, |_| ());
            assert!(matches!(r, Ranking::NonFinite));
            scores[n / 2] = f64::NEG_INFINITY;
            let r = rank(n, |i| scores[i], |i| i % 2 == 0, |_| ());
            assert!(matches!(r, Ranking::NonFinite));
            scores[n / 2] = -1e300;
            scores[n / 3] = 1e300;
            let r = rank(n, |i| scores[i], |i| i % 2 == 0, |_| ());
            assert!(matches!(r, Ranking::TooWide));
        }
    }
}
