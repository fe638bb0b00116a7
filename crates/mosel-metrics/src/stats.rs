//! Distribution functions used by the tests and intervals of this crate
//! (Student-t, chi-square, standard normal, binomial), built on `statrs` and
//! checked against scipy golden values. Arguments outside the domain give NaN
//! rather than a panic.

use statrs::distribution::{
    Binomial, ChiSquared, Continuous, ContinuousCDF, DiscreteCDF, Normal, StudentsT,
};

fn std_normal() -> Normal {
    Normal::new(0.0, 1.0).expect("valid normal")
}

/// Standard normal CDF Φ(x).
pub fn normal_cdf(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else {
        std_normal().cdf(x)
    }
}

/// Standard normal survival function 1 - Φ(x), accurate in the upper tail.
pub fn normal_sf(x: f64) -> f64 {
    if x.is_nan() {
        f64::NAN
    } else {
        std_normal().sf(x)
    }
}

/// Standard normal quantile Φ⁻¹(p); ±inf at 0 and 1, NaN outside [0, 1].
pub fn normal_ppf(p: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    std_normal().inverse_cdf(p)
}

fn student(df: f64) -> Option<StudentsT> {
    if df.is_nan() || df <= 0.0 {
        None
    } else {
        StudentsT::new(0.0, 1.0, df).ok()
    }
}

/// Student-t CDF with `df` degrees of freedom.
pub fn t_cdf(x: f64, df: f64) -> f64 {
    match student(df) {
        Some(d) if !x.is_nan() => d.cdf(x),
        _ => f64::NAN,
    }
}

/// Student-t survival function.
pub fn t_sf(x: f64, df: f64) -> f64 {
    match student(df) {
        Some(d) if !x.is_nan() => d.sf(x),
        _ => f64::NAN,
    }
}

/// Student-t quantile; refined by Newton steps on the CDF.
pub fn t_ppf(p: f64, df: f64) -> f64 {
    let Some(d) = student(df) else {
        return f64::NAN;
    };
    if !(0.0..=1.0).contains(&p) {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if p == 0.5 {
        return 0.0;
    }
    let mut x = d.inverse_cdf(p);
    for _ in 0..3 {
        let (f, dens) = if p > 0.5 {
            (-(d.sf(x) - (1.0 - p)), d.pdf(x))
        } else {
            (d.cdf(x) - p, d.pdf(x))
        };
        if dens <= 0.0 || !dens.is_finite() {
            break;
        }
        let step = f / dens;
        if !step.is_finite() {
            break;
        }
        x -= step;
        if step.abs() <= 1e-16 * x.abs() {
            break;
        }
    }
    x
}

/// Chi-square survival function with `df` degrees of freedom.
pub fn chi2_sf(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if x <= 0.0 {
        return 1.0;
    }
    match ChiSquared::new(df) {
        Ok(d) => d.sf(x),
        Err(_) => f64::NAN,
    }
}

/// Binomial CDF P(X ≤ k) for X ~ Bin(n, p).
pub fn binom_cdf(k: u64, n: u64, p: f64) -> f64 {
    if k >= n {
        return 1.0;
    }
    match Binomial::new(p, n) {
        Ok(d) => d.cdf(k),
        Err(_) => f64::NAN,
    }
}
