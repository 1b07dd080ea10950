#include "dist.h"
#include "util.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* dist_gather_f32 on a single rank: a copy */
static float *gather_one(const float *x, size_t n, size_t *total)
{
	float *all = pt_malloc(n ? n * sizeof(float) : 1);
	if (n)
		memcpy(all, x, n * sizeof(float));
	*total = n;
	return all;
}


#ifdef PT_HAVE_MPI
#include <mpi.h>

static int active, rank, size = 1;

static void abort_job(void)
{
	MPI_Abort(MPI_COMM_WORLD, 1);
}

void dist_init(int *argc, char ***argv)
{
	/* Only a launcher's environment makes us a rank: a plain `train` never
	 * starts MPI (no singleton orted, nothing to clean up). */
	if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
		return;
	if (MPI_Init(argc, argv) != MPI_SUCCESS)
		pt_die("MPI_Init failed");
	MPI_Comm_rank(MPI_COMM_WORLD, &rank);
	MPI_Comm_size(MPI_COMM_WORLD, &size);
	active = 1;
	pt_set_die_hook(abort_job);
}

int dist_rank(void) { return rank; }
int dist_size(void) { return size; }

void dist_allreduce_sum_f32(float *x, size_t n)
{
	if (!active || size == 1)
		return;
	/* MPI counts are ints: reduce in chunks */
	for (size_t off = 0; off < n; off += (size_t)1 << 30) {
		size_t k = n - off < ((size_t)1 << 30) ? n - off : (size_t)1 << 30;
		if (MPI_Allreduce(MPI_IN_PLACE, x + off, (int)k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
			pt_die("MPI_Allreduce failed");
	}
}

void dist_allreduce_sum_f64(double *x, size_t n)
{
	if (!active || size == 1)
		return;
	if (MPI_Allreduce(MPI_IN_PLACE, x, (int)n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD) != MPI_SUCCESS)
		pt_die("MPI_Allreduce failed");
}

void dist_bcast_bytes(void *buf, size_t n)
{
	if (!active || size == 1)
		return;
	if (n > INT_MAX)
		pt_die("broadcast: %zu bytes, more than MPI's int counts allow", n);
	if (MPI_Bcast(buf, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
		pt_die("MPI_Bcast failed");
}

float *dist_gather_f32(const float *x, size_t n, size_t *total)
{
	if (!active || size == 1)
		return gather_one(x, n, total);
	long long mine = (long long)n, *counts = rank == 0 ? pt_malloc(sizeof(long long) * size) : NULL;
	if (MPI_Gather(&mine, 1, MPI_LONG_LONG, counts, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
		pt_die("MPI_Gather failed");
	int *cnt = NULL, *displ = NULL;
	float *all = NULL;
	if (rank == 0) {
		cnt = pt_malloc(sizeof(int) * size);
		displ = pt_malloc(sizeof(int) * size);
		long long sum = 0;
		for (int i = 0; i < size; i++) {
			if (sum + counts[i] > INT_MAX)
				pt_die("gather: %lld floats, more than MPI's int counts allow", sum + counts[i]);
			cnt[i] = (int)counts[i];
			displ[i] = (int)sum;
			sum += counts[i];
		}
		*total = (size_t)sum;
		all = pt_malloc(sum ? (size_t)sum * sizeof(float) : 1);
	}
	if (MPI_Gatherv(x, (int)n, MPI_FLOAT, all, cnt, displ, MPI_FLOAT, 0, MPI_COMM_WORLD) != MPI_SUCCESS)
		pt_die("MPI_Gatherv failed");
	free(counts);
	free(cnt);
	free(displ);
	return all;
}

void dist_finalize(void)
{
	if (active) {
		pt_set_die_hook(NULL);
		MPI_Finalize();
		active = 0;
	}
}

#else

void dist_init(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (getenv("OMPI_COMM_WORLD_SIZE") && atoi(getenv("OMPI_COMM_WORLD_SIZE")) > 1)
		pt_die("started by mpirun with %s ranks, but this build has no MPI support "
		       "(install libopenmpi-dev and rebuild)", getenv("OMPI_COMM_WORLD_SIZE"));
}
int dist_rank(void) { return 0; }
int dist_size(void) { return 1; }
void dist_allreduce_sum_f32(float *x, size_t n) { (void)x; (void)n; }
void dist_allreduce_sum_f64(double *x, size_t n) { (void)x; (void)n; }
void dist_bcast_bytes(void *buf, size_t n) { (void)buf; (void)n; }
float *dist_gather_f32(const float *x, size_t n, size_t *total) { return gather_one(x, n, total); }
void dist_finalize(void) {}

#endif
