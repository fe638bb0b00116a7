//! Standard test functions for checking search quality (used by the tests and the bench).

/// Branin–Hoo on x1 ∈ [-5, 10], x2 ∈ [0, 15]; global minimum 0.397887.
pub fn branin(x1: f64, x2: f64) -> f64 {
    let pi = std::f64::consts::PI;
    let a = 1.0;
    let b = 5.1 / (4.0 * pi * pi);
    let c = 5.0 / pi;
    let r = 6.0;
    let s = 10.0;
    let t = 1.0 / (8.0 * pi);
    a * (x2 - b * x1 * x1 + c * x1 - r).powi(2) + s * (1.0 - t) * x1.cos() + s
}

/// Hartmann-6 on [0, 1]^6; global minimum -3.32237.
pub fn hartmann6(x: &[f64; 6]) -> f64 {
    const ALPHA: [f64; 4] = [1.0, 1.2, 3.0, 3.2];
    const A: [[f64; 6]; 4] = [
        [10.0, 3.0, 17.0, 3.5, 1.7, 8.0],
        [0.05, 10.0, 17.0, 0.1, 8.0, 14.0],
        [3.0, 3.5, 1.7, 10.0, 17.0, 8.0],
        [17.0, 8.0, 0.05, 10.0, 0.1, 14.0],
    ];
    const P: [[f64; 6]; 4] = [
        [0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886],
        [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
        [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650],
        [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381],
    ];
    let mut s = 0.0;
    for i in 0..4 {
        let mut inner = 0.0;
        for j in 0..6 {
            inner += A[i][j] * (x[j] - P[i][j]).powi(2);
        }
        s += ALPHA[i] * (-inner).exp();
    }
    -s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_minima() {
        let pi = std::f64::consts::PI;
        for (a, b) in [(-pi, 12.275), (pi, 2.275), (9.42478, 2.475)] {
            assert!((branin(a, b) - 0.397_887).abs() < 1e-5);
        }
        let x = [0.20169, 0.150011, 0.476874, 0.275332, 0.311652, 0.6573];
        assert!((hartmann6(&x) + 3.32237).abs() < 1e-4);
    }
}
