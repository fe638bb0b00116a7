# Workload `select` (issue 5): model selection. GridSearchCV(LogisticRegression(), C in
# logspace(-4, 4, 10), cv=5) against `mosel_select::select` with the same 10 candidates
# (L-BFGS, l2 = 1 / (C * n_train), no feature scaling), the same stratified 5 folds (file order)
# and the refit of the winner, on make_classification(50000, 30, random_state=42) written once
# as raw f32/u8 files (bench/python/selection.py). The peer runs with n_jobs=1 (default BLAS
# and one BLAS thread) and n_jobs=2; the ratio is against its fastest. A check line then
# compares the chosen C and the fold accuracies (pass = same C or one within 0.001 of the best
# mean, every fold within 0.002). Growth: rows 10k / 100k / 1M (peer n_jobs=2) and 1..64
# candidates on 50k rows (mosel only).
workload_select() {
  local dir=$OUT/select
  for n in 10000 50000 100000 1000000; do
    [ -s "$dir/select_$n.u8" ] || "$PY" bench/python/selection.py gen "$dir" "$n" 42
  done
  record "$MB" select grid "$dir" 50000
  record "$PY" bench/python/selection.py grid "$dir" 50000 1
  OPENBLAS_NUM_THREADS=1 record "$PY" bench/python/selection.py grid "$dir" 50000 1
  record "$PY" bench/python/selection.py grid "$dir" 50000 2
  record "$PY" bench/python/selection.py compare "$RESULTS"
  record "$MB" select rows "$dir" 10000 100000 1000000
  for n in 10000 100000 1000000; do
    record "$PY" bench/python/selection.py grid "$dir" "$n" 2
  done
  record "$MB" select candidates "$dir" 50000 1 2 4 8 16 32 64
}
ALL+=(select)
