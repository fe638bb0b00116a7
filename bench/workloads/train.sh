# Workload `train` (issue 4): logistic regression 160,000 x 50 with L-BFGS, SGD logistic
# regression 5 epochs, MLP 100-128-10 with Adam (batch 256, 5 epochs, time per epoch), mosel vs
# scikit-learn 1.9.1 (bench/python/train.py) on the same make_classification data, 80/20 split,
# written once as raw f32/u8 files. The peer runs in both BLAS configurations and on float32
# and float64 inputs; the ratio is against its fastest. The MLP case is fitted with seeds 0-4 on
# both sides (best time; accuracy = mean over the seeds, with its spread).
workload_train() {
  local dir=$OUT/train
  [ -s "$dir/meta.json" ] || "$PY" bench/python/train.py gen "$dir"
  record "$MB" train "$dir"
  for dtype in float64 float32; do
    OPENBLAS_NUM_THREADS=1 record "$PY" bench/python/train.py run "$dir" "$dtype"
    record "$PY" bench/python/train.py run "$dir" "$dtype"
  done
}
ALL+=(train)
