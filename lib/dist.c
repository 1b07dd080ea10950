#include "dist.h"
#include "util.h"

#include <stdlib.h>

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
void dist_finalize(void) {}

#endif
