# bench/model/bench_step, built with the main Makefile's flags and library:
#   make -f Makefile -f bench/model/bench.mk bench-step
# (not part of `make all` / `make check`).
BENCH_STEP := $(O)/bench/model/bench_step
.PHONY: bench-step
bench-step: $(BENCH_STEP)
$(BENCH_STEP): bench/model/bench_step.c $(LIB) $(CUDA_LIB)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< $(LIB) -o $@ $(LDLIBS)

# bench/model/dnnl_peak: the bf16 matmul peak (oneDNN) and sgemm for comparison
DNNL_PEAK := $(O)/bench/model/dnnl_peak
.PHONY: dnnl-peak
dnnl-peak: $(DNNL_PEAK)
$(DNNL_PEAK): bench/model/dnnl_peak.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $< -o $@ -ldnnl $(LDLIBS)
