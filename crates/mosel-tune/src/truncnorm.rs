//! Truncated normal helpers (a port of the numerically careful routines Optuna's TPE uses):
//! log-CDF with an asymptotic series in the far left tail, log of a Gaussian mass on an
//! interval, and the inverse CDF in log space by Newton's method.

/// ln(sqrt(2π)).
pub const LOG_SQRT_2PI: f64 = 0.918_938_533_204_672_8;

/// Standard normal CDF.
pub fn ndtr(a: f64) -> f64 {
    let x = a / std::f64::consts::SQRT_2;
    if x < -std::f64::consts::FRAC_1_SQRT_2 {
        0.5 * libm::erfc(-x)
    } else if x < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * libm::erf(x)
    } else {
        1.0 - 0.5 * libm::erfc(x)
    }
}

/// log of the standard normal CDF, accurate in both tails.
pub fn log_ndtr(a: f64) -> f64 {
    if a > 6.0 {
        return -ndtr(-a);
    }
    if a > -20.0 {
        return ndtr(a).ln();
    }
    let log_lhs = -0.5 * a * a - (-a).ln() - LOG_SQRT_2PI;
    let mut last_total = 0.0f64;
    let mut rhs = 1.0f64;
    let mut numerator = 1.0;
    let mut denom_factor = 1.0;
    let denom_cons = 1.0 / (a * a);
    let mut sign = 1.0;
    let mut i = 0;
    while (last_total - rhs).abs() > f64::EPSILON && i < 100 {
        i += 1;
        last_total = rhs;
        sign = -sign;
        denom_factor *= denom_cons;
        numerator *= (2 * i - 1) as f64;
        rhs += sign * numerator * denom_factor;
    }
    log_lhs + rhs.ln()
}

/// log of the standard normal log-density.
#[inline]
pub fn norm_logpdf(z: f64) -> f64 {
    -0.5 * z * z - LOG_SQRT_2PI
}

fn log_diff(log_p: f64, log_q: f64) -> f64 {
    log_p + (-(log_q - log_p).exp()).ln_1p()
}

/// log of the standard normal probability mass on `[a, b]`.
pub fn log_gauss_mass(a: f64, b: f64) -> f64 {
    if b <= 0.0 {
        log_diff(log_ndtr(b), log_ndtr(a))
    } else if a > 0.0 {
        log_diff(log_ndtr(-a), log_ndtr(-b))
    } else {
        // Central case. A tail mass below ~1e-17 cannot change the result: skip its erfc.
        let left = if a < -8.5 { 0.0 } else { ndtr(a) };
        let right = if b > 8.5 { 0.0 } else { ndtr(-b) };
        let t = left + right;
        if t < 1e-17 { -t } else { (-t).ln_1p() }
    }
}

/// x such that log_ndtr(x) = y (y ≤ 0), by Newton's method.
fn ndtri_exp(y: f64) -> f64 {
    let flipped = y > -1e-2;
    let z = if flipped { (-y.exp_m1()).ln() } else { y };
    let mut x = if z < -5.0 {
        -(-2.0 * (z + LOG_SQRT_2PI)).sqrt()
    } else {
        -(3f64.sqrt() / std::f64::consts::PI) * (-z).exp_m1().ln()
    };
    for _ in 0..100 {
        let l = log_ndtr(x);
        let lp = -0.5 * x * x - LOG_SQRT_2PI;
        let dx = (l - z) * (l - lp).exp();
        x -= dx;
        if dx.is_nan() || dx.abs() < 1e-8 * x.abs() {
            break;
        }
    }
    if flipped { -x } else { x }
}

/// Inverse CDF of the standard normal truncated to `[a, b]` at quantile `q`.
pub fn ppf(q: f64, a: f64, b: f64) -> f64 {
    if a == b {
        return a;
    }
    if q <= 0.0 {
        return a;
    }
    if q >= 1.0 {
        return b;
    }
    let log_mass = log_gauss_mass(a, b);
    let x = if a < 0.0 {
        let log_phi_x = logaddexp(log_ndtr(a), q.ln() + log_mass);
        ndtri_exp(log_phi_x)
    } else {
        let log_phi_x = logaddexp(log_ndtr(-b), (-q).ln_1p() + log_mass);
        -ndtri_exp(log_phi_x)
    };
    x.clamp(a, b)
}

/// log(exp(a) + exp(b)).
pub fn logaddexp(a: f64, b: f64) -> f64 {
    if a == f64::NEG_INFINITY {
        return b;
    }
    if b == f64::NEG_INFINITY {
        return a;
    }
    let m = a.max(b);
    m + ((a - m).exp() + (b - m).exp()).ln()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ndtr_matches_known_values() {
        // scipy.special.ndtr / log_ndtr reference values.
        assert!((ndtr(0.0) - 0.5).abs() < 1e-16);
        assert!((ndtr(1.0) - 0.841_344_746_068_542_9).abs() < 1e-15);
        assert!((ndtr(-3.0) - 0.001_349_898_031_630_093_3).abs() < 1e-17);
        assert!((log_ndtr(-30.0) - (-454.321_243_956_343_27)).abs() < 1e-9);
        assert!((log_ndtr(-10.0) - (-53.231_285_150_512_48)).abs() < 1e-9);
        assert!((log_ndtr(7.0) - (-1.279_812_543_886_654e-12)).abs() < 1e-24);
    }

    #[test]
    fn gauss_mass_and_ppf_are_consistent() {
        for &(a, b) in &[
            (-1.0, 2.0),
            (-40.0, -38.0),
            (3.0, 9.0),
            (-0.1, 0.1),
            (-50.0, 50.0),
        ] {
            let m = log_gauss_mass(a, b);
            for &q in &[0.01, 0.3, 0.5, 0.9, 0.999] {
                let x = ppf(q, a, b);
                assert!(x >= a && x <= b);
                let mq = log_gauss_mass(a, x);
                assert!(
                    ((mq - m).exp() - q).abs() < 1e-6,
                    "a={a} b={b} q={q} x={x} got {}",
                    (mq - m).exp()
                );
            }
        }
        assert!((log_gauss_mass(-1.0, 1.0) - (-0.381_715_146_302_126_16)).abs() < 1e-14);
    }
}
