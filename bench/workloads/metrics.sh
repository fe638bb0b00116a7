# Workload `metrics` (issue 3): classification metrics on 10M binary rows and 1M 10-class rows,
# mosel vs scikit-learn 1.9.1 (bench/python/metrics.py) on the same .npy inputs; each case is the
# best of 3 runs; "plain sum of label bytes" is the floor for count-based metrics.
workload_metrics() {
  local dir=$OUT/metrics
  [ -s "$dir/mc_proba.npy" ] || "$MB" metrics gen "$dir"
  record "$MB" metrics run "$dir"
  OPENBLAS_NUM_THREADS=1 record "$PY" bench/python/metrics.py "$dir"
}
ALL+=(metrics)
