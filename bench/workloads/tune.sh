# Workload `tune` (issue 6): study engine overhead and search quality vs Optuna 5.0.0
# (peer: bench/python/tune.py, Optuna's default samplers, same objectives and budgets).
workload_tune() {
  local db
  for s in tpe random; do
    record "$MB" tune overhead "$s" memory 1000
    record "$PY" bench/python/tune.py overhead "$s" memory 1000
  done
  for s in tpe random; do
    db=$OUT/tune_mosel_$s.db; rm -f "$db" "$db-wal" "$db-shm"
    record "$MB" tune overhead "$s" "sqlite://$db" 1000
    db=$OUT/tune_optuna_$s.db; rm -f "$db"
    record "$PY" bench/python/tune.py overhead "$s" "sqlite:///$db" 1000
  done
  for f in branin hartmann6; do
    record "$MB" tune quality "$f"
    record "$PY" bench/python/tune.py quality "$f"
  done
}
ALL+=(tune)
