//! Branch-free elementary functions for the TPE sampler's inner loops, and a direct truncated
//! normal quantile. Each is checked against the reference routine it replaces (see the tests).

use crate::truncnorm::{ndtr, ppf};

/// a·b + c: fused (one rounding) when `FMA`, for code compiled where the CPU has FMA; two
/// roundings otherwise (a software fused multiply-add would be far slower there).
#[inline(always)]
pub(crate) fn madd<const FMA: bool>(a: f64, b: f64, c: f64) -> f64 {
    if FMA { a.mul_add(b, c) } else { a * b + c }
}

/// exp(x) for x ≤ 0, branch-free so that loops over it vectorise: Cody–Waite range reduction
/// to |r| ≤ ln2/2 and a degree-12 Taylor polynomial (relative error below 1e-15, with or
/// without fused multiply-adds); inputs below -708 give ~0.
#[inline(always)]
pub(crate) fn exp_nonpos<const FMA: bool>(x: f64) -> f64 {
    const LOG2E: f64 = std::f64::consts::LOG2_E;
    const LN2_HI: f64 = f64::from_bits(0x3fe6_2e42_fee0_0000);
    const LN2_LO: f64 = f64::from_bits(0x3dea_39ef_3579_3c76);
    const MAGIC: f64 = 6_755_399_441_055_744.0; // 1.5 * 2^52
    const C: [f64; 13] = [
        1.0,
        1.0,
        0.5,
        1.0 / 6.0,
        1.0 / 24.0,
        1.0 / 120.0,
        1.0 / 720.0,
        1.0 / 5_040.0,
        1.0 / 40_320.0,
        1.0 / 362_880.0,
        1.0 / 3_628_800.0,
        1.0 / 39_916_800.0,
        1.0 / 479_001_600.0,
    ];
    let x = x.max(-708.0);
    let t = madd::<FMA>(x, LOG2E, MAGIC);
    let k = t - MAGIC;
    let r = madd::<FMA>(-k, LN2_LO, madd::<FMA>(-k, LN2_HI, x));
    let mut p = C[12];
    for &c in C[..12].iter().rev() {
        p = madd::<FMA>(p, r, c);
    }
    let scale = f64::from_bits(t.to_bits().wrapping_add(1023) << 52);
    p * scale
}

/// Natural logarithm of a positive, finite, normal `x`, branch-free so that loops over it
/// vectorise (musl's `log`: reduction to [√2/2, √2) and its degree-14 odd polynomial; error
/// below 1 ulp; constants as published).
#[allow(clippy::excessive_precision)]
#[inline(always)]
pub(crate) fn ln_pos(x: f64) -> f64 {
    const LN2_HI: f64 = 6.931_471_803_691_238_164_90e-01;
    const LN2_LO: f64 = 1.908_214_929_270_587_700_02e-10;
    const LG1: f64 = 6.666_666_666_666_735_130e-01;
    const LG2: f64 = 3.999_999_999_940_941_908e-01;
    const LG3: f64 = 2.857_142_874_366_239_149e-01;
    const LG4: f64 = 2.222_219_843_214_978_396e-01;
    const LG5: f64 = 1.818_357_216_161_805_012e-01;
    const LG6: f64 = 1.531_383_769_920_937_332e-01;
    const LG7: f64 = 1.479_819_860_511_658_591e-01;
    const SQRT_HALF: u64 = 0x3fe6_a09e_667f_3bcd;
    let ix = x.to_bits().wrapping_sub(SQRT_HALF);
    let k = ((ix as i64) >> 52) as f64;
    let m = (ix & 0x000f_ffff_ffff_ffff).wrapping_add(SQRT_HALF);
    let f = f64::from_bits(m) - 1.0;
    let hfsq = 0.5 * f * f;
    let s = f / (2.0 + f);
    let z = s * s;
    let w = z * z;
    let t1 = w * (LG2 + w * (LG4 + w * LG6));
    let t2 = z * (LG1 + w * (LG3 + w * (LG5 + w * LG7)));
    let r = t2 + t1;
    s * (hfsq + r) + k * LN2_LO - hfsq + f + k * LN2_HI
}

/// Standard normal quantile for a lower-tail probability `p` in [1e-10, 0.5] (Wichura's
/// AS 241, PPND16: accurate to about 1 part in 10^16; coefficients as published).
#[allow(clippy::excessive_precision, clippy::unreadable_literal)]
fn ndtri_lower(p: f64) -> f64 {
    /// Σ c[i] r^i by Horner's rule.
    fn poly(c: &[f64; 8], r: f64) -> f64 {
        c.iter().rev().fold(0.0, |acc, &ci| acc * r + ci)
    }
    const A: [f64; 8] = [
        3.387132872796366608,
        133.14166789178437745,
        1971.5909503065514427,
        13731.693765509461125,
        45921.953931549871457,
        67265.770927008700853,
        33430.575583588128105,
        2509.0809287301226727,
    ];
    const B: [f64; 8] = [
        1.0,
        42.313330701600911252,
        687.1870074920579083,
        5394.1960214247511077,
        21213.794301586595867,
        39307.89580009271061,
        28729.085735721942674,
        5226.495278852854561,
    ];
    const C: [f64; 8] = [
        1.42343711074968357734,
        4.6303378461565452959,
        5.7694972214606914055,
        3.64784832476320460504,
        1.27045825245236838258,
        0.24178072517745061177,
        0.0227238449892691845833,
        7.7454501427834140764e-4,
    ];
    const D: [f64; 8] = [
        1.0,
        2.05319162663775882187,
        1.6763848301838038494,
        0.68976733498510000455,
        0.14810397642748007459,
        0.0151986665636164571966,
        5.475938084995344946e-4,
        1.05075007164441684324e-9,
    ];
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        return q * poly(&A, r) / poly(&B, r);
    }
    // p < 0.075 here, and p ≥ 1e-10 keeps r ≤ 5 (the middle range of AS 241).
    let r = (-p.ln()).sqrt() - 1.6;
    -(poly(&C, r) / poly(&D, r))
}

