/* dist: data parallelism across processes, on MPI (OpenMPI, Slurm's srun,
 * any MPI launcher). No home-made networking: ranks are started by the
 * launcher and talk only through MPI collectives.
 *
 * Built with MPI when its headers are found (PT_HAVE_MPI); without them, or
 * when the process was not started by an MPI launcher, there is one rank
 * and every call below is a no-op. */
#ifndef PT_DIST_H
#define PT_DIST_H

#include <stddef.h>

/* Joins the MPI job when started by a launcher (mpirun, srun); otherwise
 * stays a single rank without touching MPI. After this, pt_die() aborts
 * the whole job (MPI_Abort), so one failing rank never leaves the others
 * hanging in a collective. */
void dist_init(int *argc, char ***argv);
int dist_rank(void);
int dist_size(void);
/* x[0..n) = the sum over ranks, on every rank. */
void dist_allreduce_sum_f32(float *x, size_t n);
void dist_allreduce_sum_f64(double *x, size_t n);
/* buf[0..n) of rank 0 copied to every rank. */
void dist_bcast_bytes(void *buf, size_t n);
/* Concatenates every rank's n floats on rank 0, in rank order: returns a
 * malloc'd buffer there (length in *total) and NULL on the other ranks.
 * One rank: a copy of x. */
float *dist_gather_f32(const float *x, size_t n, size_t *total);
/* Leaves the job cleanly (MPI_Finalize); call once before exit(0). */
void dist_finalize(void);

#endif
