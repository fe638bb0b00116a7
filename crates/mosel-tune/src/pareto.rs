//! Multi-objective helpers: Pareto dominance, the Pareto front, non-domination ranks and
//! hypervolume (used by multi-objective TPE to break ties).
//!
//! All functions here work on *loss* vectors (every objective minimised); multiply maximised
//! objectives by -1 first (see [`Direction::sign`](crate::trial::Direction::sign)).

/// True when `a` dominates `b`: no worse in every objective and better in at least one.
pub fn dominates(a: &[f64], b: &[f64]) -> bool {
    let mut strictly = false;
    for (x, y) in a.iter().zip(b) {
        if x > y {
            return false;
        }
        if x < y {
            strictly = true;
        }
    }
    strictly
}

/// Indices of the non-dominated points among `points` (each a loss vector), in input order.
/// Points with equal loss vectors are all kept.
pub fn pareto_front(points: &[Vec<f64>]) -> Vec<usize> {
    // Sort by the first objective (then the rest) so that a point can only be dominated by
    // points before it; then compare against the current front only.
    let mut order: Vec<usize> = (0..points.len()).collect();
    order.sort_by(|&i, &j| {
        points[i]
            .iter()
            .zip(&points[j])
            .map(|(a, b)| a.total_cmp(b))
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    let mut front: Vec<usize> = Vec::new();
    for &i in &order {
        if points[i].iter().any(|v| v.is_nan()) {
            continue;
        }
        if !front.iter().any(|&f| dominates(&points[f], &points[i])) {
            front.push(i);
        }
    }
    front.sort_unstable();
    front
}

/// Non-domination ranks (0 = Pareto front) of `n` loss vectors of dimension `k` stored
/// row-major in `lvals`. Peels fronts only until at least `n_below` points are ranked; the rest
/// get `usize::MAX`.
pub fn nondomination_ranks(lvals: &[f64], n: usize, k: usize, n_below: usize) -> Vec<usize> {
    let mut rank = vec![usize::MAX; n];
    let mut remaining: Vec<usize> = (0..n).collect();
    let mut ranked = 0;
    let mut r = 0;
    while ranked < n_below.min(n) && !remaining.is_empty() {
        let row = |i: usize| &lvals[i * k..(i + 1) * k];
        let mut front = Vec::new();
        let mut rest = Vec::new();
        for &i in &remaining {
            if remaining
                .iter()
                .any(|&j| j != i && dominates(row(j), row(i)))
            {
                rest.push(i);
            } else {
                front.push(i);
            }
        }
        for &i in &front {
            rank[i] = r;
        }
        ranked += front.len();
        remaining = rest;
        r += 1;
    }
    rank
}

/// Hypervolume dominated by `points` (loss vectors) and bounded by the reference point `r`.
/// Points not strictly better than `r` in every objective contribute nothing.
pub fn hypervolume(points: &[Vec<f64>], r: &[f64]) -> f64 {
    let pts: Vec<&Vec<f64>> = points
        .iter()
        .filter(|p| p.iter().zip(r).all(|(a, b)| a < b))
        .collect();
    hv_rec(&pts, r)
}

fn hv_rec(points: &[&Vec<f64>], r: &[f64]) -> f64 {
    let k = r.len();
    if points.is_empty() {
        return 0.0;
    }
    if k == 1 {
        let m = points.iter().map(|p| p[0]).fold(f64::INFINITY, f64::min);
        return (r[0] - m).max(0.0);
    }
    if k == 2 {
        let mut pts: Vec<(f64, f64)> = points.iter().map(|p| (p[0], p[1])).collect();
        pts.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let mut area = 0.0;
        let mut best_y = r[1];
        for (x, y) in pts {
            if y < best_y {
                area += (r[0] - x) * (best_y - y);
                best_y = y;
            }
        }
        return area;
    }
    // Slice along the last objective.
    let mut sorted: Vec<&Vec<f64>> = points.to_vec();
    sorted.sort_by(|a, b| a[k - 1].total_cmp(&b[k - 1]));
    let mut vol = 0.0;
    for i in 0..sorted.len() {
        let top = if i + 1 < sorted.len() {
            sorted[i + 1][k - 1]
        } else {
            r[k - 1]
        };
        let h = top - sorted[i][k - 1];
        if h <= 0.0 {
            continue;
        }
        let proj: Vec<Vec<f64>> = sorted[..=i].iter().map(|p| p[..k - 1].to_vec()).collect();
        let refs: Vec<&Vec<f64>> = proj.iter().collect();
        vol += h * hv_rec(&refs, &r[..k - 1]);
    }
    vol
}

/// Greedy hypervolume subset selection: picks `size` of `points` that (greedily) maximise the
/// hypervolume with respect to `r`. Returns indices into `points`.
pub fn hssp_greedy(points: &[Vec<f64>], size: usize, r: &[f64]) -> Vec<usize> {
    let mut chosen: Vec<usize> = Vec::new();
    let mut chosen_pts: Vec<Vec<f64>> = Vec::new();
    let mut base = 0.0;
    while chosen.len() < size.min(points.len()) {
        let mut best = None;
        let mut best_gain = f64::NEG_INFINITY;
        for (i, p) in points.iter().enumerate() {
            if chosen.contains(&i) {
                continue;
            }
            chosen_pts.push(p.clone());
            let gain = hypervolume(&chosen_pts, r) - base;
            chosen_pts.pop();
            if gain > best_gain {
                best_gain = gain;
                best = Some(i);
            }
        }
        let Some(b) = best else { break };
        chosen.push(b);
        chosen_pts.push(points[b].clone());
        base = hypervolume(&chosen_pts, r);
    }
    chosen
}

/// Optuna's reference point for a set of loss vectors: 1.1 × the worst value per objective
/// (0.9 × for negative values), with zeros replaced by a tiny positive number.
pub fn reference_point(points: &[Vec<f64>]) -> Vec<f64> {
    let k = points.first().map_or(0, |p| p.len());
    (0..k)
        .map(|j| {
            let w = points
                .iter()
                .map(|p| p[j])
                .fold(f64::NEG_INFINITY, f64::max);
            let r = (1.1 * w).max(0.9 * w);
            if r == 0.0 { 1e-12 } else { r }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn front_of_known_set() {
        let pts = vec![
            vec![1.0, 5.0],
            vec![2.0, 3.0],
            vec![3.0, 4.0], // dominated by (2,3)
            vec![4.0, 1.0],
            vec![2.0, 3.0], // duplicate of a front point: kept
            vec![5.0, 5.0], // dominated
            vec![1.0, 6.0], // dominated by (1,5)
        ];
        assert_eq!(pareto_front(&pts), vec![0, 1, 3, 4]);
    }

    #[test]
    fn front_matches_brute_force_on_random_points() {
        let mut s = 12345u64;
        let mut rnd = || {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 50) as f64
        };
        for k in 2..=4 {
            let pts: Vec<Vec<f64>> = (0..200).map(|_| (0..k).map(|_| rnd()).collect()).collect();
            let brute: Vec<usize> = (0..pts.len())
                .filter(|&i| !(0..pts.len()).any(|j| dominates(&pts[j], &pts[i])))
                .collect();
            assert_eq!(pareto_front(&pts), brute);
            let lv: Vec<f64> = pts.iter().flatten().copied().collect();
            let ranks = nondomination_ranks(&lv, pts.len(), k, pts.len());
            for &i in &brute {
                assert_eq!(ranks[i], 0);
            }
            assert!(ranks.iter().all(|&r| r != usize::MAX));
            // Rank r+1 points are each dominated by some rank-r point.
            for i in 0..pts.len() {
                if ranks[i] > 0 {
                    assert!(
                        (0..pts.len())
                            .any(|j| ranks[j] == ranks[i] - 1 && dominates(&pts[j], &pts[i]))
                    );
                }
            }
        }
    }

    #[test]
    fn hypervolume_known_values() {
        let pts = vec![vec![1.0, 3.0], vec![2.0, 2.0], vec![3.0, 1.0]];
        // Staircase under reference (4,4): 3*1 + 2*1 + 1*1 = 6.
        assert!((hypervolume(&pts, &[4.0, 4.0]) - 6.0).abs() < 1e-12);
        // 3-D: a single point is a box.
        assert!((hypervolume(&[vec![1.0, 1.0, 1.0]], &[2.0, 3.0, 4.0]) - 6.0).abs() < 1e-12);
        // Two overlapping boxes: 1*1*1 + 1*1*1 - overlap (0)... (0,0,1) and (1,1,0) with r=(2,2,2):
        // box A = 2*2*1 = 4, box B = 1*1*2 = 2, overlap = 1*1*1 = 1 → 5.
        let hv = hypervolume(
            &[vec![0.0, 0.0, 1.0], vec![1.0, 1.0, 0.0]],
            &[2.0, 2.0, 2.0],
        );
        assert!((hv - 5.0).abs() < 1e-12, "{hv}");
        let sel = hssp_greedy(&pts, 1, &[4.0, 4.0]);
        assert_eq!(sel, vec![1]); // (2,2) covers 4, the others 3.
    }
}