/// Quantile `q` of the standard normal truncated to `[a, b]`: the same value as
/// [`ppf`](crate::truncnorm::ppf) (to about 1e-13 relative), computed directly instead of by
/// Newton's method in log space when `a ≤ 0 ≤ b` and `b - a ≥ 1` (a kernel centred inside its range
/// with a bandwidth at most the range: always the case for TPE's kernels). It defers to `ppf` where `ppf` itself is less accurate than
/// that (Optuna's log-space formula loses digits when q is within 1e-3 of 1, or of 0 when
/// a = 0: keeping its value there keeps the samples Optuna's), and for tail probabilities
/// below 1e-10.
pub(crate) fn ppf_fast(q: f64, a: f64, b: f64) -> f64 {
    let ppf_exact_enough = if a < 0.0 { q < 0.999 } else { q > 1e-3 };
    if !(a <= 0.0 && b >= 0.0 && b - a >= 1.0 && q > 0.0 && q < 1.0 && ppf_exact_enough) {
        return ppf(q, a, b);
    }
    // Lower and upper tail masses outside [a, b], both ≤ 1/2; the mass inside is ≥ 0.19.
    let left = if a < -38.0 { 0.0 } else { ndtr(a) };
    let right = if b > 38.0 { 0.0 } else { ndtr(-b) };
    let mass = (1.0 - left) - right;
    // P(X ≤ x) = left + q·mass; use the smaller of it and its complement, computed without
    // cancellation.
    let lower = left + q * mass;
    let x = if lower <= 0.5 {
        if lower < 1e-10 {
            return ppf(q, a, b);
        }
        ndtri_lower(lower)
    } else {
        let upper = right + (1.0 - q) * mass;
        if upper < 1e-10 {
            return ppf(q, a, b);
        }
        -ndtri_lower(upper)
    };
    x.clamp(a, b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    #[test]
    fn ln_pos_matches_std() {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(3);
        let mut worst = 0.0f64;
        for i in 0..200_000 {
            let x: f64 = if i % 2 == 0 {
                rng.random::<f64>() * 4.0
            } else {
                (rng.random::<f64>() * 1400.0 - 700.0).exp()
            };
            if x < f64::MIN_POSITIVE {
                continue;
            }
            let (a, b) = (ln_pos(x), x.ln());
            let ulp = f64::EPSILON * b.abs().max(f64::MIN_POSITIVE);
            worst = worst.max((a - b).abs() / ulp);
        }
        eprintln!("ln worst {worst} ulp");
        assert!(worst <= 1.0, "{worst} ulp");
        assert_eq!(ln_pos(1.0), 0.0);
    }

    #[test]
    fn fast_exp_is_accurate() {
        let mut x = 0.0f64;
        while x > -700.0 {
            let b = x.exp();
            for a in [exp_nonpos::<true>(x), exp_nonpos::<false>(x)] {
                assert!(((a - b) / b).abs() < 2e-15, "x={x} {a} {b}");
            }
            x -= 0.0137;
        }
        assert!(exp_nonpos::<true>(f64::NEG_INFINITY) < 1e-300);
        assert!(exp_nonpos::<false>(f64::NEG_INFINITY) < 1e-300);
    }

    #[test]
    fn ppf_fast_matches_newton_ppf() {
        // Kernels of TPE: centred inside [lo, hi], bandwidths from 1/1000 of the range to all
        // of it; quantiles all over (0, 1) including both extremes.
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(9);
        let mut worst = 0.0f64;
        for i in 0..200_000 {
            let width = 10f64.powf(rng.random::<f64>() * 3.0);
            let centre: f64 = rng.random();
            let (a, b) = (-centre * width, (1.0 - centre) * width);
            let q: f64 = match i % 4 {
                0 => rng.random::<f64>() * 1e-9,
                1 => 1.0 - rng.random::<f64>() * 1e-9,
                _ => rng.random(),
            };
            let (a, b) = if i % 10 == 0 { (0.0, b) } else { (a, b) };
            if q <= 0.0 || q >= 1.0 {
                continue;
            }
            let (x, y) = (ppf_fast(q, a, b), ppf(q, a, b));
            let err = (x - y).abs() / y.abs().max(1.0);
            assert!(err < 1e-13, "q={q} a={a} b={b}: {x} vs {y}");
            worst = worst.max(err);
        }
        eprintln!("ppf worst {worst:e}");
        assert!(worst < 1e-13, "{worst}");
    }
}
